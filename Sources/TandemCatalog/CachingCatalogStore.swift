/// A store in front of another that keeps items read by object id in memory for a short time, so that
/// the hot read path (a GET by id) costs no database round trip.
///
/// Writes through this store invalidate what they touch, so a server reads its own writes at once.
/// Changes made around it (another server on the same database) are seen once an entry is older than
/// `lifetime`: one second by default.
public final class CachingCatalogStore: CatalogStore {
    public let base: any CatalogStore
    /// Items by object id; nil for one known not to exist. `uptime` is monotonic time, a test gives its own.
    let items: ExpiringCache<ObjectID, StoredItem?>

    public init(
        _ base: any CatalogStore, lifetime: Duration = .seconds(1), capacity: Int = 50_000, uptime: @escaping @Sendable () -> Duration = Uptime.now
    ) {
        self.base = base
        items = ExpiringCache(lifetime: lifetime, capacity: capacity, uptime: uptime)
    }

    public func item(_ objectId: ObjectID) async throws -> StoredItem? {
        if let cached = items.value(for: objectId) { return cached }
        let item = try await base.item(objectId)
        items.store(item, for: objectId)
        return item
    }

    func forget(_ objectIds: some Sequence<ObjectID>) {
        items.remove(objectIds)
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
    public func tokenRevocations() async throws -> Int64 { try await base.tokenRevocations() }

    public func migrate() async throws { try await base.migrate() }
    public func item(_ key: ItemKey) async throws -> StoredItem? { try await base.item(key) }
    public func list(_ query: ItemQuery) async throws -> [StoredItem] { try await base.list(query) }
    public func search(_ search: ItemSearch) async throws -> [StoredItem] { try await base.search(search) }
    public func versions(tenantId: String, itemId: String) async throws -> [StoredItem] {
        try await base.versions(tenantId: tenantId, itemId: itemId)
    }
    public func history(_ objectId: ObjectID) async throws -> [Revision] { try await base.history(objectId) }
    public func addToken(_ token: TokenRecord) async throws { try await base.addToken(token) }
    public func tokens(tenantId: String?) async throws -> [TokenRecord] { try await base.tokens(tenantId: tenantId) }
    public func close() async throws { try await base.close() }
    public func addServiceAccount(_ account: ServiceAccountRecord) async throws { try await base.addServiceAccount(account) }
    public func serviceAccount(clientId: String) async throws -> ServiceAccountRecord? { try await base.serviceAccount(clientId: clientId) }
    public func serviceAccounts(tenantId: String?) async throws -> [ServiceAccountRecord] { try await base.serviceAccounts(tenantId: tenantId) }
    public func revokeServiceAccount(clientId: String, at: Int64) async throws -> Bool {
        try await base.revokeServiceAccount(clientId: clientId, at: at)
    }
    public func addFile(_ file: StoredFile) async throws { try await base.addFile(file) }
    public func file(id: String) async throws -> StoredFile? { try await base.file(id: id) }
}

/// Time since the process started, from the monotonic clock.
public enum Uptime {
    static let origin = ContinuousClock.now

    @Sendable public static func now() -> Duration { ContinuousClock.now - origin }
}
