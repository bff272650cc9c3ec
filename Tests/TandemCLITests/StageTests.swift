import Foundation
import TandemTestSupport
import Testing

/// `tandem stage` with buildpacks of our own writing, run as the buildpack lifecycle runs them, and the
/// droplet it leaves run by `tandem run`.
@Suite struct StageTests {
    /// A scratch folder with an app and buildpacks, removed afterwards.
    final class Scratch {
        let root: String

        init() throws {
            root = NSTemporaryDirectory() + "tandem-stage-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root + "/app", withIntermediateDirectories: true)
            try "hello\n".write(toFile: root + "/app/index.html", atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// A buildpack folder named `name` with the given `bin/` scripts (made executable).
        @discardableResult
        func buildpack(_ name: String, _ scripts: [String: String], version: String? = nil) throws -> String {
            let folder = root + "/" + name
            try FileManager.default.createDirectory(atPath: folder + "/bin", withIntermediateDirectories: true)
            for (script, text) in scripts {
                let path = folder + "/bin/" + script
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            }
            if let version { try version.write(toFile: folder + "/VERSION", atomically: true, encoding: .utf8) }
            return folder
        }

        func stage(_ arguments: [String]) async throws -> (stdout: String, stderr: String, status: Int32) {
            try await GoldenTests.run(["stage", root + "/app"] + arguments)
        }

        func json(_ path: String) throws -> [String: Any] {
            let data = try #require(FileManager.default.contents(atPath: root + "/" + path), "\(path) missing")
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + path) }

        /// Output with this scratch folder's path replaced, for golden files.
        func normalised(_ text: String) -> String {
            text.replacingOccurrences(of: (root as NSString).resolvingSymlinksInPath, with: "$ROOT").replacingOccurrences(of: root, with: "$ROOT")
        }
    }

    /// The seed's supply script, as its page gives it.
    static let seedSupply = """
        #!/bin/bash
        set -euo pipefail
        BUILD_DIR=$1
        CACHE_DIR=$2
        DEPS_DIR=$3
        DEPS_IDX=$4
        LAUNCH_CONTENTS='---
        processes:
        - type: "sidecar_process"
          command: "echo started > ../sidecar.out; if [ -f ../web.ready ]; then echo after-web >> ../sidecar.out; fi; exec sleep 30"
          platforms:
            cloudfoundry:
              sidecar_for: [ "web"]
        '
        echo "-----> Running sidecar supply"
        export BUILDPACK_DIR=`dirname $(readlink -f ${BASH_SOURCE%/*})`
        pushd "$BUILDPACK_DIR" > /dev/null
        echo "$LAUNCH_CONTENTS" > "$DEPS_DIR"/"$DEPS_IDX"/launch.yml
        popd > /dev/null

        """

    /// A final buildpack with `bin/finalize` and `bin/release`: web listens on $PORT only after a second
    /// (so that a sidecar started before web's health check passed would see no web.ready).
    static let finalScripts = [
        "finalize": """
        #!/bin/bash
        set -eu
        echo "finalize $# arguments, stack $CF_STACK, memory $MEMORY_LIMIT"
        echo "export FROM_PROFILE=yes" > "$5/final.sh"

        """,
        "release": """
        #!/bin/bash
        cat <<'EOF'
        ---
        default_process_types:
          web: sleep 1; touch ../web.ready; exec python3 -m http.server $PORT --bind 127.0.0.1
          worker: exec sleep 30
        EOF

        """,
    ]

    @Test(.timeLimit(.minutes(1))) func theSeedsSupplyBuildpackStagesAndItsSidecarRunsOnceWebIsHealthy() async throws {
        let scratch = try Scratch()
        let supply = try scratch.buildpack("sidecar-buildpack", ["supply": Self.seedSupply])
        let final = try scratch.buildpack("app-buildpack", Self.finalScripts, version: "1.2.3")
        let staged = try await scratch.stage(["-b", supply, "-b", final, "--out", scratch.root + "/droplet", "--no-cache", "-m", "512M"])
        let transcript = "--- stdout\n\(staged.stdout)--- stderr\n\(staged.stderr)--- exit \(staged.status)\n"
        try GoldenTests.compare(scratch.normalised(transcript), golden: "stage-seed")

        // The lifecycle's staging result: processes from the release, the sidecar from launch.yml.
        let result = try scratch.json("droplet/result.json")
        #expect(
            result["process_types"] as? [String: String] == [
                "web": "sleep 1; touch ../web.ready; exec python3 -m http.server $PORT --bind 127.0.0.1", "worker": "exec sleep 30",
            ])
        let sidecars = try #require(result["sidecars"] as? [[String: Any]])
        #expect(sidecars.count == 1)
        #expect(sidecars.first?["name"] as? String == "sidecar_process")
        #expect(sidecars.first?["process_types"] as? [String] == ["web"])
        let metadata = try #require(result["lifecycle_metadata"] as? [String: Any])
        #expect(metadata["detected_buildpack"] as? String == "app-buildpack")
        #expect(try scratch.json("droplet/staging_info.yml")["start_command"] as? String != nil)
        #expect(scratch.exists("droplet/deps/0/launch.yml") && scratch.exists("droplet/profile.d/final.sh") && scratch.exists("droplet/app/index.html"))
        #expect(!scratch.exists(".droplet.staging-\(getpid())"))

        let validated = try await GoldenTests.run(["validate", scratch.root + "/droplet"])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")

        let run = try await GoldenTests.run(["run", "--stop-after", "5s", "--cf-port", String(RunCommandTests.freePort()), scratch.root + "/droplet"])
        let sidecar = (try? String(contentsOfFile: scratch.root + "/droplet/sidecar.out", encoding: .utf8)) ?? ""
        #expect(sidecar == "started\nafter-web\n", "the sidecar must start once web is healthy: \(sidecar)\n\(run.stderr)")
    }

    /// docs/formats.md's walk-through, with the examples' buildpacks, as written there.
    @Test(.timeLimit(.minutes(1))) func theExampleBuildpacksStageTheExampleSite() async throws {
        let scratch = try Scratch()
        let staged = try await GoldenTests.run([
            "stage", "examples/cloudfoundry/site", "-b", "examples/cloudfoundry/buildpacks/sidecar-buildpack", "-b",
            "examples/cloudfoundry/buildpacks/static-buildpack", "--out", scratch.root + "/site.droplet", "-m", "256M", "--no-cache",
        ])
        #expect(staged.status == 0, "\(staged.stderr)")
        #expect(staged.stdout.contains("  process web: python3 -m http.server $PORT --bind 127.0.0.1 --directory \"$SITE_ROOT\"\n"), "\(staged.stdout)")
        #expect(
            staged.stdout.contains(
                "  sidecar sidecar_process for web, 10 MB: while true; do echo hello from a sidecar process; sleep 10; done\n"),
            "\(staged.stdout)")
        let validated = try await GoldenTests.run(["validate", scratch.root + "/site.droplet"])
        #expect(validated.stdout.contains("ok: Cloud Foundry app folder: web with sidecar_process"), "\(validated.stdout)")
    }

    @Test(.timeLimit(.minutes(1))) func aSidecarForWebAndWorkerKeepsItsMemoryLimit() async throws {
        let scratch = try Scratch()
        let supply = try scratch.buildpack(
            "agent-buildpack",
            [
                "supply": """
                #!/bin/sh
                cat > "$3/$4/launch.yml" <<'EOF'
                processes:
                - type: agent
                  command: exec sleep 30
                  limits:
                    memory: 64
                  platforms:
                    cloudfoundry:
                      sidecar_for: [web, worker]
                EOF

                """
            ])
        let final = try scratch.buildpack("app-buildpack", Self.finalScripts)
        let staged = try await scratch.stage(["-b", supply, "-b", final, "--out", scratch.root + "/droplet", "--no-cache"])
        #expect(staged.status == 0, "\(staged.stderr)")
        #expect(staged.stdout.contains("  sidecar agent for web, worker, 64 MB: exec sleep 30"), "\(staged.stdout)")
        let sidecars = try #require(try scratch.json("droplet/result.json")["sidecars"] as? [[String: Any]])
        #expect(sidecars.count == 1)
        #expect(sidecars.first?["memory"] as? Int == 64)
        #expect(sidecars.first?["process_types"] as? [String] == ["web", "worker"])
        let validated = try await GoldenTests.run(["validate", scratch.root + "/droplet"])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
    }

    @Test(.timeLimit(.minutes(1))) func theLaterBuildpackWinsAProcessTypeInPlace() async throws {
        let scratch = try Scratch()
        func writer(_ command: String) -> String {
            """
            #!/bin/sh
            cat > "$3/$4/launch.yml" <<'EOF'
            processes:
            - type: web
              command: \(command)
            - type: \(command.replacingOccurrences(of: "exec sleep ", with: "p"))
              command: exec sleep 1
            EOF

            """
        }
        let first = try scratch.buildpack("first", ["supply": writer("exec sleep 10")])
        let second = try scratch.buildpack("second", ["supply": writer("exec sleep 20")])
        let final = try scratch.buildpack("final", ["finalize": "#!/bin/sh\n"])
        let staged = try await scratch.stage(["-b", first, "-b", second, "-b", final, "--out", scratch.root + "/droplet", "--no-cache"])
        #expect(staged.status == 0, "\(staged.stderr)")
        let processes = try #require(try scratch.json("droplet/result.json")["processes"] as? [[String: String]])
        // web keeps its place (first), with the second buildpack's command.
        #expect(processes.map { $0["type"] ?? "" } == ["web", "p10", "p20"])
        #expect(processes.first?["command"] == "exec sleep 20")
    }

    @Test(.timeLimit(.minutes(1))) func aFailingScriptIsNamedAndAnEarlierDropletIsKept() async throws {
        let scratch = try Scratch()
        let final = try scratch.buildpack("app-buildpack", Self.finalScripts)
        let good = try await scratch.stage(["-b", final, "--out", scratch.root + "/droplet", "--no-cache"])
        #expect(good.status == 0, "\(good.stderr)")
        let before = try #require(FileManager.default.contents(atPath: scratch.root + "/droplet/result.json"))

        let failing = try scratch.buildpack("broken-buildpack", ["supply": "#!/bin/sh\necho 'cannot fetch the agent' >&2\nexit 3\n"])
        let failed = try await scratch.stage(["-b", failing, "-b", final, "--out", scratch.root + "/droplet", "--no-cache"])
        let transcript = "--- stdout\n\(failed.stdout)--- stderr\n\(failed.stderr)--- exit \(failed.status)\n"
        try GoldenTests.compare(scratch.normalised(transcript), golden: "stage-failing-supply")
        #expect(FileManager.default.contents(atPath: scratch.root + "/droplet/result.json") == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.root).filter { $0.contains("staging") }.isEmpty)

        // A fresh --out is not created at all.
        let fresh = try await scratch.stage(["-b", failing, "-b", final, "--out", scratch.root + "/fresh", "--no-cache"])
        #expect(fresh.status == 1)
        #expect(!scratch.exists("fresh"))
    }

    @Test(.timeLimit(.minutes(1))) func aHangingScriptIsStoppedWithItsWholeProcessTree() async throws {
        let scratch = try Scratch()
        let hanging = try scratch.buildpack(
            "hanging-buildpack",
            [
                // A grandchild in its own session, and a script that ignores SIGTERM.
                "supply": """
                #!/bin/bash
                setsid sleep 300 &
                echo $! > "\(scratch.root)/grandchild.pid"
                echo $$ > "\(scratch.root)/script.pid"
                trap '' TERM
                echo "waiting forever"
                while true; do sleep 1; done

                """
            ])
        let final = try scratch.buildpack("app-buildpack", Self.finalScripts)
        let started = Date()
        let staged = try await scratch.stage(["-b", hanging, "-b", final, "--out", scratch.root + "/droplet", "--no-cache", "--timeout", "1s"])
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(staged.status == 1)
        #expect(
            staged.stderr.contains(
                "Error: Failed to run all supply scripts: bin/supply of buildpack hanging-buildpack did not finish within 1s; it was stopped"),
            "\(staged.stderr)")
        #expect(staged.stdout.contains("       waiting forever"))
        #expect(!scratch.exists("droplet"))
        for file in ["script.pid", "grandchild.pid"] {
            let text = try String(contentsOfFile: scratch.root + "/" + file, encoding: .utf8)
            let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            // Reaped (by us or by init): gone, or at most a zombie for a moment.
            var gone = false
            for _ in 0..<50 where !gone {
                let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
                gone = state == nil || state == "Z"
                if !gone { try await Task.sleep(for: .milliseconds(20)) }
            }
            if !gone { kill(pid, SIGKILL) }
            #expect(gone, "\(file) \(pid) outlived the staging")
        }
    }

    @Test(.timeLimit(.minutes(1))) func aStagingToldToStopStopsItsScriptAndLeavesNothing() async throws {
        let scratch = try Scratch()
        let slow = try scratch.buildpack(
            "slow-buildpack",
            [
                "supply": """
                #!/bin/sh
                setsid sleep 300 &
                echo $! > "\(scratch.root)/grandchild.pid"
                exec sleep 300

                """
            ])
        let final = try scratch.buildpack("app-buildpack", Self.finalScripts)
        let process = Process()
        process.executableURL = GoldenTests.binary
        process.arguments = ["stage", scratch.root + "/app", "-b", slow, "-b", final, "--out", scratch.root + "/droplet", "--no-cache"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while !scratch.exists("grandchild.pid"), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        process.terminate()
        await exited(process)
        #expect(process.terminationStatus == 130)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.root).filter { $0.contains("droplet") }.isEmpty)
        let text = try String(contentsOfFile: scratch.root + "/grandchild.pid", encoding: .utf8)
        let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<50 where !gone {
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
            gone = state == nil || state == "Z"
            if !gone { try await Task.sleep(for: .milliseconds(20)) }
        }
        if !gone { kill(pid, SIGKILL) }
        #expect(gone, "the script's detached child outlived the staging")
    }

    @Test(.timeLimit(.minutes(1))) func anInvalidLaunchFileNamesTheBuildpackAndThePlace() async throws {
        let scratch = try Scratch()
        let supply = try scratch.buildpack(
            "bad-launch",
            [
                "supply": """
                #!/bin/sh
                printf 'processes:\\n- type: agent\\n  limits:\\n    memory: -5\\n' > "$3/$4/launch.yml"

                """
            ])
        let final = try scratch.buildpack("app-buildpack", Self.finalScripts)
        let staged = try await scratch.stage(["-b", supply, "-b", final, "--out", scratch.root + "/droplet", "--no-cache"])
        let transcript = "--- stdout\n\(staged.stdout)--- stderr\n\(staged.stderr)--- exit \(staged.status)\n"
        try GoldenTests.compare(scratch.normalised(transcript), golden: "stage-invalid-launch")
        #expect(!scratch.exists("droplet"))
    }

    @Test(.timeLimit(.minutes(1))) func missingScriptsAreNamed() async throws {
        let scratch = try Scratch()
        let noSupply = try scratch.buildpack("final-only", ["finalize": "#!/bin/sh\n"])
        let noFinal = try scratch.buildpack("supply-only", ["supply": "#!/bin/sh\n"])
        let first = try await scratch.stage(["-b", noSupply, "-b", noFinal, "--out", scratch.root + "/droplet", "--no-cache"])
        #expect(first.status == 1)
        #expect(
            first.stderr.contains(
                "Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps: final-only has no bin/supply"),
            "\(first.stderr)")
        let second = try await scratch.stage(["-b", noFinal, "--out", scratch.root + "/droplet", "--no-cache"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("the final buildpack supply-only has neither bin/finalize nor bin/compile"), "\(second.stderr)")
        try FileManager.default.createDirectory(atPath: scratch.root + "/empty", withIntermediateDirectories: true)
        let third = try await scratch.stage(["-b", scratch.root + "/empty", "--out", scratch.root + "/droplet", "--no-cache"])
        #expect(third.stderr.contains("malformed buildpack does not contain a /bin dir: \(scratch.root)/empty"), "\(third.stderr)")
        #expect(!scratch.exists("droplet"))
    }

    @Test(.timeLimit(.minutes(1))) func theCacheIsKeptBetweenStagingsUnlessToldNot() async throws {
        let scratch = try Scratch()
        let counting = """
            #!/bin/sh
            count=$(cat "$2/count" 2>/dev/null || echo 0)
            count=$((count + 1))
            echo $count > "$2/count"
            echo "staging number $count"

            """
        let supply = try scratch.buildpack("counting-supply", ["supply": counting])
        let final = try scratch.buildpack("counting-final", ["finalize": counting, "release": Self.finalScripts["release"]!])
        let cache = scratch.root + "/cache"
        for expected in 1...2 {
            let staged = try await scratch.stage(["-b", supply, "-b", final, "--out", scratch.root + "/droplet", "--cache-dir", cache])
            #expect(staged.status == 0, "\(staged.stderr)")
            #expect(staged.stdout.components(separatedBy: "       staging number \(expected)\n").count == 3, "\(staged.stdout)")
        }
        let uncached = try await scratch.stage(["-b", supply, "-b", final, "--out", scratch.root + "/droplet", "--no-cache"])
        #expect(uncached.stdout.components(separatedBy: "       staging number 1\n").count == 3, "\(uncached.stdout)")
        // A buildpack no longer used loses its cache; the final buildpack's stays.
        let alone = try await scratch.stage(["-b", final, "--out", scratch.root + "/droplet", "--cache-dir", cache])
        #expect(alone.stdout.contains("       staging number 3\n"), "\(alone.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache) == ["final"])
    }

    @Test(.timeLimit(.minutes(1))) func detectPicksTheFirstBuildpackThatDetectsAndAZipWorksAsAFolder() async throws {
        let scratch = try Scratch()
        let no = try scratch.buildpack("go-buildpack", ["detect": "#!/bin/sh\nexit 1\n", "compile": "#!/bin/sh\n"])
        var scripts = Self.finalScripts
        scripts["detect"] = "#!/bin/sh\n[ -f \"$1/index.html\" ] && echo staticfile\n"
        let yes = try scratch.buildpack("staticfile-buildpack", scripts)
        // Zipped as GitHub zips a repository: one folder inside.
        let zip = scratch.root + "/staticfile-buildpack.zip"
        let zipper = Process()
        zipper.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        zipper.arguments = [
            "python3", "-c",
            """
            import os, sys, zipfile
            source, target = sys.argv[1], sys.argv[2]
            with zipfile.ZipFile(target, "w") as archive:
                for folder, _, files in os.walk(source):
                    for name in files:
                        path = os.path.join(folder, name)
                        info = zipfile.ZipInfo(os.path.join("staticfile-buildpack-main", os.path.relpath(path, source)))
                        info.external_attr = (os.stat(path).st_mode & 0xFFFF) << 16
                        archive.writestr(info, open(path, "rb").read())
            """,
            yes, zip,
        ]
        try zipper.run()
        await exited(zipper)
        #expect(zipper.terminationStatus == 0)
        let staged = try await scratch.stage(["--detect", "-b", no, "-b", zip, "--out", scratch.root + "/droplet", "--no-cache"])
        #expect(staged.status == 0, "\(staged.stderr)")
        #expect(staged.stdout.contains("-----> staticfile-buildpack detected the app: staticfile"), "\(staged.stdout)")
        let metadata = try #require(try scratch.json("droplet/result.json")["lifecycle_metadata"] as? [String: Any])
        #expect(metadata["detected_buildpack"] as? String == "staticfile")

        let none = try await scratch.stage(["--detect", "-b", no, "--out", scratch.root + "/other", "--no-cache"])
        #expect(none.stderr.contains("Error: None of the buildpacks detected a compatible application (tried go-buildpack)"), "\(none.stderr)")
    }
}
