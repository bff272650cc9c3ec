/// JSON text helpers shared by every module that writes JSON by hand (for speed or key order).
public enum JSONText {
    /// A JSON string literal for `text`.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
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
