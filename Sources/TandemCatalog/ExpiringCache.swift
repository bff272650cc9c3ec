import Synchronization

/// Values kept in memory for a short `lifetime`, on a monotonic clock a test can replace; when full,
/// it starts over rather than tracking what is least used (a second's worth of entries is cheap to refetch).
final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    struct Entry {
        var value: Value
        var storedAt: Duration
    }

    let lifetime: Duration
    let capacity: Int
    let uptime: @Sendable () -> Duration
    private let entries = Mutex<[Key: Entry]>([:])

    init(lifetime: Duration, capacity: Int, uptime: @escaping @Sendable () -> Duration) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.uptime = uptime
    }

    /// The value stored for `key` less than `lifetime` ago, or nil.
    func value(for key: Key) -> Value? {
        let now = uptime()
        guard let entry = entries.withLock({ $0[key] }), now - entry.storedAt < lifetime else { return nil }
        return entry.value
    }

    func store(_ value: Value, for key: Key) {
        let now = uptime()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, storedAt: now)
        }
    }

    func remove(_ keys: some Sequence<Key>) {
        entries.withLock { entries in
            for key in keys { entries[key] = nil }
        }
    }
}
