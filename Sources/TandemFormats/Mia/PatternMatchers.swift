/// Hand-written equivalents of the schema's simple patterns: each is a single linear pass, an order of
/// magnitude faster than a regular expression engine, and the differential test holds them to what
/// Python's `re` does with the same pattern text (including `$` accepting one trailing newline, and
/// `\d` / `\w` meaning Unicode digits and word characters).
enum PatternMatchers {
    typealias Scalars = ArraySlice<Unicode.Scalar>

    /// The text with one trailing newline removed, as `$` allows.
    static func body(_ text: String) -> Scalars {
        var scalars = Array(text.unicodeScalars)[...]
        if scalars.last == "\n" { scalars = scalars.dropLast() }
        return scalars
    }

    static func isLower(_ c: Unicode.Scalar) -> Bool { c.value >= 0x61 && c.value <= 0x7A }
    static func isUpper(_ c: Unicode.Scalar) -> Bool { c.value >= 0x41 && c.value <= 0x5A }
    static func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
    static func isAlnum(_ c: Unicode.Scalar) -> Bool { isLower(c) || isUpper(c) || isASCIIDigit(c) }
    /// `\d` in Python's and ICU's Unicode mode: any decimal digit.
    static func isDigit(_ c: Unicode.Scalar) -> Bool { isASCIIDigit(c) || (c.value > 0x7F && c.properties.numericType == .decimal) }
    /// `\w` in Unicode mode: letters, digits and the underscore.
    static func isWord(_ c: Unicode.Scalar) -> Bool {
        isAlnum(c) || c == "_" || (c.value > 0x7F && (c.properties.isAlphabetic || c.properties.numericType != nil))
    }

    /// `{{[A-Z][A-Z0-9_]*}}`.
    static func isPlaceholder(_ s: Scalars) -> Bool {
        guard s.count >= 5, s.first == "{", s[s.startIndex + 1] == "{", s.last == "}", s[s.endIndex - 2] == "}" else { return false }
        let name = s[(s.startIndex + 2)..<(s.endIndex - 2)]
        guard let first = name.first, isUpper(first) else { return false }
        return name.allSatisfy { isUpper($0) || isASCIIDigit($0) || $0 == "_" }
    }

    /// `^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`
    static func itemId(_ text: String) -> Bool {
        let s = body(text)
        guard (1...63).contains(s.count), let first = s.first, let last = s.last, isAlnum(first), isAlnum(last) else { return false }
        return s.allSatisfy { isAlnum($0) || $0 == "-" }
    }

    /// `^[a-z]([-a-z0-9]*[a-z0-9])?$`
    static func dnsLabel(_ text: String) -> Bool {
        let s = body(text)
        guard let first = s.first, let last = s.last, isLower(first), isLower(last) || isASCIIDigit(last) else { return false }
        return s.allSatisfy { isLower($0) || isASCIIDigit($0) || $0 == "-" }
    }

    /// `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`
    static func kebab(_ text: String) -> Bool {
        let s = body(text)
        guard let first = s.first, isLower(first), s.last != "-" else { return false }
        var previous: Unicode.Scalar = "a"
        for c in s {
            if c == "-" {
                if previous == "-" { return false }
            } else if !(isLower(c) || isASCIIDigit(c)) {
                return false
            }
            previous = c
        }
        return true
    }

    /// `^$|^((\{\{([A-Z])([A-Z0-9_]*)\}\})|([1-9]\d*|0))$`
    static func port(_ text: String) -> Bool {
        let s = body(text)
        if s.isEmpty || isPlaceholder(s) { return true }
        guard let first = s.first else { return false }
        if first == "0" { return s.count == 1 }
        return first.value >= 0x31 && first.value <= 0x39 && s.dropFirst().allSatisfy(isDigit)
    }

    /// `(^((\{\{([A-Z])([A-Z0-9_]*)\}\})|(\d+))UNIT$)|^$`
    static func quantity(_ text: String, unit: String) -> Bool {
        let s = body(text)
        if s.isEmpty { return true }
        let unitScalars = Array(unit.unicodeScalars)
        guard s.count > unitScalars.count, Array(s.suffix(unitScalars.count)) == unitScalars else { return false }
        let amount = s.dropLast(unitScalars.count)
        return isPlaceholder(amount) || amount.allSatisfy(isDigit)
    }

    /// `^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$`
    static func tag(_ text: String) -> Bool {
        let s = body(text)
        guard let first = s.first, first != "-", s.last != "-" else { return false }
        var previous: Unicode.Scalar = "a"
        for c in s {
            if c == "-" {
                if previous == "-" { return false }
            } else if !(isLower(c) || isASCIIDigit(c) || c == ":" || c == "+" || c == "#") {
                return false
            }
            previous = c
        }
        return true
    }

    /// `^$|^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$`
    static func labelValue(_ text: String) -> Bool {
        let s = body(text)
        if s.isEmpty { return true }
        guard s.count <= 63, let first = s.first, let last = s.last, isAlnum(first), isAlnum(last) else { return false }
        return s.allSatisfy { isAlnum($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// `^[-._a-zA-Z0-9]+$`
    static func configMapFileName(_ text: String) -> Bool {
        let s = body(text)
        return !s.isEmpty && s.allSatisfy { isAlnum($0) || $0 == "-" || $0 == "." || $0 == "_" }
    }

    /// `^((\{\{([A-Z])([A-Z0-9_]*)\}\})|[a-zA-Z0-9-_.]*)$`
    static func secretKey(_ text: String) -> Bool {
        let s = body(text)
        return isPlaceholder(s) || s.allSatisfy { isAlnum($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// `^([a-zA-Z0-9][a-zA-Z0-9\.\-]{0,253}[\/])?([a-zA-Z0-9][a-zA-Z0-9\.\-]{0,63}[a-zA-Z0-9]?)$`
    static func qualifiedKey(_ text: String) -> Bool {
        let s = body(text)
        func part(_ p: Scalars, max: Int) -> Bool {
            guard let first = p.first, isAlnum(first), p.count <= max else { return false }
            return p.allSatisfy { isAlnum($0) || $0 == "." || $0 == "-" }
        }
        var name = s
        if let slash = s.firstIndex(of: "/") {
            guard part(s[..<slash], max: 254) else { return false }
            name = s[(slash + 1)...]
        }
        guard part(name, max: 65) else { return false }
        return name.count < 65 || isAlnum(name[name.endIndex - 1])
    }

    /// `^\/(([\w\-:.\{\}])\/?)*$|^$`
    static func probePath(_ text: String) -> Bool {
        let s = body(text)
        if s.isEmpty { return true }
        guard s.first == "/" else { return false }
        var previousWasSlash = true
        for c in s.dropFirst() {
            if c == "/" {
                if previousWasSlash { return false }
                previousWasSlash = true
            } else if isWord(c) || c == "-" || c == ":" || c == "." || c == "{" || c == "}" {
                previousWasSlash = false
            } else {
                return false
            }
        }
        return true
    }
}
