/// One problem found in an input, printed compiler-style: `FILE:LINE:COLUMN: error: FIELD.PATH: message`.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case error
        case warning
        case note

        private var rank: Int {
            switch self {
            case .error: 0
            case .warning: 1
            case .note: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public var severity: Severity
    /// The file the problem is in, even when no line is known (an unreadable file, a missing field).
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The field path in the input's own terms (`sidecars.nginx.depends_on.app`); empty for the whole file.
    public var path: String
    public var message: String

    public init(_ severity: Severity, file: String, line: Int? = nil, column: Int? = nil, path: String, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public init(_ severity: Severity, at location: SourceLocation?, file: String, path: String, message: String) {
        self.init(severity, file: location?.file ?? file, line: location?.line, column: location?.column, path: path, message: message)
    }

    public init(_ severity: Severity, origin: Origin, file: String, message: String) {
        self.init(severity, at: origin.location, file: file, path: origin.path, message: message)
    }

    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": \(severity.rawValue): "
        if !path.isEmpty { text += "\(path): " }
        return text + message
    }

    /// Deterministic order: by file, then position (unlocated first), then severity, path and message.
    public static func ordered(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        let unique = diagnostics.filter { seen.insert($0).inserted }
        return unique.sorted { a, b in
            if a.file != b.file { return a.file < b.file }
            let la = a.line ?? 0
            let lb = b.line ?? 0
            if la != lb { return la < lb }
            let ca = a.column ?? 0
            let cb = b.column ?? 0
            if ca != cb { return ca < cb }
            if a.severity != b.severity { return a.severity < b.severity }
            if a.path != b.path { return a.path < b.path }
            return a.message < b.message
        }
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
    public var errors: [Diagnostic] { filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }
}
