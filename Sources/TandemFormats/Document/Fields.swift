import TandemCore

/// Collects the diagnostics of one file while a reader walks it.
final class ReadContext {
    let file: String
    /// JSON Schema typing (Mia items): a string field takes only strings. Otherwise fields are typed as Go's
    /// yaml.v3 decodes into typed structs (Copilot, Cloud Foundry, Tandem): a string field takes any scalar.
    let strictTypes: Bool
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, strictTypes: Bool) {
        self.file = file
        self.strictTypes = strictTypes
    }

    func at(_ node: DocumentNode) -> SourceLocation { node.position.location(in: file) }
    @_disfavoredOverload func at(_ node: DocumentNode?) -> SourceLocation? { node.map { at($0) } }
    func at(_ position: Position) -> SourceLocation { position.location(in: file) }

    func report(_ severity: Diagnostic.Severity, at location: SourceLocation?, path: String, _ message: String) {
        diagnostics.append(Diagnostic(severity, at: location, file: file, path: path, message: message))
    }

    func error(_ node: DocumentNode, _ path: String, _ message: String) {
        report(.error, at: at(node), path: path, message)
    }

    func warning(_ node: DocumentNode, _ path: String, _ message: String) {
        report(.warning, at: at(node), path: path, message)
    }

    func append(_ more: [Diagnostic]) { diagnostics += more }

    func origin(_ node: DocumentNode?, _ path: String) -> Origin {
        Origin(path: path, location: at(node))
    }
}

enum FieldPath {
    static func child(_ base: String, _ key: String) -> String {
        let safe =
            !key.isEmpty
            && key.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2D
                    || byte == 0x24
            }
        let part = safe ? key : "\"\(key)\""
        return base.isEmpty ? part : "\(base).\(part)"
    }

    static func index(_ base: String, _ index: Int) -> String { "\(base)[\(index)]" }
}

/// A mapping under reading: typed accessors that report wrong types, and a final check for unknown keys.
struct Fields {
    let node: DocumentNode
    let path: String
    let context: ReadContext
    /// Which entries were read, by index: a bit each up to 64 entries, a set beyond (rare).
    private var usedBits: UInt64 = 0
    private var usedBeyond: Set<Int> = []
    /// Every key a reader looked for, present or not: the candidates for "did you mean" hints.
    private(set) var asked: [String] = []
    private let entries: [DocumentNode.Entry]

    /// The keys read so far.
    var used: [String] { entries.indices.filter(isUsed).map { entries[$0].key } }

    private func isUsed(_ index: Int) -> Bool {
        index < 64 ? usedBits & (1 << UInt64(index)) != 0 : usedBeyond.contains(index)
    }

    /// Nil (and a diagnostic) when the node is not a mapping.
    init?(_ node: DocumentNode, path: String, context: ReadContext) {
        guard let entries = node.entries else {
            context.error(node, path, "expected an object, found \(Fields.describe(node))")
            return nil
        }
        self.node = node
        self.path = path
        self.context = context
        self.entries = entries
        asked.reserveCapacity(16)
    }

    var keys: [String] { entries.map(\.key) }
    var allEntries: [DocumentNode.Entry] { entries }

    func childPath(_ key: String) -> String { FieldPath.child(path, key) }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    mutating func node(_ key: String) -> DocumentNode? {
        asked.append(key)
        guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
        if index < 64 { usedBits |= 1 << UInt64(index) } else { usedBeyond.insert(index) }
        return entries[index].value
    }

    /// A present, non-null value; with `required`, a missing one is reported.
    mutating func value(_ key: String, required: Bool = false) -> DocumentNode? {
        guard let value = node(key) else {
            if required { context.error(node, path, "missing required field \"\(key)\"") }
            return nil
        }
        if case .null? = value.value, !context.strictTypes {
            if required { context.error(value, childPath(key), "\"\(key)\" must not be empty") }
            return nil
        }
        return value
    }

    mutating func string(_ key: String, required: Bool = false) -> String? {
        guard let value = value(key, required: required) else { return nil }
        return Fields.string(value, path: childPath(key), context: context)
    }

    mutating func int(_ key: String, required: Bool = false) -> Int? {
        guard let value = value(key, required: required) else { return nil }
        return Fields.int(value, path: childPath(key), context: context)
    }

    /// A Go duration above zero (`10s`, `1m30s`), in seconds; anything else is an error that quotes it
    /// (`expected a duration above zero such as EXAMPLE`).
    mutating func positiveDuration(_ key: String, example: String) -> Double? {
        guard let text = string(key) else { return nil }
        if let seconds = GoDuration.seconds(text), seconds > 0 { return seconds }
        context.report(.error, at: context.at(node(key)), path: childPath(key), "expected a duration above zero such as \(example), found \"\(text)\"")
        return nil
    }

    mutating func number(_ key: String, required: Bool = false) -> Double? {
        guard let value = value(key, required: required) else { return nil }
        switch value.value {
        case .int(let number)?: return Double(number)
        case .double(let number)?: return number
        default:
            context.error(value, childPath(key), "expected a number, found \(Fields.describe(value))")
            return nil
        }
    }

    mutating func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let value = value(key, required: required) else { return nil }
        return Fields.bool(value, path: childPath(key), context: context)
    }

    /// A list of strings; without strict typing a single string is also accepted as a one-item list.
    mutating func stringList(_ key: String, required: Bool = false) -> [String]? {
        guard let value = value(key, required: required) else { return nil }
        return Fields.stringList(value, path: childPath(key), context: context)
    }

    mutating func stringMap(_ key: String) -> [(key: String, value: String, node: DocumentNode)]? {
        guard let value = value(key) else { return nil }
        guard let map = Fields(value, path: childPath(key), context: context) else { return nil }
        var result: [(key: String, value: String, node: DocumentNode)] = []
        for entry in map.entries {
            let entryPath = FieldPath.child(map.path, entry.key)
            if case .null? = entry.value.value {
                result.append((entry.key, "", entry.value))
            } else if let text = Fields.string(entry.value, path: entryPath, context: context) {
                result.append((entry.key, text, entry.value))
            }
        }
        return result
    }

    /// Reports every key not read; `severity` is `.warning` for formats whose platform ignores unknown keys.
    func reportUnknown(_ severity: Diagnostic.Severity = .error, hint: String? = nil) {
        for (index, entry) in entries.enumerated() where !isUsed(index) {
            var message = "unknown field \"\(entry.key)\""
            if let suggestion = Fields.closest(entry.key, among: asked + (hint.map { [$0] } ?? [])) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            context.report(severity, at: context.at(entry.keyPosition), path: FieldPath.child(path, entry.key), message)
        }
    }

    /// Reports unknown keys against a list of the keys the format knows, suggesting the nearest.
    func reportUnknown(known: [String], severity: Diagnostic.Severity = .error) {
        for (index, entry) in entries.enumerated() where !isUsed(index) && !known.contains(entry.key) {
            var message = "unknown field \"\(entry.key)\""
            if let suggestion = Fields.closest(entry.key, among: known + asked) { message += "; did you mean \"\(suggestion)\"?" }
            context.report(severity, at: context.at(entry.keyPosition), path: FieldPath.child(path, entry.key), message)
        }
    }

    // MARK: Typed values of single nodes

    static func string(_ node: DocumentNode, path: @autoclosure () -> String, context: ReadContext) -> String? {
        guard let scalar = node.scalar else {
            context.error(node, path(), "expected a string, found \(describe(node))")
            return nil
        }
        if context.strictTypes, case let value = scalar.value, value.typeName != "string" {
            context.error(node, path(), "expected a string, found \(describe(node))")
            return nil
        }
        return scalar.text
    }

    static func int(_ node: DocumentNode, path: @autoclosure () -> String, context: ReadContext) -> Int? {
        switch node.value {
        case .int(let number)?: return number
        case .double(let number)? where context.strictTypes && number.rounded() == number && abs(number) < 1e15:
            return Int(number)
        default:
            context.error(node, path(), "expected an integer, found \(describe(node))")
            return nil
        }
    }

    static func bool(_ node: DocumentNode, path: @autoclosure () -> String, context: ReadContext) -> Bool? {
        if case .bool(let flag)? = node.value { return flag }
        // yaml.v3 still decodes YAML 1.1 booleans into typed bool fields.
        if !context.strictTypes, let scalar = node.scalar, scalar.isPlain {
            switch scalar.text {
            case "yes", "Yes", "YES", "on", "On", "ON": return true
            case "no", "No", "NO", "off", "Off", "OFF": return false
            default: break
            }
        }
        context.error(node, path(), "expected true or false, found \(describe(node))")
        return nil
    }

    static func stringList(_ node: DocumentNode, path: @autoclosure () -> String, context: ReadContext) -> [String]? {
        if !context.strictTypes, node.scalar != nil {
            return string(node, path: path(), context: context).map { [$0] }
        }
        guard let items = node.items else {
            context.error(node, path(), "expected a list of strings, found \(describe(node))")
            return nil
        }
        var result: [String] = []
        var ok = true
        for (index, item) in items.enumerated() {
            if let text = string(item, path: FieldPath.index(path(), index), context: context) {
                result.append(text)
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    /// `an integer (8080)`, `a string ("abc")`, `an object`: what a message says was found.
    static func describe(_ node: DocumentNode) -> String {
        switch node.kind {
        case .mapping: return "an object"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch scalar.value {
            case .null: return "null"
            case .bool(let flag): return "a boolean (\(flag))"
            case .int(let number): return "an integer (\(number))"
            case .double: return "a number (\(scalar.text))"
            case .string(let text):
                let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
                return "a string (\"\(shown)\")"
            }
        }
    }

    /// The nearest known key within two edits, for "did you mean" hints.
    static func closest(_ key: String, among candidates: [String]) -> String? {
        var best: (String, Int)? = nil
        for candidate in Set(candidates) {
            let distance = editDistance(key.lowercased(), candidate.lowercased())
            if distance <= 2 && distance < key.count, best == nil || distance < best!.1 || (distance == best!.1 && candidate < best!.0) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
