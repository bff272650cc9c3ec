import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

// The supervisor's waiting for state changes.
extension Supervisor {
    /// Suspends until the next state change, or the deadline.
    func waitForChange(until deadline: ContinuousClock.Instant?) async {
        let id = nextWaiter
        nextWaiter += 1
        await withCheckedContinuation { continuation in
            waiters[id] = continuation
            if let deadline {
                // The timer goes when the wait ends, so that waits do not pile up sleeping tasks.
                timers[id] = Task {
                    try? await self.clock.sleep(until: deadline)
                    self.resumeWaiter(id)
                }
            }
        }
    }

    /// Suspends until `done` holds or the deadline passes.
    func waitUntil(_ deadline: ContinuousClock.Instant, _ done: () -> Bool) async {
        while !done() && clock.now < deadline {
            await waitForChange(until: deadline)
        }
    }

    func resumeWaiter(_ id: Int) {
        timers.removeValue(forKey: id)?.cancel()
        waiters.removeValue(forKey: id)?.resume()
    }

    func notifyChange() {
        changes &+= 1
        let all = waiters
        waiters.removeAll()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        for continuation in all.values { continuation.resume() }
    }
}
