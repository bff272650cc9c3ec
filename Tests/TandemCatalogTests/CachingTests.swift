import Synchronization
import Testing

@testable import TandemCatalog

/// A monotonic clock a test moves by hand.
final class ManualUptime: Sendable {
    private let value = Mutex(Duration.zero)
    var now: Duration { value.withLock { $0 } }
    func advance(_ duration: Duration) { value.withLock { $0 += duration } }
}

/// What the server's memory caches promise: its own writes are seen at once, other writers' changes
/// and revocations once an entry is older than its lifetime.
@Suite struct CachingTests {
    @Test func ownWritesAreSeenAtOnceAndOthersAfterTheLifetime() async throws {
        let base = try #require(try await Backend.sqlite.open())
        let clock = ManualUptime()
        let cached = CachingCatalogStore(base, lifetime: .seconds(1), uptime: { clock.now })
        let id = try await cached.apply([draft(itemId: "proxy", company: "acme")], actor: "t", at: 1)[0].objectId
        #expect(try await cached.item(id)?.name == "Proxy")

        _ = try await cached.apply([draft(itemId: "proxy", company: "acme", name: "Mine")], actor: "t", at: 2)
        #expect(try await cached.item(id)?.name == "Mine")

        // Another server writes to the same database.
        _ = try await base.apply([draft(itemId: "proxy", company: "acme", name: "Theirs")], actor: "t", at: 3)
        clock.advance(.milliseconds(999))
        #expect(try await cached.item(id)?.name == "Mine")
        clock.advance(.milliseconds(1))
        #expect(try await cached.item(id)?.name == "Theirs")

        #expect(try await cached.delete(id, actor: "t", at: 4))
        #expect(try await cached.item(id) == nil)
        try await cached.close()
    }

    @Test func aRevokedTokenStopsWorkingWithinTheLifetime() async throws {
        let store = try #require(try await Backend.sqlite.open())
        let clock = ManualUptime()
        let service = CatalogService(store: store, now: { 10 }, tokenLifetime: .seconds(1), uptime: { clock.now })
        let (secret, record) = TokenSecret.generate(tenantId: "acme", name: "ci", role: .read, at: 0)
        try await store.addToken(record)
        #expect(try await service.authenticate(authorization: "Bearer \(secret)").tenantId == "acme")
        _ = try await store.revokeToken(id: record.id, at: 5)
        clock.advance(.milliseconds(999))
        #expect(try await service.authenticate(authorization: "Bearer \(secret)").tenantId == "acme")
        clock.advance(.milliseconds(1))
        await #expect(throws: CatalogError(.unauthorized, "token \(record.id) has been revoked")) {
            try await service.authenticate(authorization: "Bearer \(secret)")
        }
        try await store.close()
    }

    /// With the store's revocation counter watched, a kept token is trusted until the counter moves,
    /// not for its whole lifetime; a watch that cannot read the counter keeps nothing.
    @Test func aRevokedTokenStopsWorkingWhenTheCounterMoves() async throws {
        let store = try #require(try await Backend.sqlite.open())
        let watch = RevocationWatch()
        let service = CatalogService(store: store, now: { 10 }, tokenLifetime: .seconds(60), revocations: watch)
        let (secret, record) = TokenSecret.generate(tenantId: "acme", name: "ci", role: .read, at: 0)
        try await store.addToken(record)
        watch.update(try await store.tokenRevocations())
        #expect(try await service.authenticate(authorization: "Bearer \(secret)").tenantId == "acme")
        _ = try await store.revokeToken(id: record.id, at: 5)
        // Kept until the next read of the counter...
        #expect(try await service.authenticate(authorization: "Bearer \(secret)").tenantId == "acme")
        // ...which drops it.
        watch.update(try await store.tokenRevocations())
        await #expect(throws: CatalogError(.unauthorized, "token \(record.id) has been revoked")) {
            try await service.authenticate(authorization: "Bearer \(secret)")
        }
        // An unread counter trusts nothing kept: every request asks the store.
        let (other, otherRecord) = TokenSecret.generate(tenantId: "acme", name: "ci2", role: .read, at: 0)
        try await store.addToken(otherRecord)
        watch.update(nil)
        #expect(try await service.authenticate(authorization: "Bearer \(other)").tenantId == "acme")
        _ = try await store.revokeToken(id: otherRecord.id, at: 6)
        await #expect(throws: CatalogError(.unauthorized, "token \(otherRecord.id) has been revoked")) {
            try await service.authenticate(authorization: "Bearer \(other)")
        }
        try await store.close()
    }

    /// The watch reads the counter beside the server: a revocation by another process reaches it.
    @Test func thePollerFollowsTheStore() async throws {
        let store = try #require(try await Backend.sqlite.open())
        let watch = RevocationWatch()
        let poller = Task { await watch.poll(store, every: .milliseconds(5)) }
        defer { poller.cancel() }
        let (_, record) = TokenSecret.generate(tenantId: "acme", name: "ci", role: .read, at: 0)
        try await store.addToken(record)
        let start = try await store.tokenRevocations()
        _ = try await store.revokeToken(id: record.id, at: 5)
        var seen = watch.current
        for _ in 0..<400 where seen != start + 1 {
            try await Task.sleep(for: .milliseconds(5))
            seen = watch.current
        }
        #expect(seen == start + 1)
        poller.cancel()
        _ = await poller.value
        #expect(watch.current == -1, "a stopped watch trusts nothing")
        try await store.close()
    }

    /// Statistics are refreshed after a fifth of the table (at least 500 rows) is new, at most every 2 s.
    @Test func statisticsAreRefreshedAfterBulkInserts() {
        let refresh = StatisticsRefresh()
        let start = ContinuousClock.now
        #expect(!refresh.shouldRefresh(afterInserting: 0, now: start))
        #expect(!refresh.shouldRefresh(afterInserting: 499, now: start))
        #expect(refresh.shouldRefresh(afterInserting: 1, now: start))
        #expect(!refresh.shouldRefresh(afterInserting: 1000, now: start + .seconds(1)), "not twice within 2 s")
        #expect(refresh.shouldRefresh(afterInserting: 1, now: start + .seconds(2)))
        // The table now holds 1,501 rows: the next refresh waits for 500 more (a fifth is less).
        #expect(!refresh.shouldRefresh(afterInserting: 499, now: start + .seconds(5)))
        #expect(refresh.shouldRefresh(afterInserting: 1, now: start + .seconds(5)))
        #expect(!refresh.shouldRefresh(afterInserting: 499, now: start + .seconds(8)), "a fifth of 2,001 is 400, but 500 is the least")
    }
}
