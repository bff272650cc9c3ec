/// Go's duration syntax (`10s`, `1m30s`, `500ms`), which Copilot's manifests use; the result is in seconds.
public enum GoDuration {
    public static func seconds(_ text: String) -> Double? {
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        if rest == "0" { return 0 }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter || $0 == "µ" }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1e-9
            case "us", "µs": scale = 1e-6
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            total += value * scale
        }
        return total
    }

    public static func format(_ seconds: Double) -> String {
        if seconds == seconds.rounded() {
            let whole = Int(seconds)
            if whole != 0 && whole % 3600 == 0 { return "\(whole / 3600)h" }
            if whole != 0 && whole % 60 == 0 { return "\(whole / 60)m" }
            return "\(whole)s"
        }
        return "\(Int((seconds * 1000).rounded()))ms"
    }
}

/// Splits a command line as a POSIX shell would (quotes and backslashes), the way Copilot splits a string
/// `command` or `entrypoint` into arguments. Returns nil on an unterminated quote.
enum ShellWords {
    static func split(_ line: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character? = nil
        var escaped = false
        for char in line {
            if escaped {
                current.append(char)
                escaped = false
                inWord = true
                continue
            }
            if let open = quote {
                if char == open {
                    quote = nil
                } else if char == "\\" && open == "\"" {
                    escaped = true
                } else {
                    current.append(char)
                }
                continue
            }
            switch char {
            case "\\":
                escaped = true
            case "\"", "'":
                quote = char
                inWord = true
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                current.append(char)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { return nil }
        if inWord { words.append(current) }
        return words
    }
}
