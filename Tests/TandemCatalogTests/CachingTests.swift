import Synchronization
import TandemCatalog
import Testing

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
}
