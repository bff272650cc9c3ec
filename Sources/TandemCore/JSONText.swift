/// JSON text helpers shared by every module that writes JSON by hand (for speed or key order).
public enum JSONText {
    /// A JSON string literal for `text`.
    public static func quoted(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            // Only `"`, `\\` and bytes below 0x20 are escaped, and no byte of a multi-byte UTF-8 sequence is
            // one of them: the text is copied in runs between escapes (a scalar at a time cost most of the
            // encoding of `tandem run`'s launch).
            var escapes = 0
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { escapes += 1 }
            return String(unsafeUninitializedCapacity: bytes.count + 2 + escapes * 5) { output in
                guard let base = output.baseAddress else { return 0 }
                var at = 0
                func put(_ byte: UInt8) {
                    base[at] = byte
                    at += 1
                }
                func copy(_ run: Range<Int>) {
                    guard !run.isEmpty, let source = bytes.baseAddress else { return }
                    (base + at).update(from: source + run.lowerBound, count: run.count)
                    at += run.count
                }
                put(UInt8(ascii: "\""))
                var runStart = 0
                for index in 0..<(escapes > 0 ? bytes.count : 0) {
                    let byte = bytes[index]
                    guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                    copy(runStart..<index)
                    runStart = index + 1
                    put(UInt8(ascii: "\\"))
                    switch byte {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
                    case 0x0A: put(UInt8(ascii: "n"))
                    case 0x0D: put(UInt8(ascii: "r"))
                    case 0x09: put(UInt8(ascii: "t"))
                    default:
                        put(UInt8(ascii: "u"))
                        put(UInt8(ascii: "0"))
                        put(UInt8(ascii: "0"))
                        put(hexDigits[Int(byte >> 4)])
                        put(hexDigits[Int(byte & 0x0F)])
                    }
                }
                copy(runStart..<bytes.count)
                put(UInt8(ascii: "\""))
                return at
            }
        }
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
