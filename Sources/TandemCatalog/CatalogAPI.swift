/// The JSON bodies of the catalog's HTTP API, shared by the server and the client. Field names follow
/// the Marketplace's (`_id`, `done`, `inserted`, `updated`, `validationErrors`) so that a client
/// written for it works; `status` and `unchanged` are Tandem's additions.
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
            self.updated = status == .updated
            self.unchanged = status == .unchanged
            self.status = status?.rawValue
            self.validationErrors = validationErrors
            self.errors = errors
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

    public struct ErrorBody: Codable, Sendable, Equatable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public struct VersionEntry: Codable, Sendable, Equatable {
        public struct Version: Codable, Sendable, Equatable {
            public var name: String
        }

        public var _id: String
        public var itemId: String
        public var name: String
        public var description: String
        public var version: Version

        public init(_ item: StoredItem) {
            _id = item.objectId.hex
            itemId = item.itemId
            name = item.name
            description = item.description
            version = Version(name: item.version)
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
