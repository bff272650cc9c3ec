import Foundation
import Logging
import Synchronization
import TandemCatalog
import TandemCatalogClient
import TandemCatalogPostgres
import TandemCatalogSQLite
import TandemCatalogServer
import Testing

/// The databases the store contract runs on. PostgreSQL is the server `scripts/test.sh` starts
/// (`TANDEM_TEST_POSTGRES_URL`); with `TANDEM_REQUIRE_POSTGRES=1` (as in CI) its absence fails.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["TANDEM_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A store on a new SQLite file, or on the test PostgreSQL database; nil when PostgreSQL is not
    /// configured and not required.
    func open(path: String? = nil) async throws -> (any CatalogStore)? {
        switch self {
        case .sqlite:
            let file = path ?? temporaryFolder() + "/catalog.sqlite"
            let store = SQLCatalogStore(database: try await SQLiteCatalogDatabase.open(path: file))
            try await store.migrate()
            return store
        case .postgres:
            guard let url = Self.postgresURL else {
                if ProcessInfo.processInfo.environment["TANDEM_REQUIRE_POSTGRES"] == "1" {
                    Issue.record("TANDEM_REQUIRE_POSTGRES=1 but TANDEM_TEST_POSTGRES_URL is not set")
                }
                return nil
            }
            let database = try PostgresCatalogDatabase.connect(url: url)
            // Generous: under a loaded test run the first connection has taken over 10 s.
            try await database.checkReachable(within: .seconds(120))
            let store = SQLCatalogStore(database: database)
            try await store.migrate()
            return store
        }
    }
}

func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "tandem-catalog-tests-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A company name no other test uses, so tests can share one PostgreSQL database.
func uniqueCompany(_ base: String) -> String {
    "\(base)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// A valid sidecar item of `company` as canonical JSON, with a name to tell versions apart.
func sidecarJSON(itemId: String, company: String, name: String = "Proxy", image: String = "nginx:1.27", visibility: String? = nil) -> String {
    var fields = [
        "\"name\":\"\(name)\"", "\"itemId\":\"\(itemId)\"", "\"tenantId\":\"\(company)\"", "\"type\":\"sidecar\"",
        "\"description\":\"A proxy\"",
        "\"resources\":{\"name\":\"\(itemId)\",\"dockerImage\":\"\(image)\"}",
    ]
    if let visibility { fields.append("\"visibility\":\(visibility)") }
    return "{" + fields.joined(separator: ",") + "}"
}

func draft(itemId: String, company: String, name: String = "Proxy", shared: Bool = false) -> ItemDraft {
    ItemDraft(
        tenantId: company, itemId: itemId, name: name, type: "sidecar", description: "A proxy", allTenants: shared, isPublic: false,
        document: sidecarJSON(itemId: itemId, company: company, name: name))
}

/// A catalog server on a loopback port, on a new SQLite file, for one test.
struct RunningServer {
    var store: any CatalogStore
    var port: Int
    var task: Task<Void, any Error>
    var clock: ManualClock

    var endpoint: String { "http://127.0.0.1:\(port)" }

    func client(_ token: String?) -> CatalogClient { CatalogClient(endpoint: endpoint, token: token) }

    static func start() async throws -> RunningServer {
        let store = try await Backend.sqlite.open()!
        let clock = ManualClock()
        let server = CatalogServer(service: CatalogService(store: store, now: { clock.now }))
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            try await server.serve(host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CatalogError(.storage, "the server did not start") }
        return RunningServer(store: store, port: port, task: task, clock: clock)
    }

    func token(_ company: String, _ role: Role, expiresAt: Int64? = nil) async throws -> String {
        let (secret, record) = TokenSecret.generate(tenantId: company, name: "\(role)", role: role, at: clock.now, expiresAt: expiresAt)
        try await store.addToken(record)
        return secret
    }

    func stop() async throws {
        task.cancel()
        _ = await task.result
        try await store.close()
    }
}

/// Milliseconds a test can move forward (token expiry).
final class ManualClock: Sendable {
    private let value = Mutex<Int64>(1_790_000_000_000)
    var now: Int64 { value.withLock { $0 } }
    func advance(by milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

/// Runs `body` in a task of its own and waits for it at most `limit`: a body that never returns fails the
/// test, saying `what` and how far it got, instead of stalling the whole test run (the task is left behind).
func bounded<T: Sendable>(
    _ limit: Duration, _ what: String, progress: @escaping @Sendable () -> String = { "" }, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = Mutex<Result<T, any Error>?>(nil)
    let task = Task {
        do {
            let value = try await body()
            outcome.withLock { $0 = .success(value) }
        } catch {
            outcome.withLock { $0 = .failure(error) }
        }
    }
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if let result = outcome.withLock({ $0 }) { return try result.get() }
        try await Task.sleep(for: .milliseconds(10))
    }
    task.cancel()
    Issue.record("\(what) did not finish within \(limit): \(progress())", sourceLocation: sourceLocation)
    throw CatalogError(.storage, "\(what) did not finish within \(limit)")
}

/// A count that concurrent tasks raise.
final class Tally: Sendable {
    private let value = Atomic<Int>(0)
    var count: Int { value.load(ordering: .relaxed) }
    func add() { value.add(1, ordering: .relaxed) }
}
