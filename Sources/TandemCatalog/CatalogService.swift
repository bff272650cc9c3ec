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
    /// How long an access token issued to a service account works.
    public var accessTokenLifetime: Duration = .seconds(3600)

    /// A token looked up, and the store's revocation counter when it was.
    struct KeptToken: Sendable {
        var record: TokenRecord
        var revocations: Int64
    }

    /// Tokens recently looked up, by the Authorization header that presented them; nil: none kept.
    let recentTokens: ExpiringCache<String, KeptToken>?
    /// The store's revocation counter as the server last read it; nil trusts kept tokens for their
    /// whole lifetime.
    public let revocations: RevocationWatch?

    /// `tokenLifetime`: how long a token looked up is trusted at most without asking the store again;
    /// zero asks every time. With `revocations`, a kept token is trusted only while the store's
    /// revocation counter has not moved since it was looked up.
    public init(
        store: any CatalogStore, now: @escaping @Sendable () -> Int64, tokenLifetime: Duration = .zero, revocations: RevocationWatch? = nil,
        uptime: @escaping @Sendable () -> Duration = Uptime.now
    ) {
        self.store = store
        self.now = now
        self.revocations = revocations
        recentTokens = tokenLifetime > .zero ? ExpiringCache(lifetime: tokenLifetime, capacity: 10_000, uptime: uptime) : nil
    }

    public func authenticate(authorization: String?) async throws -> Caller {
        guard let authorization, !authorization.isEmpty else {
            throw CatalogError(.unauthorized, "missing bearer token: send an Authorization: Bearer header")
        }
        let token: TokenRecord
        // Read before the lookup: a revocation committed meanwhile moves the counter past this value.
        let revocationCount = revocations?.current ?? 0
        if revocationCount >= 0, let kept = recentTokens?.value(for: authorization), kept.revocations == revocationCount {
            token = kept.record
        } else {
            token = try await lookUp(authorization: authorization)
            if revocationCount >= 0 { recentTokens?.store(KeptToken(record: token, revocations: revocationCount), for: authorization) }
        }
        if let expiry = token.expiresAt, now() >= expiry { throw CatalogError(.unauthorized, "token \(token.id) has expired") }
        let actor = token.serviceAccount.map { "service account \(token.name) (\($0))" } ?? "token \(token.name) (\(token.id))"
        return Caller(tenantId: token.tenantId, role: token.role, actor: actor)
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
    /// the valid ones are stored in one transaction, the others reported, in request order. The body is
    /// read as what its Content-Type says; a YAML body may expand (aliases) to no more nodes than it
    /// has bytes, so a small body cannot cost much memory.
    public func apply(body: [UInt8], format: BodyFormat, company: String, caller: Caller) async throws -> CatalogAPI.ApplyResponse {
        try require(caller, .publish, company: company)
        let batch = try Self.checkBatch(body: body, format: format, company: company, maxItems: maxBatchItems)
        var outcomes = batch.outcomes
        let applied = try await store.apply(batch.drafts.map(\.draft), actor: caller.actor, at: now())
        for (position, entry) in batch.drafts.enumerated() {
            let result = applied[position]
            outcomes[entry.index] = CatalogAPI.ApplyItemOutcome(_id: result.objectId.hex, itemId: result.itemId, done: true, status: result.status)
        }
        let items = outcomes.compactMap { $0 }
        return CatalogAPI.ApplyResponse(done: items.allSatisfy(\.done), items: items)
    }

    /// A batch checked, before anything is stored: the valid items as drafts with their place in the
    /// request, and the outcome of each refused one at its place.
    public struct CheckedBatch: Sendable {
        public var drafts: [(index: Int, draft: ItemDraft)]
        public var outcomes: [CatalogAPI.ApplyItemOutcome?]
    }

    /// Reads and checks a batch body; no store, no caller (what the fuzzer drives).
    public static func checkBatch(body: [UInt8], format: BodyFormat, company: String, maxItems: Int = 10_000) throws(CatalogError) -> CheckedBatch {
        let root = try parse(body, as: format)
        guard let resources = root["resources"]?.items else {
            throw CatalogError(.invalid, "the body must be an object with a \"resources\" array of items")
        }
        guard resources.count <= maxItems else {
            throw CatalogError(.tooLarge, "a batch holds at most \(maxItems) items; this one has \(resources.count)")
        }
        var outcomes: [CatalogAPI.ApplyItemOutcome?] = Array(repeating: nil, count: resources.count)
        var drafts: [(index: Int, draft: ItemDraft)] = []
        var seen: [ItemKey: Int] = [:]
        for (index, node) in resources.enumerated() {
            switch draft(from: node, index: index, company: company) {
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
        return CheckedBatch(drafts: drafts, outcomes: outcomes)
    }

    /// The body's document, read as JSON (strictly: YAML is not JSON) or as YAML with bounded expansion.
    static func parse(_ body: [UInt8], as format: BodyFormat) throws(CatalogError) -> DocumentNode {
        let limits: DocumentLoader.Limits
        switch format {
        case .json:
            do {
                _ = try JSONValue.parse(body)
            } catch {
                let (line, column) = lineAndColumn(of: error.offset, in: body)
                throw CatalogError(.invalid, "the body is not valid JSON: at line \(line), column \(column)")
            }
            limits = .init(maxBytes: 64 << 20, maxDepth: 128, maxNodes: body.count + 16)
        case .yaml:
            limits = .init(maxBytes: 64 << 20, maxDepth: 128, maxNodes: min(10_000_000, body.count + 1024))
        }
        let loaded = DocumentLoader.load(bytes: body, file: "request body", limits: limits)
        guard let root = loaded.root else {
            let what = format == .json ? "JSON" : "YAML"
            throw CatalogError(.invalid, "the body is not valid \(what): \(loaded.diagnostics.first.map(\.description) ?? "empty")")
        }
        return root
    }

    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    /// One element of a batch as a draft, or why it cannot be stored. `_id` (as `get` prints it) is
    /// ignored: an item is identified by its company and itemId.
    public static func draft(from node: DocumentNode, index: Int, company: String) -> Result<ItemDraft, ItemErrors> {
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
                        message:
                            "image.localPath names a file on the client's machine: upload it first (POST \(CatalogRoutes.uploadFile.template), as miactl does) and set imageUrl / supportedByImageUrl to the location answered",
                        path: read.document["image"] != nil ? "image" : "supportedByImage")
                ]))
        }
        return .success(
            ItemDraft(
                tenantId: company, itemId: itemId, name: read.name ?? itemId, type: "sidecar", description: read.description ?? "",
                allTenants: read.visibleToAllTenants, isPublic: read.isPublic, document: CanonicalJSON.ordered(item)))
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
        let item = try await store.item(objectId)
        guard let caller else {
            // Without a token only public items are read; an unknown id gets the same answer as a
            // private one, so nobody learns that a private item exists.
            guard let item, item.isPublic else { throw CatalogError(.unauthorized, "missing bearer token: send an Authorization: Bearer header") }
            return item
        }
        guard let item, item.isVisible(to: caller.tenantId) else { throw CatalogError(.notFound, "item not found: \(text)") }
        return item
    }

    public func item(company: String, itemId: String, version: String, caller: Caller) async throws -> StoredItem {
        guard let item = try await store.item(ItemKey(tenantId: company, itemId: itemId, version: version)), item.isVisible(to: caller.tenantId) else {
            throw CatalogError(.notFound, "item not found: \(itemId) version \(version) of company \(company)")
        }
        return item
    }

    /// `tenantId=C` lists C's items; `includeTenantId=C` adds what other companies share. C must be the caller's.
    /// `after` (a cursor from the previous page's `X-Next-After`) pages by key instead of by `page`.
    public func list(_ request: ListRequest, caller: Caller) async throws -> [StoredItem] {
        guard let company = request.tenantId ?? request.includeTenantId else {
            throw CatalogError(.invalid, "missing company id: pass tenantId or includeTenantId")
        }
        try require(caller, .read, company: company)
        var cursor: ItemKey?
        if let after = request.after {
            guard let key = ItemKey(cursor: after) else { throw CatalogError(.invalid, "query parameter after: not a page cursor of this catalog") }
            cursor = key
        }
        return try await store.list(
            ItemQuery(
                tenantId: company, includeShared: request.tenantId == nil, type: request.type, limit: request.perPage,
                offset: cursor == nil ? request.offset : 0, after: cursor))
    }

    /// A search by words and filters (the web page): public items for nobody, the caller's company's
    /// own, shared and public ones for a caller.
    public func search(words: String, type: String?, company: String?, limit: Int, offset: Int, caller: Caller?) async throws -> [StoredItem] {
        try await store.search(
            ItemSearch(
                audience: caller.map { .company($0.tenantId) } ?? .everyone, words: words, type: type, company: company, limit: limit,
                offset: offset))
    }

    /// Every version of an item that the caller (or, without one, everyone) may see.
    public func visibleVersions(company: String, itemId: String, caller: Caller?) async throws -> [StoredItem] {
        try await store.versions(tenantId: company, itemId: itemId).filter { item in caller.map { item.isVisible(to: $0.tenantId) } ?? item.isPublic }
    }

    public func versions(company: String, itemId: String, caller: Caller) async throws -> [StoredItem] {
        let versions = try await visibleVersions(company: company, itemId: itemId, caller: caller)
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
            throw CatalogError(.notFound, "item not found: \(itemId) version \(version) of company \(company)")
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
