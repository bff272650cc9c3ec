/// JSON text helpers shared by every module that writes JSON by hand (for speed or key order).
public enum JSONText {
    /// A JSON string literal for `text`.
    public static func quoted(_ text: String) -> String {
        var text = text
        var output: [UInt8] = []
        text.withUTF8 { bytes in
            output.reserveCapacity(bytes.count + 2)
            output.append(UInt8(ascii: "\""))
            appendEscaped(bytes, to: &output)
            output.append(UInt8(ascii: "\""))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `bytes` (valid UTF-8) with `"`, `\\` and control characters escaped, as a JSON string's
    /// content. No byte of a multi-byte UTF-8 sequence is one of those, so runs between escapes are copied
    /// whole (a scalar at a time cost most of the encoding of `tandem run`'s launch). The console's JSON
    /// lines use it too.
    public static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var start = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            start = index + 1
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            default:
                output += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                output += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Decodes the escape sequence that follows a backslash, starting at `index` (just past the
    /// backslash) and moving `index` past it; nil when it is not valid JSON (an unknown escape, bad hex
    /// digits, a lone or mismatched surrogate). Shared by the located reader and the plain parser.
    public static func unescape<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at index: inout Bytes.Index) -> Unicode.Scalar? {
        guard index < bytes.endIndex else { return nil }
        let escape = bytes[index]
        bytes.formIndex(after: &index)
        switch escape {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            guard var code = hex4(bytes, at: &index) else { return nil }
            if (0xD800...0xDBFF).contains(code) {
                guard bytes.distance(from: index, to: bytes.endIndex) >= 2, bytes[index] == UInt8(ascii: "\\"),
                    bytes[bytes.index(after: index)] == UInt8(ascii: "u")
                else { return nil }
                bytes.formIndex(&index, offsetBy: 2)
                guard let low = hex4(bytes, at: &index), (0xDC00...0xDFFF).contains(low) else { return nil }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            return Unicode.Scalar(code)
        default:
            return nil
        }
    }

    private static func hex4<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at index: inout Bytes.Index) -> UInt32? {
        guard bytes.distance(from: index, to: bytes.endIndex) >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: return nil
            }
            value = value * 16 + digit
            bytes.formIndex(after: &index)
        }
        return value
    }
}
