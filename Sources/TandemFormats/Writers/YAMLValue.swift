import Foundation
import TandemCore
import Yams

/// An ordered YAML tree for writers: keys keep the order a reader of the output expects.
public indirect enum YAMLValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([YAMLValue])
    case map([(String, YAMLValue)])
    case null

    public static func == (lhs: YAMLValue, rhs: YAMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.null, .null): true
        default: false
        }
    }

    public var isEmpty: Bool {
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
        case .null: return .scalar(.init("null"))
        }
    }

    /// Block-style YAML text, deterministic for the same value.
    public func yaml() -> String {
        (try? Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true, sortKeys: false)) ?? ""
    }
}

extension YAMLValue {
    /// A parsed document as a tree for the writers, keys in the document's order: what prints a
    /// document read as JSON again as indented JSON or as YAML.
    public init(_ node: DocumentNode) {
        switch node.kind {
        case .scalar(let scalar):
            switch scalar.value {
            case .null: self = .null
            case .bool(let flag): self = .bool(flag)
            case .int(let number): self = .int(number)
            case .double(let number): self = .double(number)
            case .string(let text): self = .string(text)
            }
        case .sequence(let items): self = .list(items.map(YAMLValue.init))
        case .mapping(let entries): self = .map(entries.map { ($0.key, YAMLValue($0.value)) })
        }
    }
}

/// Builds a mapping, leaving out absent and empty values.
public struct MapBuilder {
    public private(set) var entries: [(String, YAMLValue)] = []

    public init() {}

    public mutating func set(_ key: String, _ value: YAMLValue?) {
        guard let value, !value.isEmpty else { return }
        entries.append((key, value))
    }

    /// Sets even an empty map or list, for the places where `{}` means something (`emptyDir: {}`).
    public mutating func setKeepingEmpty(_ key: String, _ value: YAMLValue) {
        entries.append((key, value))
    }

    public mutating func set(_ key: String, _ text: String?) { set(key, text.map(YAMLValue.string)) }
    public mutating func set(_ key: String, _ number: Int?) { set(key, number.map(YAMLValue.int)) }
    public mutating func set(_ key: String, _ flag: Bool?) { set(key, flag.map(YAMLValue.bool)) }

    public var value: YAMLValue { .map(entries) }
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

extension YAMLValue {
    /// JSON text with two-space indentation, keys in the tree's order: deterministic for the same value.
    public func json() -> String {
        var output = ""
        writeJSON(into: &output, indent: 0)
        return output + "\n"
    }

    private func writeJSON(into output: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent)
        let inner = String(repeating: "  ", count: indent + 1)
        switch self {
        case .string(let text): output += Self.quoted(text)
        case .int(let number): output += String(number)
        case .double(let number): output += number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let flag): output += flag ? "true" : "false"
        case .null: output += "null"
        case .list(let items):
            if items.isEmpty {
                output += "[]"
                return
            }
            output += "[\n"
            for (index, item) in items.enumerated() {
                output += inner
                item.writeJSON(into: &output, indent: indent + 1)
                output += index == items.count - 1 ? "\n" : ",\n"
            }
            output += pad + "]"
        case .map(let entries):
            if entries.isEmpty {
                output += "{}"
                return
            }
            output += "{\n"
            for (index, (key, value)) in entries.enumerated() {
                output += inner + Self.quoted(key) + ": "
                value.writeJSON(into: &output, indent: indent + 1)
                output += index == entries.count - 1 ? "\n" : ",\n"
            }
            output += pad + "}"
        }
    }

    /// A JSON string literal for `text`.
    public static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}
