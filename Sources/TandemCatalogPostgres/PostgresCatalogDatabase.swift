import Logging
import PostgresNIO
import Synchronization
import TandemCatalog

/// The catalog on a PostgreSQL server, through a connection pool. Writers of the same item are
/// serialised by transaction-scoped advisory locks, taken in key order.
public final class PostgresCatalogDatabase: SQLDatabase {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger = Logger(label: "tandem.catalog.postgres")

    public var dialect: SQLDialect {
        SQLDialect(
            lockRows: " FOR UPDATE",
            lockKeys: { session, keys in
                // One statement for all keys; the sorted subquery makes the locks come in key order.
                let values = Array(repeating: "(?)", count: keys.count).joined(separator: ", ")
                try await session.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(k)) FROM (SELECT column1 AS k FROM (VALUES \(values)) AS v ORDER BY column1) AS sorted",
                    keys.map(SQLValue.text))
            }, analyzeItems: "ANALYZE items", searchMigration: PostgresSession.searchMigration, searchCondition: "search_words @@ to_tsquery('simple', ?)",
            // Object ids begin with their creation time: newest first along the primary key, which a common
            // word lets the planner walk and stop early, a rare one sort after the GIN index.
            searchOrder: "items.object_id DESC",
            // Each term a prefix (`:*`), all required; terms are letters and digits only.
            searchQuery: { terms in terms.map { "\($0):*" }.joined(separator: " & ") })
    }

    /// `host:port`, for messages.
    let address: String

    init(client: PostgresClient, address: String) {
        self.client = client
        self.address = address
        runner = Task { await client.run() }
    }

    /// Connects to `url` (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`). The password never appears
    /// in an error.
    public static func connect(url: String, maxConnections: Int = 8) throws -> PostgresCatalogDatabase {
        guard let parsed = DatabaseURL(url) else {
            throw CatalogError(.invalid, "not a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE): \(redactedDatabaseURL(url))")
        }
        var configuration = PostgresClient.Configuration(
            host: parsed.host, port: parsed.port, username: parsed.user, password: parsed.password, database: parsed.database, tls: .disable)
        configuration.options.maximumConnections = maxConnections
        // Errors only: the pool warns when a lease comes before run() has started, which it waits for anyway.
        var background = Logger(label: "tandem.catalog.postgres")
        background.logLevel = .error
        return PostgresCatalogDatabase(
            client: PostgresClient(configuration: configuration, backgroundLogger: background), address: "\(parsed.host):\(parsed.port)")
    }

    /// Waits until the server answers a `SELECT 1`, at most `limit`. The pool retries a refused
    /// connection for ever, so without this an unreachable server hangs whatever asks it first.
    public func checkReachable(within limit: Duration = .seconds(10)) async throws {
        let probe = Task { [client, logger] in _ = try await client.query("SELECT 1", logger: logger) }
        switch await outcome(of: probe, within: limit) {
        case .success: return
        case .failure(let error as PSQLError): throw CatalogError(.storage, "PostgreSQL: \(error.serverInfo?[.message] ?? "\(error.code)")")
        case .failure(let error): throw CatalogError(.storage, "PostgreSQL: \(error)")
        case nil:
            probe.cancel()
            throw CatalogError(.storage, "PostgreSQL at \(address) does not answer (waited \(limit)): is the server running, and are host and port right?")
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await body(PostgresSession(connection: connection, logger: logger))
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await PostgresSession(connection: connection, logger: logger).transaction(begin: "BEGIN", body)
        }
    }

    /// Ends the pool: its connections are closed. Waited for at most 5 s: a pool that never finished
    /// shutting down must not keep a server from exiting or a caller from going on.
    public func close() async throws {
        runner.cancel()
        _ = await outcome(of: runner, within: .seconds(5))
    }
}

/// What `task` ends with, if it ends within `limit`; nil if it has not by then (it is left running).
private func outcome<Success: Sendable, Failure: Error>(of task: Task<Success, Failure>, within limit: Duration) async -> Result<Success, Failure>? {
    let settled = Settled<Success, Failure>()
    Task { await settled.set(task.result) }
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if let result = settled.result { return result }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return nil
}

private final class Settled<Success: Sendable, Failure: Error>: Sendable {
    private let value = Mutex<Result<Success, Failure>?>(nil)
    var result: Result<Success, Failure>? { value.withLock { $0 } }
    func set(_ result: Result<Success, Failure>) { value.withLock { $0 = result } }
}

struct PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .int(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .null: bindings.appendNull()
            }
        }
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: bindings), logger: logger)
            var result: [[SQLValue]] = []
            for try await row in rows {
                var values: [SQLValue] = []
                for cell in row {
                    if cell.bytes == nil {
                        values.append(.null)
                    } else if cell.dataType == .int8 || cell.dataType == .int4 || cell.dataType == .int2 {
                        values.append(.int(try cell.decode(Int64.self)))
                    } else if cell.dataType == .void {
                        values.append(.null)
                    } else {
                        values.append(.text(try cell.decode(String.self)))
                    }
                }
                result.append(values)
            }
            return result
        } catch let error as PSQLError {
            throw CatalogError(.storage, "PostgreSQL: \(error.serverInfo?[.message] ?? "\(error.code)")")
        }
    }

    /// A generated tsvector of the searchable fields (punctuation made spaces, as SQLite's tokenizer
    /// does) with a GIN index: kept by the database itself on every write.
    static let searchMigration: [String] = [
        """
        ALTER TABLE items ADD COLUMN search_words tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, regexp_replace(lower(
            name || ' ' || item_id || ' ' || description || ' ' || coalesce((document::jsonb) #>> '{resources,dockerImage}', '') || ' ' ||
            type || ' ' || coalesce((document::jsonb) ->> 'lifecycleStatus', '') || ' ' || tenant_id), '[^[:alnum:]]+', ' ', 'g'))) STORED
        """,
        "CREATE INDEX items_search_words ON items USING GIN (search_words)",
        "CREATE INDEX items_by_name ON items (name, tenant_id, item_id, version)",
        // Signed out, only public items: their own indexes, so neither a page far down nor a common word
        // walks past private ones.
        "CREATE INDEX items_public_by_name ON items (name, tenant_id, item_id, version) WHERE is_public = 1",
        "CREATE INDEX items_public_newest ON items (object_id) WHERE is_public = 1",
    ]

    /// `?` placeholders as PostgreSQL's `$1`, `$2`, ...
    static func numbered(_ sql: String) -> String {
        var output = ""
        var count = 0
        for character in sql {
            if character == "?" {
                count += 1
                output += "$\(count)"
            } else {
                output.append(character)
            }
        }
        return output
    }
}

/// The parts of a `postgres://` URL.
struct DatabaseURL {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String

    init?(_ text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else {
            return nil
        }
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let credentials = rest[..<at]
        let location = rest[rest.index(after: at)...]
        if let colon = credentials.firstIndex(of: ":") {
            user = String(credentials[..<colon])
            password = String(credentials[credentials.index(after: colon)...])
        } else {
            user = String(credentials)
        }
        guard let slash = location.firstIndex(of: "/") else { return nil }
        let hostPort = location[..<slash]
        database = String(location[location.index(after: slash)...].prefix { $0 != "?" })
        if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let number = Int(hostPort[hostPort.index(after: colon)...]) else { return nil }
            port = number
        } else {
            host = String(hostPort)
            port = 5432
        }
        guard !user.isEmpty, !host.isEmpty, !database.isEmpty else { return nil }
    }
}
