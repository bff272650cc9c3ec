/// The catalog store over any `SQLDatabase`: the schema, its migrations and every operation, written
/// once for SQLite and PostgreSQL.
public struct SQLCatalogStore<Database: SQLDatabase>: CatalogStore {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Each migration runs once, in order, in its own transaction; the applied ones are recorded.
    static var migrations: [(version: Int, statements: [String])] {
        [
            (
                1,
                [
                    """
                    CREATE TABLE items (
                        object_id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL,
                        item_id TEXT NOT NULL,
                        version TEXT NOT NULL,
                        name TEXT NOT NULL,
                        type TEXT NOT NULL,
                        description TEXT NOT NULL,
                        all_tenants BIGINT NOT NULL,
                        is_public BIGINT NOT NULL,
                        document TEXT NOT NULL,
                        revision BIGINT NOT NULL,
                        created_at BIGINT NOT NULL,
                        updated_at BIGINT NOT NULL,
                        UNIQUE (tenant_id, item_id, version)
                    )
                    """,
                    "CREATE INDEX items_shared ON items (item_id) WHERE all_tenants = 1 OR is_public = 1",
                    """
                    CREATE TABLE revisions (
                        object_id TEXT NOT NULL,
                        revision BIGINT NOT NULL,
                        tenant_id TEXT NOT NULL,
                        item_id TEXT NOT NULL,
                        action TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        at BIGINT NOT NULL,
                        changes TEXT NOT NULL,
                        document TEXT NOT NULL,
                        PRIMARY KEY (object_id, revision)
                    )
                    """,
                    """
                    CREATE TABLE tokens (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        hash TEXT NOT NULL UNIQUE,
                        created_at BIGINT NOT NULL,
                        expires_at BIGINT,
                        revoked_at BIGINT
                    )
                    """,
                ]
            )
        ]
    }

    public func migrate() async throws {
        try await database.transaction { session in
            try await database.dialect.lockKey?(session, "tandem-catalog-migrations")
            try await session.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        }
        for migration in Self.migrations {
            try await database.transaction { session in
                try await database.dialect.lockKey?(session, "tandem-catalog-migrations")
                let done = try await session.query("SELECT version FROM schema_migrations WHERE version = ?", [.int(Int64(migration.version))])
                guard done.isEmpty else { return }
                for statement in migration.statements { try await session.execute(statement) }
                try await session.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)", [.int(Int64(migration.version))])
            }
        }
    }

    static var itemColumns: String {
        "object_id, tenant_id, item_id, version, name, type, description, all_tenants, is_public, document, revision, created_at, updated_at"
    }

    static func item(from row: [SQLValue]) -> StoredItem {
        StoredItem(
            objectId: ObjectID(unchecked: row[0].text ?? ""), tenantId: row[1].text ?? "", itemId: row[2].text ?? "",
            version: row[3].text ?? unversioned, name: row[4].text ?? "", type: row[5].text ?? "", description: row[6].text ?? "",
            allTenants: row[7].int == 1, isPublic: row[8].int == 1, document: row[9].text ?? "{}", revision: Int(row[10].int ?? 0),
            createdAt: row[11].int ?? 0, updatedAt: row[12].int ?? 0)
    }

    public func apply(_ drafts: [ItemDraft], actor: String, at now: Int64) async throws -> [AppliedItem] {
        guard !drafts.isEmpty else { return [] }
        let dialect = database.dialect
        return try await database.transaction { session in
            // Locks in key order, so two batches touching the same items cannot deadlock.
            if let lockKey = dialect.lockKey {
                for key in Set(drafts.map(\.key)).sorted() { try await lockKey(session, "\(key.tenantId)\u{1F}\(key.itemId)\u{1F}\(key.version)") }
            }
            var results: [AppliedItem] = []
            for draft in drafts {
                let rows = try await session.query(
                    "SELECT \(Self.itemColumns) FROM items WHERE tenant_id = ? AND item_id = ? AND version = ?\(dialect.lockRows)",
                    [.text(draft.tenantId), .text(draft.itemId), .text(draft.version)])
                if let existing = rows.first.map(Self.item) {
                    if existing.document == draft.document
                        && (existing.name, existing.type, existing.description, existing.allTenants, existing.isPublic)
                            == (draft.name, draft.type, draft.description, draft.allTenants, draft.isPublic)
                    {
                        results.append(AppliedItem(objectId: existing.objectId, itemId: draft.itemId, status: .unchanged, revision: existing.revision))
                        continue
                    }
                    let revision = existing.revision + 1
                    try await session.execute(
                        """
                        UPDATE items SET name = ?, type = ?, description = ?, all_tenants = ?, is_public = ?, document = ?,
                            revision = ?, updated_at = ? WHERE object_id = ?
                        """,
                        [
                            .text(draft.name), .text(draft.type), .text(draft.description), .int(draft.allTenants ? 1 : 0),
                            .int(draft.isPublic ? 1 : 0), .text(draft.document), .int(Int64(revision)), .int(now), .text(existing.objectId.hex),
                        ])
                    try await Self.record(
                        session,
                        Revision(
                            objectId: existing.objectId, revision: revision, action: .updated, actor: actor, at: now,
                            changes: DocumentDiff.changedPaths(from: existing.document, to: draft.document), document: draft.document),
                        key: draft.key)
                    results.append(AppliedItem(objectId: existing.objectId, itemId: draft.itemId, status: .updated, revision: revision))
                } else {
                    let objectId = ObjectID.generate(atMilliseconds: now)
                    try await session.execute(
                        "INSERT INTO items (\(Self.itemColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                        [
                            .text(objectId.hex), .text(draft.tenantId), .text(draft.itemId), .text(draft.version), .text(draft.name),
                            .text(draft.type), .text(draft.description), .int(draft.allTenants ? 1 : 0), .int(draft.isPublic ? 1 : 0),
                            .text(draft.document), .int(now), .int(now),
                        ])
                    try await Self.record(
                        session,
                        Revision(objectId: objectId, revision: 1, action: .created, actor: actor, at: now, changes: [], document: draft.document),
                        key: draft.key)
                    results.append(AppliedItem(objectId: objectId, itemId: draft.itemId, status: .created, revision: 1))
                }
            }
            return results
        }
    }

    static func record(_ session: any SQLSession, _ revision: Revision, key: ItemKey) async throws {
        try await session.execute(
            "INSERT INTO revisions (object_id, revision, tenant_id, item_id, action, actor, at, changes, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .text(revision.objectId.hex), .int(Int64(revision.revision)), .text(key.tenantId), .text(key.itemId),
                .text(revision.action.rawValue), .text(revision.actor), .int(revision.at), .text(revision.changes.joined(separator: "\n")),
                .text(revision.document),
            ])
    }

    public func item(_ objectId: ObjectID) async throws -> StoredItem? {
        try await database.read { session in
            try await session.query("SELECT \(Self.itemColumns) FROM items WHERE object_id = ?", [.text(objectId.hex)]).first.map(Self.item)
        }
    }

    public func item(_ key: ItemKey) async throws -> StoredItem? {
        try await database.read { session in
            try await session.query(
                "SELECT \(Self.itemColumns) FROM items WHERE tenant_id = ? AND item_id = ? AND version = ?",
                [.text(key.tenantId), .text(key.itemId), .text(key.version)]
            ).first.map(Self.item)
        }
    }

    public func list(_ query: ItemQuery) async throws -> [StoredItem] {
        var sql = "SELECT \(Self.itemColumns) FROM items WHERE "
        var binds: [SQLValue] = [.text(query.tenantId)]
        sql += query.includeShared ? "(tenant_id = ? OR all_tenants = 1 OR is_public = 1)" : "tenant_id = ?"
        if let type = query.type {
            sql += " AND type = ?"
            binds.append(.text(type))
        }
        sql += " ORDER BY tenant_id, item_id, version LIMIT ? OFFSET ?"
        binds += [.int(Int64(query.limit)), .int(Int64(query.offset))]
        let statement = sql
        let arguments = binds
        return try await database.read { session in try await session.query(statement, arguments).map(Self.item) }
    }

    public func versions(tenantId: String, itemId: String) async throws -> [StoredItem] {
        try await database.read { session in
            try await session.query(
                "SELECT \(Self.itemColumns) FROM items WHERE tenant_id = ? AND item_id = ? ORDER BY version", [.text(tenantId), .text(itemId)]
            ).map(Self.item)
        }
    }

    public func delete(_ objectId: ObjectID, actor: String, at now: Int64) async throws -> Bool {
        let dialect = database.dialect
        return try await database.transaction { session in
            let rows = try await session.query("SELECT \(Self.itemColumns) FROM items WHERE object_id = ?\(dialect.lockRows)", [.text(objectId.hex)])
            guard let existing = rows.first.map(Self.item) else { return false }
            try await session.execute("DELETE FROM items WHERE object_id = ?", [.text(objectId.hex)])
            try await Self.record(
                session,
                Revision(
                    objectId: objectId, revision: existing.revision + 1, action: .deleted, actor: actor, at: now, changes: [],
                    document: existing.document),
                key: ItemKey(tenantId: existing.tenantId, itemId: existing.itemId, version: existing.version))
            return true
        }
    }

    public func history(_ objectId: ObjectID) async throws -> [Revision] {
        try await database.read { session in
            try await session.query(
                "SELECT object_id, revision, action, actor, at, changes, document FROM revisions WHERE object_id = ? ORDER BY revision",
                [.text(objectId.hex)]
            ).map { row in
                Revision(
                    objectId: ObjectID(unchecked: row[0].text ?? ""), revision: Int(row[1].int ?? 0),
                    action: Revision.Action(rawValue: row[2].text ?? "") ?? .updated, actor: row[3].text ?? "", at: row[4].int ?? 0,
                    changes: (row[5].text ?? "").split(separator: "\n").map(String.init), document: row[6].text ?? "{}")
            }
        }
    }

    public func restore(_ objectId: ObjectID, revision: Int, actor: String, at now: Int64) async throws -> AppliedItem {
        let dialect = database.dialect
        return try await database.transaction { session in
            guard
                let existing = try await session.query(
                    "SELECT \(Self.itemColumns) FROM items WHERE object_id = ?\(dialect.lockRows)", [.text(objectId.hex)]
                ).first.map(Self.item)
            else { throw CatalogError(.notFound, "item \(objectId) not found") }
            guard
                let old = try await session.query(
                    "SELECT document, action FROM revisions WHERE object_id = ? AND revision = ?", [.text(objectId.hex), .int(Int64(revision))]
                ).first, let document = old[0].text, old[1].text != Revision.Action.deleted.rawValue
            else { throw CatalogError(.notFound, "item \(objectId) has no revision \(revision)") }
            guard document != existing.document else {
                return AppliedItem(objectId: objectId, itemId: existing.itemId, status: .unchanged, revision: existing.revision)
            }
            let summary = ItemSummary(document: document)
            let next = existing.revision + 1
            try await session.execute(
                """
                UPDATE items SET name = ?, description = ?, all_tenants = ?, is_public = ?, document = ?, revision = ?, updated_at = ?
                    WHERE object_id = ?
                """,
                [
                    .text(summary.name), .text(summary.description), .int(summary.allTenants ? 1 : 0), .int(summary.isPublic ? 1 : 0),
                    .text(document), .int(Int64(next)), .int(now), .text(objectId.hex),
                ])
            try await Self.record(
                session,
                Revision(
                    objectId: objectId, revision: next, action: .restored, actor: actor, at: now,
                    changes: DocumentDiff.changedPaths(from: existing.document, to: document), document: document),
                key: ItemKey(tenantId: existing.tenantId, itemId: existing.itemId, version: existing.version))
            return AppliedItem(objectId: objectId, itemId: existing.itemId, status: .updated, revision: next)
        }
    }

    static var tokenColumns: String { "id, tenant_id, name, role, hash, created_at, expires_at, revoked_at" }

    static func token(from row: [SQLValue]) -> TokenRecord {
        TokenRecord(
            id: row[0].text ?? "", tenantId: row[1].text ?? "", name: row[2].text ?? "", role: Role(rawValue: row[3].text ?? "") ?? .read,
            hash: row[4].text ?? "", createdAt: row[5].int ?? 0, expiresAt: row[6].int, revokedAt: row[7].int)
    }

    public func addToken(_ token: TokenRecord) async throws {
        try await database.transaction { session in
            try await session.execute(
                "INSERT INTO tokens (\(Self.tokenColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(token.id), .text(token.tenantId), .text(token.name), .text(token.role.rawValue), .text(token.hash), .int(token.createdAt),
                    token.expiresAt.map(SQLValue.int) ?? .null, token.revokedAt.map(SQLValue.int) ?? .null,
                ])
        }
    }

    public func token(hash: String) async throws -> TokenRecord? {
        try await database.read { session in
            try await session.query("SELECT \(Self.tokenColumns) FROM tokens WHERE hash = ?", [.text(hash)]).first.map(Self.token)
        }
    }

    public func tokens(tenantId: String?) async throws -> [TokenRecord] {
        try await database.read { session in
            if let tenantId {
                return try await session.query(
                    "SELECT \(Self.tokenColumns) FROM tokens WHERE tenant_id = ? ORDER BY created_at, id", [.text(tenantId)]
                ).map(Self.token)
            }
            return try await session.query("SELECT \(Self.tokenColumns) FROM tokens ORDER BY tenant_id, created_at, id", []).map(Self.token)
        }
    }

    public func revokeToken(id: String, at now: Int64) async throws -> Bool {
        try await database.transaction { session in
            let rows = try await session.query("SELECT id FROM tokens WHERE id = ? AND revoked_at IS NULL", [.text(id)])
            guard !rows.isEmpty else { return false }
            try await session.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", [.int(now), .text(id)])
            return true
        }
    }

    public func close() async throws {
        try await database.close()
    }
}
