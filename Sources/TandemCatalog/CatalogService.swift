import TandemCore
import TandemFormats

/// Who is calling: the company and role of the token presented.
public struct Caller: Sendable, Equatable {
    public var tenantId: String
    public var role: Role
    /// What revisions record as the author: `token NAME (ID)`.
    public var actor: String

    public init(tenantId: String, role: Role, actor: String) {
        self.tenantId = tenantId
        self.role = role
        self.actor = actor
    }
}

/// The catalog's operations with their access rules, over any store. The HTTP server is a thin layer
/// on top; everything that decides what a caller may see or change is here.
///
/// Access: a token works for its own company only. It reads its company's items and the items other
/// companies share (`visibility.allTenants` or `visibility.public`); it writes (apply, restore: publish;
/// delete: admin) its company's items only. Another company's private item is reported as not found,
/// so ids of private items are not confirmed to outsiders.
public struct CatalogService: Sendable {
    public let store: any CatalogStore
    public let now: @Sendable () -> Int64
    /// The largest batch, in items.
    public var maxBatchItems = 10_000

    /// Tokens recently looked up, by the Authorization header that presented them; nil: none kept.
    let recentTokens: ExpiringCache<String, TokenRecord>?

    /// `tokenLifetime`: how long a token looked up is trusted without asking the store again (a token
    /// revoked on the server's machine stops working after at most that long); zero asks every time.
    public init(
        store: any CatalogStore, now: @escaping @Sendable () -> Int64, tokenLifetime: Duration = .zero,
        uptime: @escaping @Sendable () -> Duration = Uptime.now
    ) {
        self.store = store
        self.now = now
        recentTokens = tokenLifetime > .zero ? ExpiringCache(lifetime: tokenLifetime, capacity: 10_000, uptime: uptime) : nil
    }

    public func authenticate(authorization: String?) async throws -> Caller {
        guard let authorization, !authorization.isEmpty else {
            throw CatalogError(.unauthorized, "missing bearer token: send an Authorization: Bearer header")
        }
        let token: TokenRecord
        if let recent = recentTokens?.value(for: authorization) {
            token = recent
        } else {
            token = try await lookUp(authorization: authorization)
            recentTokens?.store(token, for: authorization)
        }
        if let expiry = token.expiresAt, now() >= expiry { throw CatalogError(.unauthorized, "token \(token.id) has expired") }
        return Caller(tenantId: token.tenantId, role: token.role, actor: "token \(token.name) (\(token.id))")
    }

    func lookUp(authorization: String) async throws -> TokenRecord {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw CatalogError(.unauthorized, "the Authorization header must be \"Bearer TOKEN\"")
        }
        let secret = parts[1].trimmingPrefixSpaces()
        guard let token = try await store.token(hash: TokenSecret.hash(secret)) else {
            throw CatalogError(.unauthorized, "unknown token")
        }
        if token.revokedAt != nil { throw CatalogError(.unauthorized, "token \(token.id) has been revoked") }
        return token
    }

    func require(_ caller: Caller, _ role: Role, company: String) throws {
        guard caller.tenantId == company else {
            throw CatalogError(.forbidden, "this token belongs to company \(caller.tenantId), not \(company)")
        }
        guard caller.role >= role else {
            throw CatalogError(.forbidden, "this token has the \(caller.role.rawValue) role; this needs \(role.rawValue)")
        }
    }

    // MARK: apply

    /// A batch `{"resources": [item, ...]}` for `company`: every item is checked with the Mia rules;
    /// the valid ones are stored in one transaction, the others reported, in request order.
    public func apply(body: [UInt8], company: String, caller: Caller) async throws -> CatalogAPI.ApplyResponse {
        try require(caller, .publish, company: company)
        let loaded = DocumentLoader.load(bytes: body, file: "request body", limits: .init(maxBytes: 64 << 20, maxDepth: 128, maxNodes: 10_000_000))
        guard let root = loaded.root else {
            throw CatalogError(.invalid, "the body is not valid JSON: \(loaded.diagnostics.first.map(\.description) ?? "empty")")
        }
        guard let resources = root["resources"]?.items else {
            throw CatalogError(.invalid, "the body must be an object with a \"resources\" array of items")
        }
        guard resources.count <= maxBatchItems else {
            throw CatalogError(.tooLarge, "a batch holds at most \(maxBatchItems) items; this one has \(resources.count)")
        }
        var outcomes: [CatalogAPI.ApplyItemOutcome?] = Array(repeating: nil, count: resources.count)
        var drafts: [(index: Int, draft: ItemDraft)] = []
        var seen: [ItemKey: Int] = [:]
        for (index, node) in resources.enumerated() {
            switch Self.draft(from: node, index: index, company: company) {
            case .failure(let errors):
                let itemId = node["itemId"]?.scalar?.text
                outcomes[index] = CatalogAPI.ApplyItemOutcome(itemId: itemId, done: false, validationErrors: errors.messages)
            case .success(let draft):
                if let first = seen[draft.key] {
                    outcomes[index] = CatalogAPI.ApplyItemOutcome(
                        itemId: draft.itemId, done: false,
                        validationErrors: [.init(message: "itemId \(draft.itemId) is already in this batch, at resources[\(first)]", path: "itemId")])
                    continue
                }
                seen[draft.key] = index
                drafts.append((index, draft))
            }
        }
        let applied = try await store.apply(drafts.map(\.draft), actor: caller.actor, at: now())
        for (position, entry) in drafts.enumerated() {
            let result = applied[position]
            outcomes[entry.index] = CatalogAPI.ApplyItemOutcome(_id: result.objectId.hex, itemId: result.itemId, done: true, status: result.status)
        }
        let items = outcomes.compactMap { $0 }
        return CatalogAPI.ApplyResponse(done: items.allSatisfy(\.done), items: items)
    }

    /// One element of a batch as a draft, or why it cannot be stored. `_id` (as `get` prints it) is
    /// ignored: an item is identified by its company and itemId.
    static func draft(from node: DocumentNode, index: Int, company: String) -> Result<ItemDraft, ItemErrors> {
        guard var entries = node.entries else {
            return .failure(ItemErrors([.init(message: "an item must be an object, found \(node.typeName)")]))
        }
        entries.removeAll { $0.key == "_id" }
        if let tenant = entries.first(where: { $0.key == "tenantId" }) {
            if case .string(let value) = tenant.value.value, value != company {
                return .failure(
                    ItemErrors([
                        .init(
                            message: "tenantId \"\(value)\" is not the company this batch is applied to (\(company))", path: "tenantId",
                            line: Int(tenant.keyPosition.line), column: Int(tenant.keyPosition.column))
                    ]))
            }
        } else {
            entries.append(
                DocumentNode.Entry(
                    key: "tenantId", keyPosition: node.position, value: DocumentNode(.scalar(.init(text: company, isPlain: false)), at: node.position)))
        }
        let item = DocumentNode(.mapping(entries), at: node.position)
        let (read, diagnostics) = MiaItemReader(profile: .standard).read(item, file: "resources[\(index)]")
        let errors = diagnostics.errors
        if !errors.isEmpty || read == nil {
            return .failure(
                ItemErrors(
                    Diagnostic.ordered(errors).map { diagnostic in
                        CatalogAPI.Message(
                            message: diagnostic.path.isEmpty ? diagnostic.message : "\(diagnostic.path): \(diagnostic.message)",
                            path: diagnostic.path.isEmpty ? nil : diagnostic.path, line: diagnostic.line, column: diagnostic.column)
                    }))
        }
        guard let read, let itemId = read.itemId else { return .failure(ItemErrors([.init(message: "missing itemId", path: "itemId")])) }
        if read.document["image"] != nil || read.document["supportedByImage"] != nil {
            return .failure(
                ItemErrors([
                    .init(
                        message: "image.localPath is for the client to upload; this catalog takes imageUrl / supportedByImageUrl", path: "image")
                ]))
        }
        return .success(
            ItemDraft(
                tenantId: company, itemId: itemId, name: read.name ?? itemId, type: "sidecar", description: read.description ?? "",
                allTenants: read.visibleToAllTenants, isPublic: read.isPublic, document: CanonicalJSON.text(item)))
    }

    public struct ItemErrors: Error {
        public var messages: [CatalogAPI.Message]
        init(_ messages: [CatalogAPI.Message]) { self.messages = messages }
    }

    // MARK: reads

    public func item(objectId text: String, caller: Caller?) async throws -> StoredItem {
        guard let objectId = ObjectID(text) else {
            throw CatalogError(.invalid, "\"\(text)\" is not an object id (24 lower-case hex digits)")
        }
        guard let item = try await store.item(objectId) else { throw CatalogError(.notFound, "item not found") }
        if let caller {
            guard item.isVisible(to: caller.tenantId) else { throw CatalogError(.notFound, "item not found") }
        } else {
            guard item.isPublic else { throw CatalogError(.unauthorized, "missing bearer token: send an Authorization: Bearer header") }
        }
        return item
    }

    public func item(company: String, itemId: String, version: String, caller: Caller) async throws -> StoredItem {
        guard let item = try await store.item(ItemKey(tenantId: company, itemId: itemId, version: version)), item.isVisible(to: caller.tenantId) else {
            throw CatalogError(.notFound, "item not found")
        }
        return item
    }

    /// `tenantId=C` lists C's items; `includeTenantId=C` adds what other companies share. C must be the caller's.
    /// `after` (a cursor from the previous page's `X-Next-After`) pages by key instead of by `page`.
    public func list(
        tenantId: String?, includeTenantId: String?, type: String?, page: Int, perPage: Int, after: String? = nil, caller: Caller
    ) async throws -> [StoredItem] {
        guard let company = tenantId ?? includeTenantId else {
            throw CatalogError(.invalid, "missing company id: pass tenantId or includeTenantId")
        }
        try require(caller, .read, company: company)
        guard page >= 1, (1...1000).contains(perPage) else {
            throw CatalogError(.invalid, "page must be 1 or more and perPage between 1 and 1000")
        }
        var cursor: ItemKey?
        if let after {
            guard let key = ItemKey(cursor: after) else { throw CatalogError(.invalid, "after: not a page cursor of this catalog") }
            cursor = key
        }
        return try await store.list(
            ItemQuery(
                tenantId: company, includeShared: tenantId == nil, type: type, limit: perPage, offset: cursor == nil ? (page - 1) * perPage : 0,
                after: cursor))
    }

    public func versions(company: String, itemId: String, caller: Caller) async throws -> [StoredItem] {
        let versions = try await store.versions(tenantId: company, itemId: itemId).filter { $0.isVisible(to: caller.tenantId) }
        guard !versions.isEmpty else { throw CatalogError(.notFound, "item not found: \(itemId)") }
        return versions
    }

    public func history(objectId text: String, company: String, caller: Caller) async throws -> [Revision] {
        try require(caller, .read, company: company)
        guard let objectId = ObjectID(text) else { throw CatalogError(.invalid, "\"\(text)\" is not an object id (24 lower-case hex digits)") }
        let revisions = try await store.history(objectId)
        guard let first = revisions.first, try await owner(of: objectId, first: first) == company else {
            throw CatalogError(.notFound, "item not found")
        }
        return revisions
    }

    /// The company of an item, from the item or, once deleted, from its revisions.
    func owner(of objectId: ObjectID, first: Revision) async throws -> String? {
        if let item = try await store.item(objectId) { return item.tenantId }
        guard case .object(let fields)? = try? JSONValue.parse(Array(first.document.utf8)), case .string(let tenant)? = fields["tenantId"] else {
            return nil
        }
        return tenant
    }

    // MARK: writes

    public func delete(objectId text: String, company: String, caller: Caller) async throws {
        try require(caller, .admin, company: company)
        guard let objectId = ObjectID(text) else { throw CatalogError(.invalid, "\"\(text)\" is not an object id (24 lower-case hex digits)") }
        guard let item = try await store.item(objectId), item.tenantId == company else { throw CatalogError(.notFound, "item not found") }
        guard try await store.delete(objectId, actor: caller.actor, at: now()) else { throw CatalogError(.notFound, "item not found") }
    }

    public func delete(company: String, itemId: String, version: String, caller: Caller) async throws {
        try require(caller, .admin, company: company)
        guard let item = try await store.item(ItemKey(tenantId: company, itemId: itemId, version: version)) else {
            throw CatalogError(.notFound, "item not found")
        }
        guard try await store.delete(item.objectId, actor: caller.actor, at: now()) else { throw CatalogError(.notFound, "item not found") }
    }

    public func restore(objectId text: String, revision: Int, company: String, caller: Caller) async throws -> AppliedItem {
        try require(caller, .publish, company: company)
        guard let objectId = ObjectID(text) else { throw CatalogError(.invalid, "\"\(text)\" is not an object id (24 lower-case hex digits)") }
        guard let item = try await store.item(objectId), item.tenantId == company else { throw CatalogError(.notFound, "item not found") }
        return try await store.restore(objectId, revision: revision, actor: caller.actor, at: now())
    }
}

extension Substring {
    func trimmingPrefixSpaces() -> String {
        String(drop { $0 == " " })
    }
}
