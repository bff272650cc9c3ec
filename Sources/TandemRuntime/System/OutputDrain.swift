import Synchronization

/// Counts the end of a process's two output pipes, so its exit is reported after its last lines.
final class OutputDrain: Sendable {
    private struct State {
        var closed = 0
        var waiter: CheckedContinuation<Void, Never>?
        /// The wait gave up (no progress for its idle time) before or while it waited.
        var expired = false
    }

    private let state = Mutex(State())

    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed += 1
            guard state.closed >= 2 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits until both pipes have ended, for as long as the output thread keeps reading (a slow console
    /// slows it, and nothing is lost), but not past `idle` without progress (a console nobody reads, or
    /// a descendant that holds the pipes open without writing). Woken by the second close, not by polling:
    /// a shutdown of hundreds of processes costs one wake-up each.
    @inline(never)
    func wait(idleFor idle: Duration, progress: @escaping @Sendable () -> Int) async {
        if state.withLock({ $0.closed >= 2 }) { return }
        let watchdog = Task { [self] in
            var last = progress()
            var lastChange = ContinuousClock.now
            let step = idle / 4
            while !Task.isCancelled {
                try? await Task.sleep(for: step)
                let now = progress()
                if now != last {
                    last = now
                    lastChange = ContinuousClock.now
                } else if ContinuousClock.now - lastChange >= idle {
                    let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                        state.expired = true
                        defer { state.waiter = nil }
                        return state.waiter
                    }
                    waiter?.resume()
                    return
                }
            }
        }
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.closed >= 2 || state.expired { return true }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
        watchdog.cancel()
    }
}
