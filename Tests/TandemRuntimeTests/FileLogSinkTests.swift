import Foundation
import Testing

@testable import TandemRuntime

/// Per-process log files: JSON lines, rotated by size, nothing lost inside the kept window.
@Suite struct FileLogSinkTests {
    @Test func filesRotateBySizeAndKeepTheNewestLinesInOrder() throws {
        let folder = NSTemporaryDirectory() + "tandem-logs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sink = try FileLogSink(FileLogSink.Settings(directory: folder, maxBytes: 1000, keep: 2))
        for index in 0..<300 {
            sink.write([LogRecord(process: "web", stream: .stdout, text: "line \(index)", time: 1)])
            if index.isMultiple(of: 10) { sink.write([LogRecord(process: "db", stream: .stderr, text: "db \(index)", time: 1)]) }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == ["db.log", "db.log.1", "web.log", "web.log.1", "web.log.2"])
        var lines: [String] = []
        for name in ["web.log.2", "web.log.1", "web.log"] {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            #expect(text.utf8.count <= 1000, "\(name) is \(text.utf8.count) bytes")
            for line in text.split(separator: "\n") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(object["process"] as? String == "web" && object["stream"] as? String == "stdout")
                lines.append(try #require(object["line"] as? String))
            }
        }
        // The kept files hold a contiguous run of the newest lines, ending with the last one written.
        let numbers = lines.compactMap { Int($0.dropFirst("line ".count)) }
        #expect(numbers.last == 299)
        #expect(numbers == Array((300 - numbers.count)..<300))
        #expect(numbers.count > 40)
    }

    @Test func aFolderThatCannotBeMadeIsAnError() {
        #expect(throws: FileLogSink.Failure.self) { try FileLogSink(FileLogSink.Settings(directory: "/proc/no/such/folder")) }
    }
}
