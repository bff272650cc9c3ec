import Foundation
import TandemTestSupport
import Testing

/// Runs the real `tandem` binary and compares what it prints and its exit status with files under
/// Golden/. `UPDATE_GOLDEN=1 swift test` rewrites them; review the diff before committing.
@Suite(.serialized) struct GoldenTests {
    static let cases: [(name: String, arguments: [String])] = [
        ("validate-examples", ["validate", "examples"]),
        ("validate-examples-json", ["validate", "-o", "json", "examples/mia/my-sidecar.yaml", "examples/cloudfoundry/app"]),
        ("validate-examples-yaml", ["validate", "-o", "yaml", "examples/mia/my-sidecar.yaml"]),
        ("validate-invalid", ["validate", "Tests/TandemCLITests/Fixtures/invalid"]),
        ("validate-invalid-quiet", ["validate", "-q", "Tests/TandemCLITests/Fixtures/invalid/copilot.yml"]),
        ("validate-invalid-json", ["validate", "-o", "json", "Tests/TandemCLITests/Fixtures/invalid/tandem.yml"]),
        ("validate-copilot-env", ["validate", "--env", "prod", "examples/copilot/api.yml"]),
        ("validate-catalog-profile", ["validate", "--mia-schema", "catalog", "examples/mia/my-sidecar.yaml"]),
        ("validate-missing-path", ["validate", "examples/mia/my-sidecar.yaml", "no/such/file.yml"]),
        ("validate-no-arguments", ["validate"]),
        ("validate-bad-format", ["validate", "--format", "helm", "examples"]),
        ("convert-copilot-to-tandem", ["convert", "examples/copilot/api.yml", "--to", "tandem"]),
        ("convert-tandem-to-copilot", ["convert", "examples/tandem/web.yml", "--to", "copilot"]),
        ("convert-cf-to-copilot-refused", ["convert", "examples/cloudfoundry/manifest.yml", "--to", "copilot"]),
        ("render-copilot-to-kubernetes", ["render", "--target", "kubernetes", "examples/copilot/api.yml", "--image", "api=ghcr.io/acme/api:1.0"]),
        ("render-strict-refuses-losses", ["render", "--target", "compose", "examples/tandem/web.yml", "--strict"]),
        ("render-catalog-sidecar", ["render", "--target", "ecs", "examples/tandem/orders-with-catalog.yml", "--catalog-dir", "examples/mia"]),
        ("render-catalog-needs-a-catalog", ["render", "--target", "ecs", "examples/tandem/orders-with-catalog.yml"]),
        ("render-mia-needs-a-service", ["render", "--target", "kubernetes", "examples/mia/my-sidecar.yaml"]),
        (
            "render-mia-attached",
            ["render", "--target", "kubernetes", "examples/mia/my-sidecar.yaml", "--service", "orders", "--image", "ghcr.io/acme/orders:1"]
        ),
        ("convert-cf-app-to-manifest", ["convert", "examples/cloudfoundry/app", "--to", "cf-manifest"]),
        ("convert-tandem-to-mia", ["convert", "examples/tandem/web.yml", "--to", "mia", "--container", "metrics", "--tenant-id", "acme"]),
        ("convert-strict", ["convert", "examples/copilot/api.yml", "--to", "cf-manifest", "--strict"]),
        ("inspect-copilot-env", ["inspect", "examples/copilot/api.yml", "--env", "prod", "--app", "shop"]),
        ("inspect-tandem-json", ["inspect", "-o", "json", "examples/tandem/web.yml"]),
        ("render-copilot-cloudformation", ["render", "--target", "cloudformation", "examples/copilot/api.yml", "--env", "prod", "--app", "shop"]),
        ("run-without-a-file", ["run"]),
        ("graph-web", ["graph", "examples/tandem/web.yml"]),
        ("render-o-is-a-format", ["render", "--target", "compose", "examples/tandem/web.yml", "-o", "out"]),
        ("convert-o-is-a-format", ["convert", "examples/tandem/web.yml", "--to", "copilot", "-o", "web.yml"]),
        ("convert-invalid-input", ["convert", "Tests/TandemCLITests/Fixtures/invalid/tandem.yml", "--to", "copilot"]),
    ]

    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// The `tandem` built beside this test bundle.
    static let binary: URL = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.lastPathComponent == "MacOS" || folder.path.hasSuffix(".xctest/Contents/MacOS") {
            for _ in 0..<3 { folder.deleteLastPathComponent() }
        }
        let candidate = folder.appendingPathComponent("tandem")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        return root.appendingPathComponent(".build/debug/tandem")
    }()

    /// The binary run as a user runs it, waited for without holding a thread of the cooperative pool.
    static func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> (stdout: String, stderr: String, status: Int32) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        // No context of whoever runs the tests: commands see only what a test gives them.
        environment["XDG_CONFIG_HOME"] = NSTemporaryDirectory() + "tandem-no-config"
        environment["TANDEM_TOKEN"] = nil
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let result = try await runCaptured(process)
        return (result.stdout, result.stderr, result.status)
    }

    @Test(.timeLimit(.minutes(1)), arguments: cases.map(\.name))
    func output(name: String) async throws {
        let arguments = try #require(Self.cases.first { $0.name == name }?.arguments)
        let result = try await Self.run(arguments)
        let actual = "$ tandem \(arguments.joined(separator: " "))\n--- stdout\n\(result.stdout)--- stderr\n\(result.stderr)--- exit \(result.status)\n"
        try Self.compare(actual, golden: name)
    }

    /// Compares with Golden/NAME.txt, or rewrites it under `UPDATE_GOLDEN=1`.
    static func compare(_ actual: String, golden name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let goldenURL = root.appendingPathComponent("Tests/TandemCLITests/Golden/\(name).txt")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: goldenURL)
            return
        }
        let expected = try String(contentsOf: goldenURL, encoding: .utf8)
        #expect(actual == expected, "golden \(name) differs; run UPDATE_GOLDEN=1 swift test and review the diff", sourceLocation: sourceLocation)
    }

    @Test func exitStatusesFollowTheContract() async throws {
        #expect(try await Self.run(["validate", "examples"]).status == 0)
        #expect(try await Self.run(["validate", "Tests/TandemCLITests/Fixtures/invalid/copilot.yml"]).status == 1)
        #expect(try await Self.run(["validate", "does-not-exist.yml"]).status == 2)
        #expect(try await Self.run(["validate", "--output", "xml", "examples"]).status == 2)
        #expect(try await Self.run(["--version"]).status == 0)
    }

    /// A PostgreSQL URL nothing answers at fails in bounded time with a message, instead of waiting for
    /// ever on the connection pool's retries.
    @Test(.timeLimit(.minutes(1))) func anUnreachableDatabaseIsToldNotWaitedFor() async throws {
        let started = ContinuousClock.now
        let result = try await Self.run(["catalog", "token", "list", "--database", "postgres://tandem:secret@127.0.0.1:1/catalog"])
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(result.status == 1)
        #expect(
            result.stderr == "Error: catalog database postgres://tandem:***@127.0.0.1:1/catalog: PostgreSQL at 127.0.0.1:1 does not answer "
                + "(waited 10.0 seconds): is the server running, and are host and port right?\n", "\(result.stderr)")
    }

    @Test func schemaCommandPrintsTheCommittedSchemas() async throws {
        for (arguments, file) in [(["schema", "tandem"], "tandem-manifest.v1"), (["schema", "mia", "--profile", "catalog"], "mia-sidecar-item.catalog")] {
            let result = try await Self.run(arguments)
            #expect(result.status == 0)
            #expect(result.stdout == (try String(contentsOf: Self.root.appendingPathComponent("schemas/\(file).schema.json"), encoding: .utf8)))
        }
    }

    @Test func convertWritesAFileThatValidates() async throws {
        let target = NSTemporaryDirectory() + "tandem-convert-\(UUID().uuidString).yml"
        defer { try? FileManager.default.removeItem(atPath: target) }
        let result = try await Self.run(["convert", "examples/cloudfoundry/manifest.yml", "--to", "tandem", "--out", target])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try await Self.run(["validate", target]).status == 0)
    }
}
