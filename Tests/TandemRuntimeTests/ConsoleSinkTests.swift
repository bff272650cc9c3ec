import Foundation
import Testing

@testable import TandemRuntime

/// What the console prints for a batch of process lines: each after its padded name, a cut line marked
/// `↩`, a last line without its newline marked `⏎`, empty lines kept, bytes as they came.
@Suite struct ConsoleSinkTests {
    static func printed(_ batch: LineBatch, names: [String], queued: Bool) throws -> String {
        let path = NSTemporaryDirectory() + "tandem-console-\(UUID().uuidString)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer {
            close(descriptor)
            unlink(path)
        }
        let sink = ConsoleSink(descriptor: descriptor, format: .text, processNames: names, queued: queued)
        sink.write(batch)
        #expect(sink.flush(within: .seconds(5)))
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test(arguments: [false, true]) func linesArePrefixedAndMarked(queued: Bool) throws {
        let bytes = Array("first\n\ncut here…rest\u{0}tail".utf8)
        let cut = bytes.firstIndex(of: 0xE2)!
        let batch = LineBatch(
            process: "web", stream: .stdout, bytes: bytes,
            lines: [
                .init(range: 0..<5, continues: false, unterminated: false), .init(range: 6..<6, continues: false, unterminated: false),
                .init(range: 7..<cut, continues: true, unterminated: false),
                .init(range: cut..<(bytes.count - 5), continues: false, unterminated: false),
                .init(range: (bytes.count - 4)..<bytes.count, continues: false, unterminated: true),
            ], time: 0)
        let text = try Self.printed(batch, names: ["web", "log-router"], queued: queued)
        #expect(
            text == "web        | first\nweb        | \nweb        | cut here ↩\nweb        | …rest\nweb        | tail ⏎\n", "\(text.debugDescription)")
    }
}
