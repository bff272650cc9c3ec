import Foundation
import TandemRuntime
import TandemTestSupport
import Testing

/// No line is lost or damaged in any format: JSON to a slow console, multi-byte UTF-8 cut into pieces,
/// a line that ends exactly at a cut, and a log router that stalls.
@Suite(.serialized, .timeLimit(.minutes(2))) struct LogIntegrityTests {
    /// One JSON line of the console, the log files or the router.
    struct Line: Decodable {
        var process: String
        var stream: String
        var line: String
        var continues: Bool?
        var unterminated: Bool?
    }

    /// Each process's whole lines, the pieces of a cut line joined again.
    static func joined(_ jsonLines: [Substring], process: String) throws -> [String] {
        var result: [String] = []
        var current = ""
        for text in jsonLines {
            let line = try JSONDecoder().decode(Line.self, from: Data(text.utf8))
            guard line.process == process, line.stream != "event" else { continue }
            current += line.line
            if line.continues != true {
                result.append(current)
                current = ""
            }
        }
        return result
    }

    /// Runs `tandem run` with its standard output read slowly (a pause after every 64 KiB), to the end, on
    /// a thread of its own (not the cooperative pool's).
    static func runReadSlowly(_ arguments: [String]) async throws -> (status: Int32, output: [UInt8]) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try blockingRunReadSlowly(arguments) })
            }.start()
        }
    }

    static func blockingRunReadSlowly(_ arguments: [String]) throws -> (status: Int32, output: [UInt8]) {
        let process = Process()
        process.executableURL = GoldenTests.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_RUNTIME_DIR"] = try RunCommandTests.privateFolder()
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        endIfHung(process)
        var output: [UInt8] = []
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.readData(ofLength: 65536)
            if chunk.isEmpty { break }
            output += chunk
            usleep(300)
        }
        exitedBlocking(process)
        return (process.terminationStatus, output)
    }

    /// Four writers (none essential: the unit ends when the last one does) to a console read slowly.
    @Test func jsonToASlowConsoleLosesNothing() async throws {
        let count = 50_000
        let path = try RunCommandTests.manifest(
            """
            name: w1
            command: "seq 1 \(count)"
            essential: false
            processes:
              w2: {command: "seq 1 \(count)", essential: false}
              w3: {command: "seq 1 \(count)", essential: false}
              w4: {command: "seq 1 \(count)", essential: false}
            """)
        let (status, output) = try await Self.runReadSlowly(["run", "--log-format", "json", path])
        #expect(status == 0)
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        for process in ["w1", "w2", "w3", "w4"] {
            let got = try Self.joined(lines, process: process)
            #expect(got.count == count, "\(process): \(got.count) lines")
            #expect(got == (1...count).map(String.init), "\(process): lines lost or out of order")
        }
    }

    /// A 1 MiB line of two-, three- and four-byte characters, and a last line of exactly 16 KiB without a
    /// newline: byte-exact through the JSON console, the log files and the router.
    @Test func multiByteLinesAndExactCutsAreByteExactEverywhere() async throws {
        let folder = NSTemporaryDirectory() + "tandem-utf8-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // 1 + 2 + 3 + 4 bytes: every cut at 16 KiB lands inside some character.
        let unit = "aé€😀"
        let long = String(repeating: unit, count: (1 << 20) / 10)
        let exact = String(repeating: "x", count: 16 * 1024)
        try Data((long + "\n" + exact).utf8).write(to: URL(fileURLWithPath: folder + "/input.txt"))
        let path = try RunCommandTests.manifest(
            """
            name: app
            command: "cat \(folder)/input.txt"
            logging:
              command: "cat > \(folder)/router.out"
            """)
        let (status, output) = try await Self.runReadSlowly(["run", "--log-format", "json", "--log-dir", folder + "/logs", path])
        #expect(status == 0)
        let sources: [(String, [Substring])] = [
            ("console", String(decoding: output, as: UTF8.self).split(separator: "\n")),
            ("log file", try String(contentsOfFile: folder + "/logs/app.log", encoding: .utf8).split(separator: "\n")),
            ("router", try String(contentsOfFile: folder + "/router.out", encoding: .utf8).split(separator: "\n")),
        ]
        for (name, lines) in sources {
            let got = try Self.joined(lines, process: "app")
            #expect(got.count == 2, "\(name): \(got.count) lines")
            #expect(got.first == long, "\(name): the long line changed (\(got.first?.utf8.count ?? 0) bytes)")
            #expect(got.last == exact, "\(name): the exact line changed")
            #expect(!lines.contains { $0.contains("\\ufffd") || $0.contains("\u{FFFD}") }, "\(name): a replacement character")
            // The line cut exactly at 16 KiB ends with an empty, unterminated piece.
            let last = try JSONDecoder().decode(
                Line.self, from: Data((lines.last { $0.contains("\"process\":\"app\"") && !$0.contains("\"event\"") } ?? "").utf8))
            #expect(last.line == "" && last.unterminated == true, "\(name): \(last)")
        }
    }

    /// A router that reads nothing until every line is written (however slow the machine), then
    /// everything: what it got and what was dropped add up to every line written, and the router's file
    /// holds exactly what was reported delivered.
    @Test func aStalledRouterAccountsForEveryLine() async throws {
        let folder = NSTemporaryDirectory() + "tandem-router-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let count = 200_000
        let path = try RunCommandTests.manifest(
            """
            name: app
            command: "seq 1 \(count); touch \(folder)/written; sleep 0.5"
            logging:
              command: "while [ ! -e \(folder)/written ]; do sleep 0.02; done; exec cat > \(folder)/router.out"
            """)
        let (status, _) = try await Self.runReadSlowly(["run", "--report", folder + "/report.json", path])
        #expect(status == 0)
        let report = try JSONDecoder().decode(UnitReport.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/report.json")))
        let delivered = try #require(report.logLinesDelivered)
        let dropped = try #require(report.logLinesDropped)
        #expect(delivered + dropped == count, "delivered \(delivered) + dropped \(dropped)")
        #expect(dropped > 0, "the stall should have dropped some")
        let received = try String(contentsOfFile: folder + "/router.out", encoding: .utf8).split(separator: "\n")
        #expect(received.count == delivered)
    }
}
