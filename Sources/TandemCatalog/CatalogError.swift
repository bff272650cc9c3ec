/// A failure of the catalog with a stable code (what an HTTP status or an exit status is chosen from)
/// and a message for people. Messages never contain a token or a database password.
public struct CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The request or an item in it is wrong; nothing was stored for it.
        case invalid
        case notFound
        /// No token, an unknown, revoked or expired one.
        case unauthorized
        /// A valid token whose company or role does not allow this.
        case forbidden
        case conflict
        case tooLarge
        /// A body whose Content-Type is not one the route reads.
        case unsupportedMediaType
        /// A route that exists, called with a method it does not take.
        case methodNotAllowed
        /// The database failed; the message says which operation.
        case storage
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
