/// The JSON bodies of the catalog's HTTP API, shared by the server and the client. Field names and
/// types follow miactl's structs (`internal/resources`), so that miactl decodes every answer; `status`,
/// `unchanged` and the messages' locations are Tandem's additions.
public enum CatalogAPI {
    public struct Message: Codable, Sendable, Equatable {
        public var message: String
        /// Where in the item, when the problem is in one field (`resources.name`).
        public var path: String?
        public var line: Int?
        public var column: Int?

        public init(message: String, path: String? = nil, line: Int? = nil, column: Int? = nil) {
            self.message = message
            self.path = path
            self.line = line
            self.column = column
        }
    }

    public struct ApplyItemOutcome: Codable, Sendable, Equatable {
        public var _id: String?
        public var itemId: String?
        public var done: Bool
        public var inserted: Bool
        public var updated: Bool
        public var unchanged: Bool
        /// `Created`, `Updated` or `Unchanged`; absent when the item was not applied.
        public var status: String?
        public var validationErrors: [Message]
        public var errors: [Message]

        public init(
            _id: String? = nil, itemId: String?, done: Bool, status: ApplyStatus? = nil, validationErrors: [Message] = [],
            errors: [Message] = []
        ) {
            self._id = _id
            self.itemId = itemId
            self.done = done
            self.inserted = status == .created
            // miactl prints an item neither inserted nor updated as UNKNOWN; the Marketplace answers
            // an unchanged item as updated (it upserts), so does this catalog, with `unchanged` beside.
            self.updated = status == .updated || status == .unchanged
            self.unchanged = status == .unchanged
            self.status = status?.rawValue
            // The marketplace family reads `validationErrors`, the catalog family (v14) `errors`.
            self.validationErrors = validationErrors
            self.errors = errors.isEmpty ? validationErrors : errors
        }
    }

    public struct ApplyResponse: Codable, Sendable, Equatable {
        public var done: Bool
        public var items: [ApplyItemOutcome]

        public init(done: Bool, items: [ApplyItemOutcome]) {
            self.done = done
            self.items = items
        }
    }

    /// Every error: miactl prints `message`; `statusCode` and `error` are as the Console's backend writes them.
    public struct ErrorBody: Codable, Sendable, Equatable {
        public var statusCode: Int
        public var error: String
        public var code: String
        public var message: String

        public init(statusCode: Int, error: String, code: String, message: String) {
            self.statusCode = statusCode
            self.error = error
            self.code = code
            self.message = message
        }
    }

    /// One version of an item, as miactl's `marketplace.Release` reads it (`version` a string).
    public struct Release: Codable, Sendable, Equatable {
        public var _id: String
        public var itemId: String
        public var version: String
        public var name: String
        public var description: String

        public init(_ item: StoredItem) {
            _id = item.objectId.hex
            itemId = item.itemId
            version = item.version
            name = item.name
            description = item.description
        }
    }

    /// `/api/version`, as miactl's `resources.Version` reads it: the Console version whose routes this
    /// catalog serves (miactl's `catalog` commands need 14.0 or later).
    public struct ConsoleVersion: Codable, Sendable, Equatable {
        public var version: String
        public var major: String
        public var minor: String

        public static let served = ConsoleVersion(version: "14.0.0", major: "14", minor: "0")
    }

    /// The answer of `/api/m2m/oauth/token` (RFC 6749 section 5.1).
    public struct AccessToken: Codable, Sendable, Equatable {
        public var access_token: String
        public var token_type: String
        public var expires_in: Int

        public init(access_token: String, token_type: String, expires_in: Int) {
            self.access_token = access_token
            self.token_type = token_type
            self.expires_in = expires_in
        }
    }

    /// A failed token request (RFC 6749 section 5.2), with miactl's `message`.
    public struct OAuthError: Codable, Sendable, Equatable {
        public var error: String
        public var error_description: String
        public var statusCode: Int
        public var message: String

        public init(error: String, description: String, statusCode: Int) {
            self.error = error
            self.error_description = description
            self.statusCode = statusCode
            self.message = description
        }
    }

    /// An uploaded image, as miactl's `marketplace.UploadImageResponse` reads it; `location` is what an
    /// item's `imageUrl` is set to.
    public struct UploadedFile: Codable, Sendable, Equatable {
        public var _id: String
        public var name: String
        public var file: String
        public var size: Int
        public var location: String

        public init(_id: String, name: String, file: String, size: Int, location: String) {
            self._id = _id
            self.name = name
            self.file = file
            self.size = size
            self.location = location
        }
    }

    public struct RevisionEntry: Codable, Sendable, Equatable {
        public var revision: Int
        public var action: String
        public var actor: String
        /// RFC 3339, UTC.
        public var at: String
        public var changes: [String]

        public init(revision: Int, action: String, actor: String, at: String, changes: [String]) {
            self.revision = revision
            self.action = action
            self.actor = actor
            self.at = at
            self.changes = changes
        }
    }

    public struct RestoreRequest: Codable, Sendable, Equatable {
        public var revision: Int

        public init(revision: Int) { self.revision = revision }
    }
}
