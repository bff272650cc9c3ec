import Synchronization

/// Counts the end of a process's two output pipes, so its exit is reported after its last lines.
final class OutputDrain: Sendable {
    private let closed = Mutex(0)

    func close() { closed.withLock { $0 += 1 } }

    /// Waits until both pipes have ended, for as long as the output thread keeps reading (a slow console
    /// slows it, and nothing is lost), but not past `idle` without progress (a console nobody reads, or
    /// a descendant that holds the pipes open without writing).
    func wait(idleFor idle: Duration, progress: @Sendable () -> Int) async {
        var last = progress()
        var deadline = ContinuousClock.now + idle
        while closed.withLock({ $0 }) < 2 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
            let now = progress()
            if now != last {
                last = now
                deadline = ContinuousClock.now + idle
            }
        }
    }
}
