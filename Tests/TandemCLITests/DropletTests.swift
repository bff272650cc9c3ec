import Foundation
import Testing

/// A droplet as the buildpack lifecycle leaves it in /home/vcap (`app/`, `deps/`, `profile.d/`,
/// `staging_info.yml`), run by `tandem run` as a container's entrypoint would: each process in `app/` after
/// the lifecycle launcher's `profile.d` scripts, with `HOME` and `DEPS_DIR` as Diego sets them, and the
/// sidecar a supply buildpack declared in its `launch.yml`.
@Suite struct DropletTests {
    @Test(.timeLimit(.minutes(1))) func aDropletRunsAsTheLauncherRunsIt() async throws {
        let root = NSTemporaryDirectory() + "tandem-droplet-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["app/.profile.d", "deps/0", "profile.d"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        let files = [
            // What the lifecycle writes: JSON, under a .yml name.
            "staging_info.yml":
                #"{"detected_buildpack":"","start_command":"echo \"web $GREETING $APP_SETTING $PWD $HOME $DEPS_DIR\" > ../web.out; exec sleep 30"}"#,
            "profile.d/0_greeting.sh": "export GREETING=hello\n",
            "app/.profile.d/setting.sh": "export APP_SETTING=from-app\n",
            "deps/0/launch.yml": """
            processes:
            - type: "agent"
              command: "echo agent $GREETING $PWD > ../agent.out; exec sleep 30"
              platforms:
                cloudfoundry:
                  sidecar_for: [ "web" ]

            """,
        ]
        for (name, text) in files { try text.write(toFile: root + "/" + name, atomically: true, encoding: .utf8) }

        let validated = try await GoldenTests.run(["validate", root])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
        #expect(validated.stdout.contains("web with agent"), "\(validated.stdout)")

        // Nothing listens on web's port, so its health check does not pass and the agent (which waits for
        // it, as the seed's rule says) does not start: what is checked here is how web was launched.
        let run = try await GoldenTests.run(["run", "--stop-after", "1500ms", "--cf-port", String(RunCommandTests.freePort()), root])
        #expect(!FileManager.default.fileExists(atPath: root + "/agent.out"))
        let web = try String(contentsOfFile: root + "/web.out", encoding: .utf8)
        let real = (root as NSString).resolvingSymlinksInPath
        #expect(
            web.trimmingCharacters(in: .whitespacesAndNewlines) == "web hello from-app \(real)/app \(root)/app \(root)/deps"
                || web.trimmingCharacters(in: .whitespacesAndNewlines) == "web hello from-app \(root)/app \(root)/app \(root)/deps",
            "\(web) / \(run.stderr)")
    }

    /// The examples' staged app runs as it is (examples/README.md says so): web, the worker, and their sidecars.
    @Test(.timeLimit(.minutes(1))) func theExampleAppFolderRuns() async throws {
        let run = try await GoldenTests.run(["run", "--stop-after", "3s", "--cf-port", String(RunCommandTests.freePort()), "examples/cloudfoundry/app"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("worker: waiting for jobs on queue default"), "\(run.stdout)")
        #expect(run.stdout.contains("metrics-agent: scraped web and worker (--port 9102)"), "\(run.stdout)")
        #expect(run.stdout.contains("hello from a sidecar process"), "\(run.stdout)")
        #expect(!run.stdout.contains("not found") && !run.stderr.contains("not found"), "\(run.stdout)\(run.stderr)")
    }
}
