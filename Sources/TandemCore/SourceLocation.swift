/// A place in an input file. Lines and columns start at 1; columns count Unicode scalars, as libyaml does.
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// Where a model element came from: its field path in the source format and, when known, its location.
/// Validation of the format-independent model reports problems through it, in the words of the source file.
public struct Origin: Sendable, Hashable, Codable {
    public var path: String
    public var location: SourceLocation?

    public init(path: String, location: SourceLocation? = nil) {
        self.path = path
        self.location = location
    }

    public static let unknown = Origin(path: "")
}
