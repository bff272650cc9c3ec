/// A value bound to or read from a SQL statement. The catalog's schema uses only these two column
/// types (booleans are 0/1), so one row format serves SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable {
    case int(Int64)
    case text(String)
    case null

    public var int: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}

/// Statements run on one connection, inside or outside a transaction. SQL is written with `?`
/// placeholders; a PostgreSQL session numbers them.
public protocol SQLSession: Sendable {
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]]
}

extension SQLSession {
    public func execute(_ sql: String, _ binds: [SQLValue] = []) async throws {
        _ = try await query(sql, binds)
    }

    /// Runs `body` between `begin` and COMMIT on this session, rolling back when it throws.
    public func transaction<T: Sendable>(begin: String, _ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await execute(begin)
        do {
            let result = try await body(self)
            try await execute("COMMIT")
            return result
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
    }
}

/// The differences between the databases that the catalog's SQL cannot hide.
public struct SQLDialect: Sendable {
    /// Appended to a SELECT that will be followed by an update in the same transaction.
    public var lockRows: String
    /// Serialises writers of the same items across connections (PostgreSQL's advisory locks, taken in
    /// the order given); SQLite has one writer at a time already.
    public var lockKeys: (@Sendable (any SQLSession, [String]) async throws -> Void)?
    /// Refreshes the planner's statistics of the items table after bulk inserts (PostgreSQL's
    /// `ANALYZE`), nil where the planner does without (SQLite).
    public var analyzeItems: String?

    /// The statements that make the items searchable by words (SQLite's FTS5, PostgreSQL's full-text
    /// search) and keep them so: the name, itemId, description, image, type, lifecycle status and company.
    public var searchMigration: [String]
    /// What a search by words selects from (the items, joined to their index where it is a table of its own).
    public var searchFrom: String
    /// The condition a search adds for its words, with one `?` for `searchQuery`'s text.
    public var searchCondition: String
    /// Newest items first, in the order the index can give them without sorting every match: a word that
    /// every item has costs what a rare one does.
    public var searchOrder: String
    /// The database's query text for search terms (letters and digits only, see `ItemSearch.terms`),
    /// each matched as a word's beginning, all of them required.
    public var searchQuery: @Sendable ([String]) -> String

    public init(
        lockRows: String, lockKeys: (@Sendable (any SQLSession, [String]) async throws -> Void)?, analyzeItems: String? = nil,
        searchMigration: [String], searchFrom: String = "items", searchCondition: String, searchOrder: String,
        searchQuery: @escaping @Sendable ([String]) -> String
    ) {
        self.lockRows = lockRows
        self.lockKeys = lockKeys
        self.analyzeItems = analyzeItems
        self.searchMigration = searchMigration
        self.searchFrom = searchFrom
        self.searchCondition = searchCondition
        self.searchOrder = searchOrder
        self.searchQuery = searchQuery
    }
}

/// A database the catalog can run on: reads on any connection, writes in a transaction that commits
/// when `body` returns and rolls back when it throws.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T
    func transaction<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T
    func close() async throws
}
