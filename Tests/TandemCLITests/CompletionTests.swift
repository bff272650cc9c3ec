import Foundation
import TandemTestSupport
import Testing

/// Dynamic completion, as the generated shell scripts ask for it (`tandem ---completion SUBCOMMANDS --
/// ARGUMENT ARGUMENT-INDEX CURSOR-INDEX WORDS...`, swift-argument-parser's protocol).
@Suite struct CompletionTests {
    @Test(.timeLimit(.minutes(1))) func contextNamesAndProcessNamesComplete() async throws {
        let config = NSTemporaryDirectory() + "tandem-completion-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: config) }
        let environment = ["XDG_CONFIG_HOME": config]
        for name in ["staging", "local", "prod"] {
            let set = try await GoldenTests.run(["context", "set", name, "--endpoint", "http://127.0.0.1:1", "--company-id", "acme"], environment: environment)
            #expect(set.status == 0, "\(set.stderr)")
        }
        let all = try await GoldenTests.run(["---completion", "context", "use", "--", "positional@0", "0", "0", ""], environment: environment)
        #expect(all.stdout.split(separator: "\n") == ["local", "prod", "staging"], "\(all.stdout)\(all.stderr)")
        let some = try await GoldenTests.run(["---completion", "context", "delete", "--", "positional@0", "0", "1", "s"], environment: environment)
        #expect(some.stdout.split(separator: "\n") == ["staging"], "\(some.stdout)\(some.stderr)")

        // A running unit's processes, through its control socket.
        let folder = config + "/unit"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
        tandem: v1
        name: completer
        command: [sleep, "30"]
        processes:
          helper:
            command: [sleep, "30"]
        """.write(toFile: folder + "/tandem.yml", atomically: true, encoding: .utf8)
        let socket = folder + "/control.sock"
        let run = Process()
        run.executableURL = GoldenTests.binary
        run.arguments = ["run", "--control", socket, "--stop-after", "20s", folder + "/tandem.yml"]
        run.standardOutput = FileHandle.nullDevice
        run.standardError = FileHandle.nullDevice
        try run.run()
        // Killed if the test stops early; ended in order below otherwise.
        defer { if run.isRunning { kill(run.processIdentifier, SIGKILL) } }
        var names: [Substring] = []
        for _ in 0..<100 where names.isEmpty {
            let asked = try await GoldenTests.run(["---completion", "why", "--", "positional@0", "2", "0", "--control", socket, ""])
            names = asked.stdout.split(separator: "\n")
            if names.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(names == ["completer", "helper"])
        run.terminate()
        await exited(run)
    }
}
