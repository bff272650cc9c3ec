import TandemCore

/// A fast path for JSON inputs (most catalog items): a single pass over the bytes builds the located tree
/// directly. Anything it does not accept (malformed JSON, YAML that merely starts with `{`, very deep or
/// very large documents) is handed back to the YAML path, which reads JSON too and words the errors.
struct JSONReader {
    enum Outcome {
        case document(DocumentNode)
        /// A problem this reader words itself (duplicate keys), with its position.
        case problem(Diagnostic)
        /// Not handled here: use the YAML parser.
        case fallback
    }

    private let bytes: ArraySlice<UInt8>
    private let file: String
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// The column at `columnIndex`, so each location continues counting where the last one stopped
    /// (one-line JSON would otherwise cost a scan from the line's start per node).
    private var columnIndex = 0
    private var column = 1
    private var nodes = 0
    private let maxDepth: Int
    private let maxNodes: Int
    private var duplicate: Diagnostic?

    private struct Failure: Error {}

    static func read(_ bytes: ArraySlice<UInt8>, file: String, limits: DocumentLoader.Limits) -> Outcome {
        var reader = JSONReader(bytes: bytes, file: file, maxDepth: min(limits.maxDepth, 200), maxNodes: limits.maxNodes)
        do {
            reader.skipWhitespace()
            let root = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.index == bytes.endIndex else { return .fallback }
            if let duplicate = reader.duplicate { return .problem(duplicate) }
            return .document(root)
        } catch {
            return .fallback
        }
    }

    private init(bytes: ArraySlice<UInt8>, file: String, maxDepth: Int, maxNodes: Int) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.lineStart = bytes.startIndex
        self.columnIndex = bytes.startIndex
        self.file = file
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// Columns count Unicode scalars, as libyaml's do: skip UTF-8 continuation bytes.
    private mutating func location() -> Position {
        if columnIndex < lineStart {
            columnIndex = lineStart
            column = 1
        }
        while columnIndex < index {
            if bytes[columnIndex] & 0xC0 != 0x80 { column += 1 }
            columnIndex += 1
        }
        return Position(line: line, column: column)
    }

    private mutating func skipWhitespace() {
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(Failure) -> DocumentNode {
        nodes += 1
        guard depth <= maxDepth, nodes <= maxNodes, index < bytes.endIndex else { throw Failure() }
        let here = location()
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var entries: [DocumentNode.Entry] = []
            var seen = Set<String>()
            skipWhitespace()
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return DocumentNode(.mapping(entries), at: here)
            }
            while true {
                skipWhitespace()
                guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { throw Failure() }
                let keyLocation = location()
                let key = try string()
                // Small objects (nearly all) are searched directly; a set takes over past 16 keys.
                let repeated = entries.count < 16 ? entries.contains { $0.key == key } : !seen.insert(key).inserted
                if entries.count == 15 { seen = Set(entries.map(\.key) + [key]) }
                if repeated, duplicate == nil {
                    duplicate = Diagnostic(
                        .error, at: keyLocation.location(in: file), file: file, path: "", message: "duplicate key \"\(key)\" in the same mapping")
                }
                skipWhitespace()
                guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") else { throw Failure() }
                index += 1
                skipWhitespace()
                let item = try value(depth: depth + 1)
                entries.append(DocumentNode.Entry(key: key, keyPosition: keyLocation, value: item))
                skipWhitespace()
                guard index < bytes.endIndex else { throw Failure() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw Failure() }
                index += 1
                return DocumentNode(.mapping(entries), at: here)
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [DocumentNode] = []
            skipWhitespace()
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return DocumentNode(.sequence(items), at: here)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.endIndex else { throw Failure() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw Failure() }
                index += 1
                return DocumentNode(.sequence(items), at: here)
            }
        case UInt8(ascii: "\""):
            return DocumentNode(.scalar(.init(text: try string(), isPlain: false)), at: here)
        case UInt8(ascii: "t"): return try literal("true", at: here)
        case UInt8(ascii: "f"): return try literal("false", at: here)
        case UInt8(ascii: "n"): return try literal("null", at: here)
        default:
            return DocumentNode(.scalar(.init(text: try number(), isPlain: true)), at: here)
        }
    }

    private mutating func literal(_ word: StaticString, at here: Position) throws(Failure) -> DocumentNode {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.endIndex else { throw Failure() }
        let matches = word.withUTF8Buffer { expected in (0..<count).allSatisfy { bytes[index + $0] == expected[$0] } }
        guard matches else { throw Failure() }
        index += count
        return DocumentNode(.scalar(.init(text: String(describing: word), isPlain: true)), at: here)
    }

    private mutating func number() throws(Failure) -> String {
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.endIndex, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - first
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.endIndex else { throw Failure() }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw Failure()
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw Failure() }
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw Failure() }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func string() throws(Failure) -> String {
        index += 1  // the opening quote
        let start = index
        // The common case, no escapes: one slice, decoded once.
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw Failure() }
            index += 1
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: String(decoding: bytes[start..<index], as: UTF8.self).unicodeScalars)
        var raw: [UInt8] = []
        func flush() {
            if !raw.isEmpty {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll(keepingCapacity: true)
            }
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                index += 1
                guard let scalar = JSONText.unescape(bytes, at: &index) else { throw Failure() }
                scalars.append(scalar)
            default:
                guard byte >= 0x20 else { throw Failure() }
                raw.append(byte)
                index += 1
            }
        }
        throw Failure()
    }
}
