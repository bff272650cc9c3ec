import Synchronization

/// A store in front of another that keeps items read by object id in memory for a short time, so that
/// the hot read path (a GET by id) costs no database round trip.
///
/// Writes through this store invalidate what they touch, so a server reads its own writes at once.
/// Changes made around it (another server on the same database) are seen once an entry is older than
/// `lifetime`: one second by default.
public final class CachingCatalogStore: CatalogStore {
    public let base: any CatalogStore
    let lifetime: Duration
    let capacity: Int
    /// Monotonic time; a test gives its own.
    let uptime: @Sendable () -> Duration

    struct Entry<Value> {
        var value: Value
        var storedAt: Duration
    }

    let items = Mutex<[ObjectID: Entry<StoredItem?>]>([:])

    public init(
        _ base: any CatalogStore, lifetime: Duration = .seconds(1), capacity: Int = 50_000, uptime: @escaping @Sendable () -> Duration = Uptime.now
    ) {
        self.base = base
        self.lifetime = lifetime
        self.capacity = capacity
        self.uptime = uptime
    }

    public func item(_ objectId: ObjectID) async throws -> StoredItem? {
        let now = uptime()
        if let entry = items.withLock({ $0[objectId] }), now - entry.storedAt < lifetime { return entry.value }
        let item = try await base.item(objectId)
        items.withLock { items in
            if items.count >= capacity { items.removeAll(keepingCapacity: true) }
            items[objectId] = Entry(value: item, storedAt: now)
        }
        return item
    }

    func forget(_ objectIds: some Sequence<ObjectID>) {
        items.withLock { items in
            for objectId in objectIds { items[objectId] = nil }
        }
    }

    public func apply(_ drafts: [ItemDraft], actor: String, at: Int64) async throws -> [AppliedItem] {
        let applied = try await base.apply(drafts, actor: actor, at: at)
        forget(applied.filter { $0.status != .unchanged }.map(\.objectId))
        return applied
    }

    public func delete(_ objectId: ObjectID, actor: String, at: Int64) async throws -> Bool {
        defer { forget([objectId]) }
        return try await base.delete(objectId, actor: actor, at: at)
    }

    public func restore(_ objectId: ObjectID, revision: Int, actor: String, at: Int64) async throws -> AppliedItem {
        defer { forget([objectId]) }
        return try await base.restore(objectId, revision: revision, actor: actor, at: at)
    }

    public func revokeToken(id: String, at: Int64) async throws -> Bool { try await base.revokeToken(id: id, at: at) }
    public func token(hash: String) async throws -> TokenRecord? { try await base.token(hash: hash) }

    public func migrate() async throws { try await base.migrate() }
    public func item(_ key: ItemKey) async throws -> StoredItem? { try await base.item(key) }
    public func list(_ query: ItemQuery) async throws -> [StoredItem] { try await base.list(query) }
    public func versions(tenantId: String, itemId: String) async throws -> [StoredItem] {
        try await base.versions(tenantId: tenantId, itemId: itemId)
    }
    public func history(_ objectId: ObjectID) async throws -> [Revision] { try await base.history(objectId) }
    public func addToken(_ token: TokenRecord) async throws { try await base.addToken(token) }
    public func tokens(tenantId: String?) async throws -> [TokenRecord] { try await base.tokens(tenantId: tenantId) }
    public func close() async throws { try await base.close() }
}

/// Time since the process started, from the monotonic clock.
public enum Uptime {
    static let origin = ContinuousClock.now

    @Sendable public static func now() -> Duration { ContinuousClock.now - origin }
}
