/// Where the catalog keeps items, their revisions and tokens. SQLite (the embedded default) and
/// PostgreSQL implement it; both pass the same contract tests (Tests/TandemCatalogTests/StoreContract).
///
/// Every write is one transaction, acknowledged only once it is committed: a batch is stored whole or
/// not at all, and a reader never sees an item without the revision that produced it.
public protocol CatalogStore: Sendable {
    /// Creates or upgrades the schema; safe on every start and from several processes at once.
    func migrate() async throws

    /// Stores every draft in one transaction, in order, and says what each became.
    func apply(_ drafts: [ItemDraft], actor: String, at: Int64) async throws -> [AppliedItem]
    func item(_ objectId: ObjectID) async throws -> StoredItem?
    func item(_ key: ItemKey) async throws -> StoredItem?
    func list(_ query: ItemQuery) async throws -> [StoredItem]
    /// Items whose words match, for people: those `search.audience` may see, by name.
    func search(_ search: ItemSearch) async throws -> [StoredItem]
    /// Every version of one item of a company (one, `N/A`, for a sidecar).
    func versions(tenantId: String, itemId: String) async throws -> [StoredItem]
    /// Removes the item, keeping its history; false when there was none.
    func delete(_ objectId: ObjectID, actor: String, at: Int64) async throws -> Bool
    /// Every revision of an item, oldest first, including a deletion.
    func history(_ objectId: ObjectID) async throws -> [Revision]
    /// Makes an earlier revision's document the current one, as a new revision.
    func restore(_ objectId: ObjectID, revision: Int, actor: String, at: Int64) async throws -> AppliedItem

    func addToken(_ token: TokenRecord) async throws
    /// The token whose secret hashes to `hash`, revoked or not.
    func token(hash: String) async throws -> TokenRecord?
    /// Every token made by `token create`, or those of one company (service accounts' access tokens are not listed).
    func tokens(tenantId: String?) async throws -> [TokenRecord]
    func revokeToken(id: String, at: Int64) async throws -> Bool
    /// How many revocations (of tokens or service accounts) the store has seen: it only grows, in the
    /// transaction of each revocation, so a server keeping tokens in memory knows when to drop them.
    func tokenRevocations() async throws -> Int64

    func addServiceAccount(_ account: ServiceAccountRecord) async throws
    func serviceAccount(clientId: String) async throws -> ServiceAccountRecord?
    func serviceAccounts(tenantId: String?) async throws -> [ServiceAccountRecord]
    /// Revokes the account and every access token issued to it, in one transaction; false when there was none.
    func revokeServiceAccount(clientId: String, at: Int64) async throws -> Bool

    func addFile(_ file: StoredFile) async throws
    func file(id: String) async throws -> StoredFile?

    func close() async throws
}
