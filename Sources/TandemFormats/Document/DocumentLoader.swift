import Foundation
import TandemCore
import Yams

/// Reads one YAML or JSON document (JSON is read by the YAML parser, as miactl does) into a located tree.
/// Every failure is a diagnostic with a position, in bounded time and memory, never a crash:
/// sizes, nesting depth and alias expansion are all capped before or while parsing.
public enum DocumentLoader {
    public struct Limits: Sendable {
        /// Larger files are refused before they are read. Manifests are kilobytes; this leaves room for
        /// catalog items with big config files while keeping a parse well under a gigabyte of memory.
        public var maxBytes: Int
        /// An upper bound on nesting, checked by a scan before the (recursive) parser sees the text.
        public var maxDepth: Int
        /// The most nodes a document may expand to, aliases included (a billion-laughs guard).
        public var maxNodes: Int

        public init(maxBytes: Int = 4 << 20, maxDepth: Int = 256, maxNodes: Int = 1_000_000) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
        }

        public static let standard = Limits()
    }

    public struct Result: Sendable {
        public var root: DocumentNode?
        public var diagnostics: [Diagnostic]
    }

    /// Reads a file from disk, refusing oversized files by their size, before reading them.
    public static func load(path: String, displayName: String? = nil, limits: Limits = .standard) -> Result {
        let file = displayName ?? path
        // open, fstat and read: one descriptor, the size checked before a byte is read.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return failure(file, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            return failure(file, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            return failure(file, "is a directory")
        }
        let size = Int(status.st_size)
        if size > limits.maxBytes {
            return failure(file, "the file is \(formatBytes(size)); the largest input Tandem reads is \(formatBytes(limits.maxBytes))")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + filled, size - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return failure(file, "cannot read the file: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            filled += count
        }
        // A file that grew while being read is taken as far as it was when measured.
        if filled < size { bytes.removeSubrange(filled...) }
        return load(bytes: bytes, file: file, limits: limits)
    }

    public static func load(text: String, file: String, limits: Limits = .standard) -> Result {
        load(bytes: Array(text.utf8), file: file, limits: limits)
    }

    public static func load(bytes input: [UInt8], file: String, limits: Limits = .standard) -> Result {
        if input.count > limits.maxBytes {
            return failure(file, "the file is \(formatBytes(input.count)); the largest input Tandem reads is \(formatBytes(limits.maxBytes))")
        }
        var bytes = input[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        // Most inputs are ASCII: one scan proves them valid UTF-8 without building a String.
        let isASCII = bytes.allSatisfy { $0 < 0x80 }
        if !isASCII, String(validating: bytes, as: UTF8.self) == nil {
            let (offset, line, column) = firstInvalidUTF8(bytes)
            return Result(
                root: nil,
                diagnostics: [
                    Diagnostic(
                        .error, file: file, line: line, column: column, path: "",
                        message: String(format: "the file is not valid UTF-8 (byte 0x%02X at offset %d)", bytes[bytes.startIndex + offset], offset))
                ])
        }
        if isBlank(bytes) {
            return failure(file, "the file is empty")
        }
        if let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }), first == UInt8(ascii: "{") {
            switch JSONReader.read(bytes, file: file, limits: limits) {
            case .document(let root): return Result(root: root, diagnostics: [])
            case .problem(let diagnostic): return Result(root: nil, diagnostics: [diagnostic])
            case .fallback: break
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let deep = NestingScanner.firstTooDeep(text, limit: limits.maxDepth) {
            return Result(
                root: nil,
                diagnostics: [
                    Diagnostic(
                        .error, file: file, line: deep.line, column: deep.column, path: "",
                        message: "the document nests deeper than \(limits.maxDepth) levels")
                ])
        }
        let node: Node?
        do {
            // An empty resolver: scalars are typed by DocumentNode (YAML 1.2 core), not by Yams' YAML 1.1 rules,
            // and no regular expression runs per scalar.
            node = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8).singleRoot()
        } catch let error as YamlError {
            // A .json file that is not JSON: say so at the JSON's own position, not at YAML's.
            if file.lowercased().hasSuffix(".json") {
                do throws(JSONValue.ParseError) {
                    _ = try JSONValue.parse(Array(bytes))
                } catch {
                    let (line, column) = lineAndColumn(ofByte: error.offset, in: text)
                    let index = bytes.index(bytes.startIndex, offsetBy: min(error.offset, bytes.count), limitedBy: bytes.endIndex) ?? bytes.endIndex
                    let found = index < bytes.endIndex ? "\"\(String(decoding: [bytes[index]], as: UTF8.self))\"" : "the end of the file"
                    return Result(
                        root: nil,
                        diagnostics: [Diagnostic(.error, file: file, line: line, column: column, path: "", message: "malformed JSON: unexpected \(found)")])
                }
            }
            return Result(root: nil, diagnostics: [diagnostic(for: error, text: text, file: file)])
        } catch {
            return failure(file, "malformed document: \(error)")
        }
        guard let node else { return failure(file, "the file is empty") }
        var converter = Converter(file: file, budget: limits.maxNodes)
        do {
            let root = try converter.convert(node, fallback: Position(line: 1, column: 1))
            return Result(root: root, diagnostics: converter.diagnostics)
        } catch {
            return Result(root: nil, diagnostics: converter.diagnostics + [error.diagnostic])
        }
    }

    static func failure(_ file: String, _ message: String) -> Result {
        Result(root: nil, diagnostics: [Diagnostic(.error, file: file, path: "", message: message)])
    }

    static func formatBytes(_ count: Int) -> String {
        if count >= 1 << 20 { return String(format: "%.1f MiB", Double(count) / 1_048_576) }
        if count >= 1 << 10 { return String(format: "%.1f KiB", Double(count) / 1024) }
        return "\(count) bytes"
    }

    /// Nothing but whitespace, comments and document markers, found in one pass over the bytes.
    static func isBlank(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            // At the start of a line: skip indentation, then decide on the first character.
            while index < bytes.endIndex, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D { index += 1 }
            guard index < bytes.endIndex else { return true }
            let lineEnd = bytes[index...].firstIndex(of: 0x0A) ?? bytes.endIndex
            let line = bytes[index..<lineEnd]
            let isMarker = line.starts(with: Array("---".utf8)) || line.starts(with: Array("...".utf8))
            if !(line.isEmpty || line.first == UInt8(ascii: "#") || (isMarker && line.dropFirst(3).allSatisfy { $0 == 0x20 || $0 == 0x0D })) {
                return false
            }
            index = lineEnd == bytes.endIndex ? lineEnd : lineEnd + 1
        }
        return true
    }

    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> (offset: Int, line: Int, column: Int) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var line = 1
        var column = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput:
                return (offset, line, column)
            case .error:
                return (offset, line, column)
            }
        }
    }

    static func location(_ mark: Mark?, file: String) -> SourceLocation? {
        mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
    }

    static func diagnostic(for error: YamlError, text: String, file: String) -> Diagnostic {
        func located(_ mark: Mark?, _ message: String) -> Diagnostic {
            Diagnostic(.error, at: location(mark, file: file), file: file, path: "", message: message)
        }
        func describe(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context, !context.text.isEmpty else { return problem }
            return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            // YAML forbids tabs in indentation; the scanner's words do not say that is what it found.
            if problem.hasPrefix("found character that cannot start any token"), character(at: mark, in: text) == "\t" {
                return located(mark, "malformed YAML: a tab here; YAML indents with spaces only")
            }
            return located(mark, "malformed YAML: \(describe(problem, context))")
        case .composer(let context, let problem, let mark, _):
            if context?.text == "expected a single document in the stream" {
                return located(mark, "the file holds more than one document; Tandem reads one per file")
            }
            return located(mark, "malformed YAML: \(describe(problem, context))")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let (line, column) =
                secondOccurrence(of: key, after: context.mark, in: text) ?? (context.mark.line, context.mark.column)
            let names = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return Diagnostic(.error, file: file, line: line, column: column, path: "", message: "duplicate key \(names) in the same mapping")
        case .reader(let problem, let offset, _, _):
            if let offset {
                let (line, column) = lineAndColumn(ofByte: offset, in: text)
                return Diagnostic(.error, file: file, line: line, column: column, path: "", message: "unreadable input: \(problem)")
            }
            return located(nil, "unreadable input: \(problem)")
        default:
            return located(nil, "malformed document: \(error)")
        }
    }

    /// The character at a scanner's mark (1-based line and column), nil past the text.
    static func character(at mark: Mark, in text: String) -> Character? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let line = lines[mark.line - 1]
        guard mark.column >= 1, mark.column <= line.count else { return nil }
        return line[line.index(line.startIndex, offsetBy: mark.column - 1)]
    }

    /// Yams reports a duplicated key at its first occurrence; users need the second one. Both start in the
    /// same column, so look for the next line with the key at that column.
    static func secondOccurrence(of key: String, after mark: Mark, in text: String) -> (Int, Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let blockForms = [key + ":", "\"\(key)\":", "'\(key)':", "\"\(key)\" :"]
        let quoted = Array("\"\(key)\"".unicodeScalars)
        for index in (mark.line - 1)..<lines.count {
            let scalars = Array(lines[index].unicodeScalars)
            if index > mark.line - 1, scalars.count >= mark.column {
                let rest = String(String.UnicodeScalarView(scalars[(mark.column - 1)...]))
                if blockForms.contains(where: { rest.hasPrefix($0) }) { return (index + 1, mark.column) }
            }
            // A flow mapping (JSON) may keep both keys on one line: look for the quoted key past the first.
            guard quoted.count <= scalars.count else { continue }
            for start in 0...(scalars.count - quoted.count) where Array(scalars[start..<(start + quoted.count)]) == quoted {
                let column = start + 1
                if index > mark.line - 1 || column > mark.column { return (index + 1, column) }
            }
        }
        return nil
    }

    static func lineAndColumn(ofByte offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        var consumed = 0
        for scalar in text.unicodeScalars {
            if consumed >= offset { break }
            consumed += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

struct LoadError: Error {
    var diagnostic: Diagnostic
}

extension Error {
    fileprivate var diagnostic: Diagnostic {
        if let error = self as? LoadError { return error.diagnostic }
        return Diagnostic(.error, file: "", path: "", message: "\(self)")
    }
}

/// Turns Yams' nodes into DocumentNodes, expanding `<<` merge keys and counting nodes against a budget,
/// since an alias is shared by Yams but expanded by every walk over the tree.
struct Converter {
    let file: String
    var budget: Int
    var diagnostics: [Diagnostic] = []

    init(file: String, budget: Int) {
        self.file = file
        self.budget = budget
    }

    mutating func convert(_ node: Node, fallback: Position) throws -> DocumentNode {
        budget -= 1
        let here = node.mark.map { Position(line: $0.line, column: $0.column) } ?? fallback
        if budget < 0 {
            throw LoadError(
                diagnostic: Diagnostic(
                    .error, at: here.location(in: file), file: file, path: "",
                    message: "the document expands to too many nodes (aliases repeated too often?)"))
        }
        switch node {
        case .scalar(let scalar):
            let tagName = scalar.tag.description
            return DocumentNode(
                .scalar(.init(text: scalar.string, isPlain: scalar.style == .plain, tag: tagName.isEmpty ? nil : tagName)),
                at: here)
        case .sequence(let sequence):
            var items: [DocumentNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try convert(item, fallback: here)) }
            return DocumentNode(.sequence(items), at: here)
        case .mapping(let mapping):
            var entries: [DocumentNode.Entry] = []
            var merged: [DocumentNode.Entry] = []
            for (key, value) in mapping {
                let keyLocation = key.mark.map { Position(line: $0.line, column: $0.column) } ?? here
                guard case .scalar(let keyScalar) = key else {
                    throw LoadError(
                        diagnostic: Diagnostic(.error, at: keyLocation.location(in: file), file: file, path: "", message: "mapping keys must be plain strings"))
                }
                if keyScalar.string == "<<" && keyScalar.style == .plain {
                    merged += try mergeEntries(value, at: keyLocation)
                    continue
                }
                entries.append(.init(key: keyScalar.string, keyPosition: keyLocation, value: try convert(value, fallback: keyLocation)))
            }
            if !merged.isEmpty {
                // Keys written in the mapping win over merged ones; among merged mappings the first wins.
                var present = Set(entries.map(\.key))
                for entry in merged where present.insert(entry.key).inserted { entries.append(entry) }
            }
            return DocumentNode(.mapping(entries), at: here)
        case .alias:
            throw LoadError(diagnostic: Diagnostic(.error, at: here.location(in: file), file: file, path: "", message: "unresolved alias"))
        }
    }

    private mutating func mergeEntries(_ value: Node, at location: Position) throws -> [DocumentNode.Entry] {
        let sources: [Node]
        switch value {
        case .mapping: sources = [value]
        case .sequence(let sequence): sources = Array(sequence)
        default:
            throw LoadError(
                diagnostic: Diagnostic(
                    .error, at: location.location(in: file), file: file, path: "", message: "a << merge key takes a mapping or a list of mappings"))
        }
        var result: [DocumentNode.Entry] = []
        for source in sources {
            let converted = try convert(source, fallback: location)
            guard let entries = converted.entries else {
                throw LoadError(
                    diagnostic: Diagnostic(
                        .error, at: converted.position.location(in: file), file: file, path: "", message: "a << merge key takes a mapping or a list of mappings"
                    ))
            }
            result += entries
        }
        return result
    }
}
