import Foundation
import TandemCore
import TandemFormats
import Testing

@testable import TandemRuntime

/// `tandem run` encodes the launch with `JSONValueEncoder`; `tandem-supervisor` decodes it without
/// Foundation. These check that both agree with Foundation's encoder and decoder on every model the readers
/// produce, and that the report the supervisor writes (pretty, sorted keys) is what Foundation's encoder would write.
@Suite struct LaunchTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples").path

    static func sortedJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    @Test(arguments: [
        "tandem/web.yml", "tandem/orders-with-catalog.yml", "copilot/api.yml", "mia/my-sidecar.yaml", "mia/audit-trail.json",
        "cloudfoundry/manifest.yml",
    ])
    func everyExampleSurvivesTheHandOver(_ file: String) throws {
        let input = InputLoader().loadFile(Self.examples + "/" + file)
        let services = input.services
        #expect(!services.isEmpty, "\(input.diagnostics)")
        for service in services {
            let processes = service.containers.map { container in
                RunPlan.Process(
                    container: container,
                    request: SpawnRequest(arguments: ["/bin/sh", "-c", "exit 0"], environment: ["PATH": "/usr/bin", "QUOTE": "a \"b\"\n\u{1F600}"]))
            }
            let launch = SupervisorLaunch(
                plan: RunPlan(
                    service: service, processes: processes, notifyFolder: "/run/n",
                    logDestination: .http(host: "127.0.0.1", port: 9880, path: "/in", format: .json, header: "X-Token: a")),
                logFormat: .json, reportPath: "/tmp/report.json", stopAfter: 1.5)
            let before = String(decoding: try Self.sortedJSON(launch), as: UTF8.self)
            let ours = try JSONValueEncoder().encode(launch)
            for encoded in [Array(try JSONEncoder().encode(launch)), ours] {
                let decoded = try JSONValueDecoder().decode(SupervisorLaunch.self, from: encoded)
                #expect(String(decoding: try Self.sortedJSON(decoded), as: UTF8.self) == before)
            }
            // What ours writes is JSON Foundation reads back to the same launch.
            let read = try JSONDecoder().decode(SupervisorLaunch.self, from: Data(ours))
            #expect(String(decoding: try Self.sortedJSON(read), as: UTF8.self) == before)
        }
    }

    /// A process's container travels by name and is the service's own once decoded; a name the service
    /// does not have is refused, not run with an empty container.
    @Test func aProcessTakesItsContainerFromTheService() throws {
        let service = try #require(InputLoader().loadFile(Self.examples + "/tandem/web.yml").services.first)
        let processes = service.containers.map { RunPlan.Process(container: $0, request: SpawnRequest(arguments: ["true"], environment: [:])) }
        let encoded = try JSONValueEncoder().encode(RunPlan(service: service, processes: processes))
        let decoded = try JSONValueDecoder().decode(RunPlan.self, from: encoded)
        #expect(decoded.processes.map(\.container.name) == service.containers.map(\.name))
        #expect(
            String(decoding: try Self.sortedJSON(decoded.processes.map(\.container)), as: UTF8.self)
                == String(decoding: try Self.sortedJSON(service.containers), as: UTF8.self))
        let text = String(decoding: encoded, as: UTF8.self)
        let renamed = text.replacingOccurrences(of: "\"container\":\"\(service.containers[0].name)\"", with: "\"container\":\"ghost\"")
        #expect(renamed != text)
        #expect(throws: (any Error).self) { try JSONValueDecoder().decode(RunPlan.self, from: Array(renamed.utf8)) }
    }

    @Test func theReportMatchesFoundationsEncoder() throws {
        let report = UnitReport(
            exitCode: 137, reason: "app \"main\" ended\n",
            processes: [
                ProcessReport(name: "app", role: "main", reason: .signaled, exitCode: nil, signal: 9, restarts: 2, message: "killed: ü"),
                ProcessReport(name: "logs", role: "sidecar", reason: .exited, exitCode: 0, signal: nil, restarts: 0, message: nil),
            ])
        let expected = String(decoding: try Self.sortedJSON(report), as: UTF8.self) + "\n"
        #expect(report.json == expected)
        var routed = report
        routed.logLinesDelivered = 12
        routed.logLinesDropped = 3
        #expect(routed.json == String(decoding: try Self.sortedJSON(routed), as: UTF8.self) + "\n")
        var timed = report
        timed.processes[0].timeline = [
            TimelineMark(at: 0, kind: .waiting, detail: "logs start"), TimelineMark(at: 0.225, kind: .starting),
            TimelineMark(at: 0.5, kind: .probeFailed, detail: "startup \"probe\""), TimelineMark(at: 2, kind: .exited, detail: "killed by signal 9"),
        ]
        timed.processes[0].waitsFor = [TimelineDependency(process: "logs", condition: "start")]
        timed.processes[1].timeline = []
        timed.processes[1].waitsFor = []
        #expect(timed.json == String(decoding: try Self.sortedJSON(timed), as: UTF8.self) + "\n")
        #expect(try JSONDecoder().decode(UnitReport.self, from: Data(timed.json.utf8)) == timed)
        let empty = UnitReport(exitCode: 0, reason: "stopped", processes: [])
        #expect(empty.json == String(decoding: try Self.sortedJSON(empty), as: UTF8.self) + "\n")
    }

    /// Every standard number width, in each kind of container, as Foundation writes and reads it.
    @Test func everyScalarEncodesAsFoundationReadsIt() throws {
        struct Widths: Codable, Equatable {
            var int8: Int8 = -8
            var int16: Int16 = -16
            var int32: Int32 = -32
            var int64: Int64 = -64
            var uint8: UInt8 = 8
            var uint16: UInt16 = 16
            var uint32: UInt32 = 32
            var uint64: UInt64 = 64
            var float: Float = 1.5
            var double: Double = -2.25
            var flag = true
            var text = "a \"b\""
            var none: Int? = nil
            var list: [Int8] = [1, -2]
            var floats: [Float] = [0.5]
            var words: [UInt16] = [7]
        }
        for value in [Widths(), Widths(int8: .max, uint64: .max, float: 3, double: 1e-300, list: [], floats: [])] {
            let encoded = try JSONValueEncoder().encode(value)
            #expect(try JSONDecoder().decode(Widths.self, from: Data(encoded)) == value, "\(String(decoding: encoded, as: UTF8.self))")
            #expect(try JSONValueDecoder().decode(Widths.self, from: encoded) == value)
            // A scalar at the root goes through the single-value container.
            #expect(try JSONValueEncoder().encode(value.uint16) == Array("16".utf8))
        }
    }

    @Test func malformedJSONIsRefusedWithItsOffset() {
        for (text, offset) in [("{\"a\": 1,}", 8), ("[1, 2", 5), ("\"open", 5), ("{\"a\" 1}", 5), ("tru", 0), ("1 2", 2), ("\"a\\x\"", 4), ("\"\\ud800\"", 7)] {
            #expect(throws: JSONValue.ParseError.self, "\(text)") { try JSONValue.parse(Array(text.utf8)) }
            do {
                _ = try JSONValue.parse(Array(text.utf8))
            } catch {
                #expect(error.offset == offset, "\(text): \(error)")
            }
        }
    }

    @Test func escapesAndNumbersParse() throws {
        let value = try JSONValue.parse(Array(#"{"s": "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "n": [-1.5e3, 0, 42], "t": true, "z": null}"#.utf8))
        #expect(
            value
                == .object([
                    "s": .string("a\"\\/\u{8}\u{C}\n\r\té😀"), "n": .array([.number("-1.5e3"), .number("0"), .number("42")]), "t": .bool(true),
                    "z": .null,
                ]))
    }

    @Test func aTypeMismatchNamesTheFieldPath() throws {
        struct Shape: Decodable {
            struct Inner: Decodable { var count: Int }
            var inner: [Inner]
        }
        #expect(throws: DecodingError.self) {
            try JSONValueDecoder().decode(Shape.self, from: Array(#"{"inner": [{"count": 1}, {"count": "two"}]}"#.utf8))
        }
        do {
            _ = try JSONValueDecoder().decode(Shape.self, from: Array(#"{"inner": [{"count": 1}, {"count": "two"}]}"#.utf8))
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["inner", "1", "count"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// A config file whose name would leave the run's folder is refused before anything starts, even when
    /// the model did not come through a reader's checks.
    @Test func aConfigFileNameCannotLeaveTheRunFolder() {
        var service = Service(name: "app")
        service.configMaps = [ConfigMap(name: "cfg", files: [ConfigFile(name: "../escape", content: "x")])]
        service.volumes = [Volume(name: "cfg", kind: .configMap("cfg"))]
        var container = Container(name: "app", role: .main)
        container.command = .shell("true")
        container.mounts = [Mount(volume: "cfg", path: "/etc/cfg")]
        service.containers = [container]
        let (plan, diagnostics) = RunPlan.make(service, file: "app.yml", directory: "/tmp", hostEnvironment: [:], configRoot: "/tmp/run")
        #expect(plan == nil)
        #expect(diagnostics.map(\.message) == ["config file name \"../escape\" must be a plain file name, without \"/\" or \"..\""])

        let files = ConfigFiles(
            root: NSTemporaryDirectory() + "tandem-config-\(UUID().uuidString)", files: [.init(relativePath: "cfg/../../x", content: "", readOnly: true)])
        #expect(files.write() == "config file cfg/../../x would leave the run's folder")
        #expect(!FileManager.default.fileExists(atPath: files.root))
    }
}
