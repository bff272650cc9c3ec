import TandemCore

/// A line and column in the file being read; the file itself is known to whoever reads the tree, so
/// nodes do not each carry (and reference-count) its name.
public struct Position: Sendable, Hashable {
    public var line: Int32
    public var column: Int32

    public init(line: Int, column: Int) {
        self.line = Int32(truncatingIfNeeded: line)
        self.column = Int32(truncatingIfNeeded: column)
    }

    public func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: Int(line), column: Int(column))
    }
}

/// A parsed YAML or JSON value with the position of every node and key, the input of every reader.
public struct DocumentNode: Sendable {
    public enum Kind: Sendable {
        case scalar(Scalar)
        case sequence([DocumentNode])
        case mapping([Entry])
    }

    public struct Scalar: Sendable {
        public var text: String
        /// Plain (unquoted) scalars are typed by YAML 1.2's core schema; quoted ones are always strings.
        public var isPlain: Bool
        /// An explicit tag such as `tag:yaml.org,2002:str`, or nil.
        public var tag: String?

        public init(text: String, isPlain: Bool, tag: String? = nil) {
            self.text = text
            self.isPlain = isPlain
            self.tag = tag
        }
    }

    public struct Entry: Sendable {
        public var key: String
        public var keyPosition: Position
        public var value: DocumentNode

        public init(key: String, keyPosition: Position, value: DocumentNode) {
            self.key = key
            self.keyPosition = keyPosition
            self.value = value
        }
    }

    public var kind: Kind
    public var position: Position

    public init(_ kind: Kind, at position: Position) {
        self.kind = kind
        self.position = position
    }

    public var entries: [Entry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    public var items: [DocumentNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var scalar: Scalar? {
        if case .scalar(let scalar) = kind { return scalar }
        return nil
    }

    public subscript(key: String) -> DocumentNode? {
        entries?.first { $0.key == key }?.value
    }

    /// The JSON value of a scalar node, as Go's yaml.v3 and JSON decoders would give it.
    public var value: ScalarValue? { scalar?.value }

    /// The JSON type name of this node, for messages: `object`, `array`, `string`, `integer`, ...
    public var typeName: String {
        switch kind {
        case .mapping: "object"
        case .sequence: "array"
        case .scalar(let scalar): scalar.value.typeName
        }
    }
}

/// A scalar's value under YAML 1.2's core schema (what JSON and Go's yaml.v3 produce).
public enum ScalarValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)

    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        }
    }
}

extension DocumentNode.Scalar {
    public var value: ScalarValue {
        if let tag {
            switch tag {
            case "tag:yaml.org,2002:str", "!": return .string(text)
            case "tag:yaml.org,2002:null": return .null
            case "tag:yaml.org,2002:bool": return Self.bool(text).map(ScalarValue.bool) ?? .string(text)
            case "tag:yaml.org,2002:int": return Self.int(text).map(ScalarValue.int) ?? .string(text)
            case "tag:yaml.org,2002:float": return Self.double(text).map(ScalarValue.double) ?? .string(text)
            default: return .string(text)
            }
        }
        guard isPlain else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        default: break
        }
        if let bool = Self.bool(text) { return .bool(bool) }
        if let int = Self.int(text) { return .int(int) }
        if let double = Self.double(text) { return .double(double) }
        return .string(text)
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// YAML 1.2 core integers: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`, read from the UTF-8 bytes.
    static func int(_ text: String) -> Int? {
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if let sign = utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        var radix = 10
        if utf8.starts(with: "0x".utf8) {
            radix = 16
        } else if utf8.starts(with: "0o".utf8) {
            radix = 8
        }
        if radix != 10 { utf8 = utf8.dropFirst(2) }
        guard !utf8.isEmpty, utf8.count <= 20 else { return nil }
        var magnitude = 0
        for byte in utf8 {
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x61...0x66 where radix == 16: digit = Int(byte - 0x61 + 10)
            case 0x41...0x46 where radix == 16: digit = Int(byte - 0x41 + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            let (product, overflow) = magnitude.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = product.addingReportingOverflow(digit)
            guard !overflow, !overflow2 else { return nil }
            magnitude = sum
        }
        return negative ? -magnitude : magnitude
    }

    static func double(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        // YAML 1.2 core: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == 43 || bytes[index] == 45 { index += 1 }
        let integerDigits = digits()
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            fractionDigits = digits()
        }
        guard integerDigits > 0 || fractionDigits > 0 else { return nil }
        if index < bytes.count, bytes[index] == 101 || bytes[index] == 69 {
            index += 1
            if index < bytes.count, bytes[index] == 43 || bytes[index] == 45 { index += 1 }
            guard digits() > 0 else { return nil }
        }
        guard index == bytes.count else { return nil }
        return Double(text)
    }
}
