/// `application/x-www-form-urlencoded` and URL query strings: `a=1&b=x%20y`, `+` for a space.
public enum FormEncoding {
    /// The pairs in order, decoded; nil when a `%` is not followed by two hex digits or a value is not UTF-8.
    public static func pairs(_ text: some Collection<UInt8>) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for field in text.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = field.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { return nil }
            guard let value = parts.count > 1 ? decode(parts[1]) : "" else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    /// One percent-encoded component (with `+` as a space); nil when malformed or not UTF-8.
    public static func decode(_ bytes: some Collection<UInt8>) -> String? {
        percentDecode(bytes, plusIsSpace: true)
    }

    /// A path component: `+` stays itself.
    public static func decodePath(_ bytes: some Collection<UInt8>) -> String? {
        percentDecode(bytes, plusIsSpace: false)
    }

    static func percentDecode(_ bytes: some Collection<UInt8>, plusIsSpace: Bool) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                out.append(high << 4 | low)
            default: out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x41...0x46: digit - 0x41 + 10
        case 0x61...0x66: digit - 0x61 + 10
        default: nil
        }
    }
}
