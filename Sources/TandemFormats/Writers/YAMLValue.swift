import Yams

/// An ordered YAML tree for writers: keys keep the order a reader of the output expects.
public indirect enum YAMLValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([YAMLValue])
    case map([(String, YAMLValue)])

    public static func == (lhs: YAMLValue, rhs: YAMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    var isEmpty: Bool {
        switch self {
        case .list(let items): items.isEmpty
        case .map(let entries): entries.isEmpty
        default: false
        }
    }

    var node: Node {
        switch self {
        case .string(let text):
            // Quote what a YAML reader would otherwise take for a number, a boolean or null.
            let plain = DocumentNode.Scalar(text: text, isPlain: true).value
            let risky = plain != .string(text) || ["yes", "no", "on", "off", "y", "n"].contains(text.lowercased())
            let multiline = text.contains("\n")
            return .scalar(.init(text, .implicit, multiline ? .literal : (risky ? .doubleQuoted : .any)))
        case .int(let number): return .scalar(.init(String(number)))
        case .double(let number): return .scalar(.init(number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)))
        case .bool(let flag): return .scalar(.init(flag ? "true" : "false"))
        case .list(let items): return .sequence(.init(items.map(\.node)))
        case .map(let entries): return .mapping(.init(entries.map { (Node.scalar(.init($0.0)), $0.1.node) }))
        }
    }

    /// Block-style YAML text, deterministic for the same value.
    public func yaml() -> String {
        (try? Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true, sortKeys: false)) ?? ""
    }
}

/// Builds a mapping, leaving out absent and empty values.
struct MapBuilder {
    private(set) var entries: [(String, YAMLValue)] = []

    mutating func set(_ key: String, _ value: YAMLValue?) {
        guard let value, !value.isEmpty else { return }
        entries.append((key, value))
    }

    mutating func set(_ key: String, _ text: String?) { set(key, text.map(YAMLValue.string)) }
    mutating func set(_ key: String, _ number: Int?) { set(key, number.map(YAMLValue.int)) }

    var value: YAMLValue { .map(entries) }
}

/// What a conversion could not carry into the target format, said once per kind of loss.
public struct ConversionResult: Sendable {
    public var text: String
    public var dropped: [String]
}

extension Array where Element == String {
    mutating func note(_ message: String) {
        if !contains(message) { append(message) }
    }
}
