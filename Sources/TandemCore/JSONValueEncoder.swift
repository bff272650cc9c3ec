/// Encodes `Encodable` values as compact JSON, as Foundation's JSONEncoder does with default options
/// (keys in the order they are encoded, `nil` optionals left out), for what `JSONValueDecoder` reads.
/// Its only casts are to concrete scalar types: in a large executable, each of Foundation's casts
/// (`as? Date`, `as? URL`, ...) scans every protocol conformance the first time it meets a type, which made
/// encoding `tandem run`'s launch the largest part of its work before the supervisor starts.
public struct JSONValueEncoder {
    /// Foundation's `[.prettyPrinted, .sortedKeys]` layout instead (two-space indents, `"key" : value`, keys
    /// sorted): what files people read are written in.
    public var prettySortedKeys: Bool

    public init(prettySortedKeys: Bool = false) {
        self.prettySortedKeys = prettySortedKeys
    }

    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let root = Node()
        try value.encode(to: ValueEncoder(node: root, codingPath: []))
        var text = ""
        if prettySortedKeys {
            root.writePretty(to: &text, indent: "")
        } else {
            root.write(to: &text)
        }
        return Array(text.utf8)
    }
}

/// What one value became while it is being encoded: a scalar's text, an object or an array.
private final class Node {
    enum Content {
        case empty
        case scalar(String)
        case object([(key: String, node: Node)])
        case array([Node])
    }

    var content = Content.empty

    func child(_ key: String) -> Node {
        let node = Node()
        if case .object(var fields) = content {
            content = .empty
            fields.append((key, node))
            content = .object(fields)
        } else {
            content = .object([(key, node)])
        }
        return node
    }

    func append() -> Node {
        let node = Node()
        if case .array(var items) = content {
            content = .empty
            items.append(node)
            content = .array(items)
        } else {
            content = .array([node])
        }
        return node
    }

    func write(to text: inout String) {
        switch content {
        case .empty: text += "{}"
        case .scalar(let literal): text += literal
        case .object(let fields):
            text += "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { text += "," }
                text += JSONText.quoted(field.key)
                text += ":"
                field.node.write(to: &text)
            }
            text += "}"
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.write(to: &text)
            }
            text += "]"
        }
    }

    /// As Foundation's pretty printer lays it out: an empty object or array as `{` or `[`, a blank line and
    /// the closing bracket at the enclosing indent.
    func writePretty(to text: inout String, indent: String) {
        let inner = indent + "  "
        switch content {
        case .empty: text += "{\n\n" + indent + "}"
        case .scalar(let literal): text += literal
        case .object(let fields) where fields.isEmpty: text += "{\n\n" + indent + "}"
        case .array(let items) where items.isEmpty: text += "[\n\n" + indent + "]"
        case .object(let fields):
            text += "{\n"
            for (index, field) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { text += ",\n" }
                text += inner + JSONText.quoted(field.key) + " : "
                field.node.writePretty(to: &text, indent: inner)
            }
            text += "\n" + indent + "}"
        case .array(let items):
            text += "[\n"
            for (index, item) in items.enumerated() {
                if index > 0 { text += ",\n" }
                text += inner
                item.writePretty(to: &text, indent: inner)
            }
            text += "\n" + indent + "]"
        }
    }
}

private struct ValueEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: node, codingPath: codingPath) }
}

/// The text of a scalar, or nil for a value that encodes itself. Every type the containers take as a
/// primitive is here: a primitive missing would encode itself through a single-value container, which
/// would come back here, without end.
private func literal<T: Encodable>(_ value: T) -> String? {
    switch value {
    case let text as String: JSONText.quoted(text)
    case let flag as Bool: flag ? "true" : "false"
    case let number as Int: String(number)
    case let number as Int8: String(number)
    case let number as Int16: String(number)
    case let number as Int32: String(number)
    case let number as Int64: String(number)
    case let number as UInt: String(number)
    case let number as UInt8: String(number)
    case let number as UInt16: String(number)
    case let number as UInt32: String(number)
    case let number as UInt64: String(number)
    case let number as Double: number.isFinite ? wholeOrDecimal(number) : "null"
    case let number as Float: number.isFinite ? wholeOrDecimal(Double(number)) : "null"
    default: nil
    }
}

/// A number as Foundation's encoder writes it: a whole value without a fraction (`2`, not `2.0`).
private func wholeOrDecimal(_ number: Double) -> String {
    number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
}

/// Puts `value` in `node`: a scalar's text, or whatever the value encodes.
private func encode<T: Encodable>(_ value: T, into node: Node, codingPath: [any CodingKey]) throws {
    if let literal = literal(value) {
        node.content = .scalar(literal)
    } else {
        try value.encode(to: ValueEncoder(node: node, codingPath: codingPath))
    }
}

/// The primitive requirements (`encode(_: Bool, forKey:)`, ...) are met by the generic `encode`, which
/// writes them through `literal`.
private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.child(key.stringValue).content = .scalar("null") }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try TandemCore.encode(value, into: node.child(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ValueEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.child("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    var count: Int {
        if case .array(let items) = node.content { return items.count }
        return 0
    }

    mutating func encodeNil() throws { node.append().content = .scalar("null") }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try TandemCore.encode(value, into: node.append(), codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(node: node.append(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        ValueEncoder(node: node.append(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.append(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .scalar("null") }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try TandemCore.encode(value, into: node, codingPath: codingPath)
    }
}
