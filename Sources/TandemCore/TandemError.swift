/// The error type of Tandem's libraries: an extensible code and a message that names the object concerned.
/// Messages are lower-case sentences without a trailing period, so they compose into `Error: <message>`.
public struct TandemError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let invalidArgument = Code("invalidArgument")
        public static let unreadableInput = Code("unreadableInput")
        public static let invalidInput = Code("invalidInput")
        public static let notFound = Code("notFound")
        public static let unsupported = Code("unsupported")
        public static let internalError = Code("internalError")
        /// The runtime's: no unit answers on the control socket; it answered, but not as Tandem does;
        /// the unit refused the request; a socket, folder or file the run needs cannot be had.
        public static let notRunning = Code("notRunning")
        public static let unreachable = Code("unreachable")
        public static let refused = Code("refused")
        public static let unavailable = Code("unavailable")
    }

    public var code: Code
    public var message: String
    /// The diagnostics behind an `invalidInput` error, in order.
    public var diagnostics: [Diagnostic]

    public init(_ code: Code, _ message: String, diagnostics: [Diagnostic] = []) {
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
    }

    public var description: String { message }
}
