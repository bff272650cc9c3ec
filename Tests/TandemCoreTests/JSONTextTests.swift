import Foundation
import TandemCore
import Testing

/// `JSONText.quoted` copies runs of bytes between escapes; it must write what a scalar-at-a-time quoting
/// wrote (goldens of every renderer depend on it), and what it writes must read back as the same text.
@Suite struct JSONTextTests {
    /// The quoting `quoted` replaced, kept here as the reference.
    static func scalarAtATime(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    static let samples: [String] =
        ["", "plain", "say \"hi\"", "C:\\path\\", "tab\there", "line\nbreak\r\n", "\u{7F}del", "é ü 日本 🙂", "\"", "\\", "a/b"]
        + (0..<0x20).map { "x\(String(UnicodeScalar(UInt8($0))))y" } + [String(repeating: "long line ", count: 500) + "\u{1}\u{1F}"]

    @Test(arguments: samples)
    func quotesAsTheScalarReferenceDid(_ text: String) {
        #expect(JSONText.quoted(text) == Self.scalarAtATime(text))
    }

    @Test(arguments: samples)
    func readsBackAsTheSameText(_ text: String) throws {
        let quoted = JSONText.quoted(text)
        #expect(try JSONValue.parse(Array(quoted.utf8)) == .string(text))
        let foundation = try JSONSerialization.jsonObject(with: Data(quoted.utf8), options: [.fragmentsAllowed]) as? String
        #expect(foundation == text)
    }
}
