import Synchronization

/// The store's revocation counter (`CatalogStore.tokenRevocations`) as last read. A server keeps
/// tokens it has looked up only while the counter stays where it was when it looked them up, so a
/// revocation made anywhere (the CLI on the database's machine, another server of a fleet) reaches every
/// server within one poll; -1 (not read yet, or the store did not answer) keeps nothing.
public final class RevocationWatch: Sendable {
    private let counter = Atomic<Int64>(-1)

    public init() {}

    public var current: Int64 { counter.load(ordering: .acquiring) }

    public func update(_ value: Int64?) { counter.store(value ?? -1, ordering: .releasing) }

    /// Reads the counter every `interval` until cancelled; a failed read stops trusting kept tokens.
    public func poll(_ store: any CatalogStore, every interval: Duration) async {
        while !Task.isCancelled {
            update(try? await store.tokenRevocations())
            try? await Task.sleep(for: interval)
        }
        update(nil)
    }
}
