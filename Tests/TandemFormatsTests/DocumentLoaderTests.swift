import Foundation
import TandemCore
import Testing

@testable import TandemFormats

@Suite struct DocumentLoaderTests {
    func diagnostics(_ text: String) -> [String] {
        DocumentLoader.load(text: text, file: "f.yaml").diagnostics.map(\.description)
    }

    @Test func malformedYAMLIsLocated() {
        let result = diagnostics("name: a\nitems: [1, 2\nother: b\n")
        #expect(result.count == 1)
        #expect(result[0].hasPrefix("f.yaml:3:"))
        #expect(result[0].contains("error: malformed YAML"))
    }

    @Test func aTabInIndentationIsNamed() {
        #expect(diagnostics("a:\n\tb: 1\n") == ["f.yaml:2:1: error: malformed YAML: a tab here; YAML indents with spaces only"])
    }

    @Test func duplicateKeysPointAtTheSecondOne() {
        #expect(diagnostics("name: a\nport: 1\nname: b\n") == ["f.yaml:3:1: error: duplicate key \"name\" in the same mapping"])
        #expect(diagnostics("{\"a\": 1, \"b\": 2, \"a\": 3}") == ["f.yaml:1:18: error: duplicate key \"a\" in the same mapping"])
    }

    @Test func nonUTF8BytesAreLocated() {
        let bytes: [UInt8] = Array("name: ok\nbad: ".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        let result = DocumentLoader.load(bytes: bytes, file: "f.yaml").diagnostics.map(\.description)
        #expect(result == ["f.yaml:2:6: error: the file is not valid UTF-8 (byte 0xFF at offset 14)"])
    }

    @Test func emptyFilesAreReported() {
        #expect(diagnostics("") == ["f.yaml: error: the file is empty"])
        #expect(diagnostics("# only a comment\n---\n") == ["f.yaml: error: the file is empty"])
    }

    @Test func oneDocumentPerFile() {
        let result = diagnostics("a: 1\n---\nb: 2\n")
        #expect(result.count == 1 && result[0].contains("more than one document"))
    }

    @Test func tabsAreNotIndentation() {
        let result = diagnostics("a:\n\tb: 1\n")
        #expect(result.count == 1 && result[0].hasPrefix("f.yaml:2:"))
    }

    @Test(.timeLimit(.minutes(1))) func aliasBombsAreStopped() {
        var text = "a0: [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        text = text.replacingOccurrences(of: "a0: [", with: "a0: &a0 [")
        let clock = ContinuousClock()
        var result: [String] = []
        let elapsed = clock.measure { result = diagnostics(text) }
        #expect(result.count == 1 && result[0].contains("expands to too many nodes"))
        #expect(elapsed < .seconds(10))
    }

    @Test func deepFlowNestingIsRefusedBeforeParsing() {
        let text = "a: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        let result = diagnostics(text)
        #expect(result == ["f.yaml:1:258: error: the document nests deeper than 256 levels"])
    }

    @Test func deepBlockNestingIsRefused() {
        var text = ""
        for depth in 0..<300 { text += String(repeating: " ", count: depth) + "k\(depth):\n" }
        text += String(repeating: " ", count: 300) + "leaf: 1\n"
        let result = diagnostics(text)
        #expect(result.count == 1 && result[0].contains("nests deeper than 256 levels"))
    }

    @Test func quotedBracketsAndBlockScalarsDoNotCount() {
        let brackets = String(repeating: "[", count: 1000)
        let text = "a: '\(brackets)'\nb: \"\(brackets)\"\nc: |\n  \(brackets)\n  'x\nd: it's [fine]\n"
        let result = DocumentLoader.load(text: text, file: "f.yaml")
        #expect(result.diagnostics.isEmpty)
        #expect(result.root?["d"]?.scalar?.text == "it's [fine]")
    }

    @Test func oversizedFilesAreRefusedByTheirSize() throws {
        let folder = temporaryDirectory()
        let path = folder + "/big.yaml"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 100 << 20)
        try handle.close()
        let result = DocumentLoader.load(path: path, displayName: "big.yaml")
        #expect(result.diagnostics.map(\.description) == ["big.yaml: error: the file is 100.0 MiB; the largest input Tandem reads is 4.0 MiB"])
    }

    @Test func jsonIsReadWithLocations() throws {
        let result = DocumentLoader.load(text: "{\n  \"name\": \"x\",\n  \"port\": 8080\n}\n", file: "f.json")
        let root = try #require(result.root)
        #expect(root["port"]?.value == .int(8080))
        #expect(root["port"]?.position.line == 3)
        #expect(root["port"]?.position.column == 11)
    }

    @Test func scalarsFollowYAML12Core() throws {
        let root = try #require(DocumentLoader.load(text: "a: yes\nb: 0x1F\nc: 1e3\nd: ~\ne: '12'\nf: True\ng: 012\nh: .inf\n", file: "f").root)
        #expect(root["a"]?.value == .string("yes"))
        #expect(root["b"]?.value == .int(31))
        #expect(root["c"]?.value == .double(1000))
        #expect(root["d"]?.value == .null)
        #expect(root["e"]?.value == .string("12"))
        #expect(root["f"]?.value == .bool(true))
        #expect(root["g"]?.value == .int(12))
        #expect(root["h"]?.value == .double(.infinity))
    }

    @Test func mergeKeysAreExpanded() throws {
        let text = "base: &base {a: 1, b: 2}\nchild:\n  <<: *base\n  b: 3\n"
        let root = try #require(DocumentLoader.load(text: text, file: "f").root)
        let child = try #require(root["child"])
        #expect(child["a"]?.value == .int(1))
        #expect(child["b"]?.value == .int(3))
    }

    @Test func complexKeysAreRefused() {
        let result = diagnostics("? [a, b]\n: 1\n")
        #expect(result == ["f.yaml:1:3: error: mapping keys must be plain strings"])
    }

    /// A .json file that is not JSON is reported as JSON, at the JSON's own position.
    @Test func malformedJSONIsReportedAsJSON() {
        #expect(lines(load(#"{"tandem": "v1", "name": "x",, }"#, as: "bad.json")) == ["1:30: error: malformed JSON: unexpected \",\""])
        #expect(lines(load("{\"a\": [1, 2}\n", as: "b.json")) == ["1:12: error: malformed JSON: unexpected \"}\""])
    }
}
