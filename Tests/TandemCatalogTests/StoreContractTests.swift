import Foundation
import Synchronization
import TandemCatalog
import Testing

/// One contract, two databases: every test runs on SQLite and on PostgreSQL.
@Suite struct StoreContractTests {
    @Test(arguments: Backend.allCases) func applyCreatesThenUpdatesInPlaceThenLeavesUnchanged(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let company = uniqueCompany("acme")
        let created = try await store.apply([draft(itemId: "proxy", company: company)], actor: "alice", at: 1000)
        #expect(created.map(\.status) == [.created])
        #expect(created[0].revision == 1)
        let same = try await store.apply([draft(itemId: "proxy", company: company)], actor: "alice", at: 2000)
        #expect(same == [AppliedItem(objectId: created[0].objectId, itemId: "proxy", status: .unchanged, revision: 1)])
        let changed = try await store.apply([draft(itemId: "proxy", company: company, name: "Proxy 2")], actor: "bob", at: 3000)
        #expect(changed == [AppliedItem(objectId: created[0].objectId, itemId: "proxy", status: .updated, revision: 2)])

        let stored = try #require(try await store.item(created[0].objectId))
        #expect(stored.name == "Proxy 2")
        #expect(stored.tenantId == company)
        #expect(stored.version == unversioned)
        #expect(stored.createdAt == 1000 && stored.updatedAt == 3000)
        #expect(try await store.item(ItemKey(tenantId: company, itemId: "proxy")) == stored)

        let history = try await store.history(created[0].objectId)
        #expect(history.map(\.action) == [.created, .updated])
        #expect(history.map(\.actor) == ["alice", "bob"])
        #expect(history[1].changes == ["name"])
        #expect(history[0].document == sidecarJSON(itemId: "proxy", company: company))
        try await store.close()
    }

    @Test(arguments: Backend.allCases) func aBatchKeepsItsOrderAndIsStoredWhole(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let company = uniqueCompany("acme")
        _ = try await store.apply([draft(itemId: "b", company: company)], actor: "t", at: 1)
        let results = try await store.apply(
            [draft(itemId: "c", company: company), draft(itemId: "b", company: company, name: "B2"), draft(itemId: "a", company: company)],
            actor: "t", at: 2)
        #expect(results.map(\.itemId) == ["c", "b", "a"])
        #expect(results.map(\.status) == [.created, .updated, .created])
        #expect(Set(results.map(\.objectId)).count == 3)
        let listed = try await store.list(ItemQuery(tenantId: company))
        #expect(listed.map(\.itemId) == ["a", "b", "c"])
        try await store.close()
    }

    @Test(arguments: Backend.allCases) func listShowsOwnItemsAndSharedOnesOnlyWhenAsked(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let acme = uniqueCompany("acme")
        let globex = uniqueCompany("globex")
        _ = try await store.apply(
            [draft(itemId: "private", company: globex), draft(itemId: "shared", company: globex, shared: true)], actor: "t", at: 1)
        _ = try await store.apply([draft(itemId: "mine", company: acme)], actor: "t", at: 1)

        #expect(try await store.list(ItemQuery(tenantId: acme)).map(\.itemId) == ["mine"])
        let withShared = try await store.list(ItemQuery(tenantId: acme, includeShared: true))
        #expect(withShared.contains { $0.itemId == "mine" })
        #expect(withShared.contains { $0.itemId == "shared" && $0.tenantId == globex })
        #expect(!withShared.contains { $0.itemId == "private" })
        #expect(try await store.list(ItemQuery(tenantId: acme, type: "plugin")).isEmpty)

        _ = try await store.apply((0..<5).map { draft(itemId: "page-\($0)", company: acme) }, actor: "t", at: 2)
        let page = try await store.list(ItemQuery(tenantId: acme, limit: 2, offset: 1))
        #expect(page.map(\.itemId) == ["page-0", "page-1"])
        let next = try await store.list(ItemQuery(tenantId: acme, limit: 2, after: ItemKey(tenantId: acme, itemId: "page-1")))
        #expect(next.map(\.itemId) == ["page-2", "page-3"])
        let cursor = ItemKey(tenantId: acme, itemId: "page-3").cursor
        #expect(try await store.list(ItemQuery(tenantId: acme, after: ItemKey(cursor: cursor))).map(\.itemId) == ["page-4"])
        try await store.close()
    }

    @Test(arguments: Backend.allCases) func deleteKeepsTheHistoryAndRestoreBringsARevisionBack(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let company = uniqueCompany("acme")
        let id = try await store.apply([draft(itemId: "proxy", company: company)], actor: "t", at: 1)[0].objectId
        _ = try await store.apply([draft(itemId: "proxy", company: company, name: "Second")], actor: "t", at: 2)

        let restored = try await store.restore(id, revision: 1, actor: "t", at: 3)
        #expect(restored.status == .updated && restored.revision == 3)
        #expect(try await store.item(id)?.name == "Proxy")
        #expect(try await store.restore(id, revision: 3, actor: "t", at: 4).status == .unchanged)
        await #expect(throws: CatalogError.self) { try await store.restore(id, revision: 99, actor: "t", at: 4) }

        #expect(try await store.versions(tenantId: company, itemId: "proxy").map(\.version) == [unversioned])
        #expect(try await store.delete(id, actor: "t", at: 5))
        #expect(try await store.delete(id, actor: "t", at: 6) == false)
        #expect(try await store.item(id) == nil)
        #expect(try await store.history(id).map(\.action) == [.created, .updated, .restored, .deleted])
        // The same itemId can be created again; it is a new object.
        let again = try await store.apply([draft(itemId: "proxy", company: company)], actor: "t", at: 7)
        #expect(again[0].status == .created && again[0].objectId != id)
        try await store.close()
    }

    @Test(arguments: Backend.allCases) func tokensAreFoundByHashAndRevoked(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let company = uniqueCompany("acme")
        let (secret, record) = TokenSecret.generate(tenantId: company, name: "ci", role: .publish, at: 10, expiresAt: 1000)
        try await store.addToken(record)
        #expect(try await store.token(hash: TokenSecret.hash(secret)) == record)
        #expect(try await store.token(hash: TokenSecret.hash(secret + "x")) == nil)
        #expect(try await store.tokens(tenantId: company) == [record])
        let before = try await store.tokenRevocations()
        #expect(try await store.revokeToken(id: record.id, at: 20))
        // Other tests revoke on the same database at the same time: the counter only grows.
        #expect(try await store.tokenRevocations() > before, "a revocation moves the counter in its transaction")
        #expect(try await store.revokeToken(id: record.id, at: 30) == false)
        #expect(try await store.token(hash: record.hash)?.revokedAt == 20)
        #expect(!secret.contains(record.hash) && record.hash.count == 64)
        try await store.close()
    }

    @Test(arguments: Backend.allCases) func serviceAccountsIssueTokensAndTakeThemWhenRevoked(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let company = uniqueCompany("acme")
        let (secret, account) = ServiceAccountRecord.generate(tenantId: company, name: "ci", role: .publish, at: 10)
        try await store.addServiceAccount(account)
        #expect(try await store.serviceAccount(clientId: account.clientId) == account)
        #expect(try await store.serviceAccounts(tenantId: company) == [account])
        #expect(account.secretHash == TokenSecret.hash(secret) && !account.secretHash.contains(secret))
        // Access tokens are not listed with the tokens people made; an expired one goes when the next comes.
        let (_, old) = TokenSecret.generate(tenantId: company, name: "ci", role: .publish, at: 10, expiresAt: 20, serviceAccount: account.clientId)
        try await store.addToken(old)
        let (_, current) = TokenSecret.generate(tenantId: company, name: "ci", role: .publish, at: 30, expiresAt: 90, serviceAccount: account.clientId)
        try await store.addToken(current)
        #expect(try await store.tokens(tenantId: company).isEmpty)
        #expect(try await store.token(hash: old.hash) == nil)
        #expect(try await store.token(hash: current.hash) == current)
        let before = try await store.tokenRevocations()
        #expect(try await store.revokeServiceAccount(clientId: account.clientId, at: 40))
        #expect(try await store.revokeServiceAccount(clientId: account.clientId, at: 50) == false)
        #expect(try await store.tokenRevocations() > before)
        #expect(try await store.token(hash: current.hash)?.revokedAt == 40)
        #expect(try await store.serviceAccount(clientId: account.clientId)?.revokedAt == 40)
        try await store.close()
    }

    @Test(arguments: Backend.allCases) func filesAreKeptByteForByte(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let file = StoredFile(
            fileId: TokenSecret.randomHex(12), tenantId: uniqueCompany("acme"), name: "logo.png", contentType: "image/png", bytes: bytes, createdAt: 5)
        try await store.addFile(file)
        #expect(try await store.file(id: file.fileId) == file)
        #expect(try await store.file(id: TokenSecret.randomHex(12)) == nil)
        try await store.close()
    }

    @Test(arguments: Backend.allCases) func concurrentAppliesOfOneItemAreSerialised(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let company = uniqueCompany("acme")
        // Once, under a loaded test run, this never returned (on CI and here, not reproduced alone): bounded,
        // so that it fails with how far it got instead of stalling the whole run.
        let returned = Tally()
        let results = try await bounded(.seconds(60), "16 concurrent applies of one item on \(backend)", progress: { "\(returned.count) of 16 returned" }) {
            try await withThrowingTaskGroup(of: [AppliedItem].self) { group in
                for index in 0..<16 {
                    group.addTask {
                        defer { returned.add() }
                        return try await store.apply([draft(itemId: "hot", company: company, name: "v\(index)")], actor: "t", at: Int64(index))
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        #expect(results.filter { $0.status == .created }.count == 1)
        #expect(Set(results.map(\.objectId)).count == 1)
        let history = try await store.history(results[0].objectId)
        #expect(history.count == 16)
        #expect(history.map(\.revision) == Array(1...16))
        #expect(try await store.item(results[0].objectId)?.revision == 16)
        try await store.close()
    }

    @Test(arguments: Backend.allCases) func dataOutlivesTheConnectionAndMigrationsRunOnce(backend: Backend) async throws {
        let folder = temporaryFolder()
        guard let first = try await backend.open(path: folder + "/c.sqlite") else { return }
        let company = uniqueCompany("acme")
        let id = try await first.apply([draft(itemId: "kept", company: company)], actor: "t", at: 1)[0].objectId
        try await first.migrate()
        try await first.close()
        let second = try #require(try await backend.open(path: folder + "/c.sqlite"))
        #expect(try await second.item(id)?.itemId == "kept")
        try await second.close()
    }
}
