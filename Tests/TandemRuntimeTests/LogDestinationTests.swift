import Foundation
import Synchronization
import TandemCore
import TandemFormats
import TandemTestSupport
import Testing

@testable import TandemRuntime

/// The `logging` pattern without a router process: Tandem delivers to a file or over HTTP itself, holds
/// lines while the destination is down, drops (and counts, and says so) what it cannot hold, and never
/// blocks the processes.
@Suite(.serialized, .timeLimit(.minutes(1))) struct LogDestinationTests {
    init() { signal(SIGPIPE, SIG_IGN) }

    static func folder() -> String {
        let path = NSTemporaryDirectory() + "tandem-logdest-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aFileDestinationGetsEveryLineInEitherFormat() async throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for format in ["plain", "out_file"] {
            let (report, sink) = try await runUnit(
                """
                name: app
                command: "echo one; echo two >&2; echo three; exec sleep 30"
                logging:
                  destination: {Name: file, Path: \(folder), File: \(format).log, Format: \(format)}
                """, stopAfter: .milliseconds(500))
            let lines = try String(contentsOfFile: folder + "/\(format).log", encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 3, "\(lines)")
            if format == "plain" {
                #expect(lines.contains { $0.contains("\"process\":\"app\",\"stream\":\"stderr\",\"line\":\"two\"") }, "\(lines)")
                #expect(lines.allSatisfy { $0.hasPrefix("{\"time\":") })
            } else {
                #expect(lines.allSatisfy { $0.hasPrefix("app: [") && $0.hasSuffix("}]") }, "\(lines)")
            }
            #expect(report.logLinesDelivered == 3)
            #expect(report.logLinesDropped == 0)
            #expect(events(sink).contains("tandem: logs go to file \(folder)/\(format).log"))
            // The console still has them.
            #expect(sink.lines(of: "app").sorted() == ["one", "three", "two"])
        }
    }

    /// A file moved away (as logrotate does) is followed by a new one at the same path.
    @Test func aRotatedFileIsFollowedByANewOne() async throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/app.log"
        let rotation = Task {
            for _ in 0..<200 {
                if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("\"one\"") { break }
                try? await Task.sleep(for: .milliseconds(10))
            }
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        }
        let (report, _) = try await runUnit(
            """
            name: app
            command: "echo one; sleep 1; echo two; exec sleep 30"
            logging:
              destination: {Name: file, Path: \(folder), Format: plain}
            """, stopAfter: .seconds(2))
        try await rotation.value
        #expect(try String(contentsOfFile: path + ".1", encoding: .utf8).contains("\"line\":\"one\""))
        let current = try String(contentsOfFile: path, encoding: .utf8)
        #expect(current.contains("\"line\":\"two\"") && !current.contains("\"one\""), "\(current)")
        #expect(report.logLinesDelivered == 2)
    }

    @Test func anHTTPDestinationGetsEveryLineOfAFastWriterInOrder() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let (report, _) = try await runUnit(
            """
            name: app
            command: "seq 1 50000; exec sleep 30"
            logging:
              destination: {Name: http, Host: 127.0.0.1, Port: "\(server.port)", URI: /ingest, Format: json_lines, Header: X-Token abc}
            """, stopAfter: .seconds(3))
        let requests = server.received
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.head.hasPrefix("POST /ingest HTTP/1.1") && $0.head.contains("Content-Type: application/x-ndjson") })
        #expect(requests.allSatisfy { $0.head.contains("\r\nX-Token: abc") })
        let numbers = server.bodies.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: "\"line\":\"") else { return nil }
            return Int(line[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(numbers == Array(1...50_000))
        #expect(report.logLinesDelivered == 50_000)
        #expect(report.logLinesDropped == 0)
    }

    @Test func linesAreHeldWhileTheDestinationIsDownAndDeliveredWhenItComesUp() async throws {
        let port = try LoopbackHTTPServer.freePort()
        let started = Mutex<LoopbackHTTPServer?>(nil)
        Task {
            try? await Task.sleep(for: .milliseconds(800))
            started.withLock { $0 = try? LoopbackHTTPServer(port: port) }
        }
        defer { started.withLock { $0?.stop() } }
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "for i in 1 2 3 4 5; do echo early $i; done; exec sleep 30"
            logging:
              destination: {Name: http, Host: localhost, Port: "\(port)", Format: json}
            """, stopAfter: .seconds(4))
        let list = events(sink)
        let failed = try #require(index(of: "tandem: cannot deliver logs to http://localhost:\(port)/: Connection refused", in: list), "\(list)")
        let again = try #require(index(of: "tandem: delivering logs to http://localhost:\(port)/ again", in: list), "\(list)")
        #expect(failed < again)
        let server = try #require(started.withLock { $0 })
        let bodies = server.received.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies.allSatisfy { $0.hasPrefix("[{") && $0.hasSuffix("}]") }, "\(bodies)")
        #expect((1...5).allSatisfy { n in bodies.joined().contains("\"line\":\"early \(n)\"") })
        #expect(report.logLinesDelivered == 5)
        #expect(report.logLinesDropped == 0)
    }

    @Test func aStalledDestinationNeverBlocksTheAppAndWhatItDropsIsCounted() async throws {
        let server = try LoopbackHTTPServer(answers: false)
        defer { server.stop() }
        // About 16 MB of JSON lines: far more than the 4 MiB held.
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "seq 1 200000; echo finished"
            logging:
              destination: {Name: http, Host: 127.0.0.1, Port: "\(server.port)"}
            """, options: RuntimeOptions(stopGrace: .seconds(2), stopDeadline: .seconds(2)))
        // The app wrote everything and ended by itself: nothing waited for the destination.
        #expect(sink.lines(of: "app").last == "finished")
        #expect(report.processes.first?.reason == .exited)
        let list = events(sink)
        #expect(index(of: "tandem: log destination http://127.0.0.1:\(server.port)/: ", in: list) != nil, "\(list)")
        #expect(list.contains { $0.contains("lines dropped so far") }, "\(list)")
        // Every line is accounted for: delivered (none: the server never answers) or dropped.
        #expect(report.logLinesDelivered == 0)
        #expect(report.logLinesDropped == 200_001)
    }

    @Test func aRouterThatDoesNotReadHasItsDropsCountedAndReported() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "seq 1 200000; exec sleep 30"
            logging:
              command: "exec sleep 30"
            """, stopAfter: .seconds(2))
        let list = events(sink)
        #expect(list.contains { $0.hasPrefix("tandem: log router: ") && $0.contains("lines dropped so far") }, "\(list)")
        let dropped = try #require(report.logLinesDropped)
        #expect(dropped > 100_000 && dropped < 200_000)
        #expect(report.json.contains("\"logLinesDropped\" : \(dropped)"))
    }

    @Test func destinationsAreCheckedWhenTheRunIsPlanned() throws {
        func plan(_ destination: String) throws -> [String] {
            let input = InputLoader().load(text: "tandem: v1\nname: app\ncommand: x\nlogging:\n  destination: \(destination)\n", file: "unit.yml")
            let service = try #require(input.services.first)
            return RunPlan.make(service, file: "unit.yml", directory: "/srv", checkCommands: false).diagnostics.map(\.description)
        }
        #expect(
            try plan("{Name: http, Port: \"99999\", Format: msgpack, tls: \"On\"}") == [
                "unit.yml:5:3: error: logging.destination.Host: the http destination needs a Host",
                "unit.yml:5:3: error: logging.destination.Port: expected a port from 1 to 65535, found \"99999\"",
                "unit.yml:5:3: error: logging.destination.Format: tandem run sends json_lines or json, found \"msgpack\"",
                "unit.yml:5:3: error: logging.destination.tls: TLS is not built in; give logging a command (a router that speaks TLS) instead",
            ])
        // A malformed header is refused without showing it: it may carry a token.
        #expect(
            try plan("{Name: http, Host: localhost, Header: s3cret-token}") == [
                "unit.yml:5:3: error: logging.destination.Header: expected \"Name value\" on one line (the value is not shown: it may be a secret)"
            ])
        #expect(
            try plan("{Name: file, File: ../x, compress: gzip}") == [
                "unit.yml:5:3: error: logging.destination.File: expected a file name without \"/\", found \"../x\"",
                "unit.yml:5:3: warning: logging.destination.compress: not used by tandem run's built-in file destination",
            ])
        #expect(
            try plan("{Name: cloudwatch, region: us-west-2}") == [
                "unit.yml:5:3: warning: logging: the log router has no command to run on this machine and tandem run does not deliver to \"cloudwatch\" itself; the lines stay on the console (give logging a command, or a destination with Name file or http)"
            ])
        let input = InputLoader().load(text: "tandem: v1\nname: app\ncommand: x\nlogging:\n  destination: {Name: file}\n", file: "unit.yml")
        let made = RunPlan.make(try #require(input.services.first), file: "unit.yml", directory: "/srv", checkCommands: false)
        #expect(made.plan?.logDestination == .file(path: "/srv/app.log", format: .outFile))
        #expect(made.plan?.processes.map(\.container.name) == ["app"])
    }
}
