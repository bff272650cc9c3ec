import Logging
import SQLiteNIO
import Synchronization
import TandemCatalog

/// The catalog on one SQLite file (the embedded default): one writer connection whose transactions
/// are serialised by a lock, and reader connections that WAL lets run beside it.
public final class SQLiteCatalogDatabase: SQLDatabase {
    let writer: SQLiteConnection
    let readers: [SQLiteConnection]
    let lock = AsyncLock()
    let next = Counter()
    public var dialect: SQLDialect {
        SQLDialect(
            lockRows: "", lockKeys: nil, searchMigration: Self.searchMigration,
            searchFrom: "items_search JOIN items ON items.rowid = items_search.rowid", searchCondition: "items_search MATCH ?",
            // FTS5 walks its matches in rowid order and the LIMIT stops it: no sort of every match. Rowids
            // grow with each insert, so this is newest first.
            searchOrder: "items_search.rowid DESC",
            // Each term a quoted prefix: FTS5's operators never come from what was typed.
            searchQuery: { terms in terms.map { "\"\($0)\"*" }.joined(separator: " ") })
    }

    /// An FTS5 index keyed by the items' rowids, kept by triggers, so that no write path can forget it.
    static let searchMigration: [String] = {
        let words = { (row: String) in
            let field = { (path: String) in "iif(json_valid(\(row).document), coalesce(json_extract(\(row).document, '\(path)'), ''), '')" }
            return [
                "\(row).name", "\(row).item_id", "\(row).description", field("$.resources.dockerImage"), "\(row).type", field("$.lifecycleStatus"),
                "\(row).tenant_id",
            ].joined(separator: " || ' ' || ")
        }
        return [
            "CREATE VIRTUAL TABLE items_search USING fts5(words, tokenize = 'unicode61 remove_diacritics 2')",
            "CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN INSERT INTO items_search (rowid, words) VALUES (new.rowid, \(words("new"))); END",
            "CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN DELETE FROM items_search WHERE rowid = old.rowid; END",
            """
            CREATE TRIGGER items_search_update AFTER UPDATE ON items BEGIN
                DELETE FROM items_search WHERE rowid = old.rowid;
                INSERT INTO items_search (rowid, words) VALUES (new.rowid, \(words("new")));
            END
            """,
            "INSERT INTO items_search (rowid, words) SELECT rowid, \(words("items")) FROM items",
            "CREATE INDEX items_by_name ON items (name, tenant_id, item_id, version)",
            // Signed out, only public items: their own index, so a page far down skips no private ones.
            "CREATE INDEX items_public_by_name ON items (name, tenant_id, item_id, version) WHERE is_public = 1",
        ]
    }()

    init(writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.writer = writer
        self.readers = readers
    }

    /// Opens (creating if needed) the database at `path`. `synchronous = FULL`: a batch is acknowledged
    /// only once it is on disk, so neither `kill -9` nor a power cut loses it.
    public static func open(path: String, readers readerCount: Int = 2) async throws -> SQLiteCatalogDatabase {
        let logger = Logger(label: "tandem.catalog.sqlite")
        do {
            let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            _ = try await writer.query("PRAGMA journal_mode = WAL")
            _ = try await writer.query("PRAGMA synchronous = FULL")
            _ = try await writer.query("PRAGMA busy_timeout = 5000")
            var readers: [SQLiteConnection] = []
            for _ in 0..<max(1, readerCount) {
                let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                _ = try await reader.query("PRAGMA busy_timeout = 5000")
                readers.append(reader)
            }
            return SQLiteCatalogDatabase(writer: writer, readers: readers)
        } catch {
            throw CatalogError(.storage, "cannot open the catalog database \(path): \(error)")
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        let reader = readers[next.increment() % readers.count]
        return try await body(SQLiteSession(connection: reader))
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        let session = SQLiteSession(connection: writer)
        return try await lock.withLock { try await session.transaction(begin: "BEGIN IMMEDIATE", body) }
    }

    public func close() async throws {
        for reader in readers { try await reader.close() }
        try await writer.close()
    }
}

struct SQLiteSession: SQLSession {
    let connection: SQLiteConnection

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]] {
        let data = binds.map { value -> SQLiteData in
            switch value {
            case .int(let number): .integer(Int(number))
            case .text(let text): .text(text)
            case .null: .null
            }
        }
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query(sql, data)
        } catch let error as SQLiteError {
            throw CatalogError(.storage, "SQLite: \(error.message)")
        }
        return rows.map { row in
            row.columns.map { column in
                switch column.data {
                case .integer(let number): .int(Int64(number))
                case .float(let number): .int(Int64(number))
                case .text(let text): .text(text)
                case .blob(let buffer): .text(String(buffer: buffer))
                case .null: .null
                }
            }
        }
    }
}

/// A counter shared by concurrent readers.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    func increment() -> Int {
        value.wrappingAdd(1, ordering: .relaxed).newValue & Int.max
    }
}
