import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

// The supervisor's waiting for state changes.
extension Supervisor {
    /// A wait for several processes to end: those of them still running.
    struct EndWait {
        var id: Int
        var pending: Set<String>
        var continuation: CheckedContinuation<Void, Never>
    }

    /// Suspends until none of `names` runs, or the deadline. One wait for a whole level of a stop, counted
    /// down by each end (`notifyChange`): a stop of n processes takes one task and one timer, not n of each.
    func waitForEnds(of names: Set<String>, until deadline: ContinuousClock.Instant) async {
        let pending = names.filter { states[$0]?.running == true }
        guard !pending.isEmpty, clock.now < deadline else { return }
        let id = nextWaiter
        nextWaiter += 1
        await withCheckedContinuation { continuation in
            endWait = EndWait(id: id, pending: pending, continuation: continuation)
            timers[id] = Task {
                try? await self.clock.sleep(until: deadline)
                self.resumeEndWait(id)
            }
        }
    }

    func resumeEndWait(_ id: Int) {
        guard let wait = endWait, wait.id == id else { return }
        endWait = nil
        timers.removeValue(forKey: id)?.cancel()
        wait.continuation.resume()
    }

    /// Counts down the end wait: `key` has changed (nil: anything may have).
    private func countDownEndWait(_ key: String?) {
        guard let wait = endWait else { return }
        if let key {
            guard states[key]?.running != true, endWait?.pending.remove(key) != nil else { return }
        } else {
            endWait?.pending = wait.pending.filter { states[$0]?.running == true }
        }
        if endWait?.pending.isEmpty == true { resumeEndWait(wait.id) }
    }

    /// Suspends until the next state change (of process `key` only, when given), or the deadline.
    /// Keyed waits are what makes a stop of n processes cost n wake-ups instead of n²: each waits for its
    /// own process, not for every change of the unit.
    @inline(never)
    func waitForChange(until deadline: ContinuousClock.Instant?, of key: String? = nil) async {
        let id = nextWaiter
        nextWaiter += 1
        await withCheckedContinuation { continuation in
            waiters[id] = continuation
            if let key { keyedWaiters[key, default: []].insert(id) } else { generalWaiters.insert(id) }
            waiterKeys[id] = key
            if let deadline {
                // The timer goes when the wait ends, so that waits do not pile up sleeping tasks.
                timers[id] = Task {
                    try? await self.clock.sleep(until: deadline)
                    self.resumeWaiter(id)
                }
            }
        }
    }

    /// Suspends until `done` holds or the deadline passes; `key` as for `waitForChange`.
    @inline(never)
    func waitUntil(_ deadline: ContinuousClock.Instant, of key: String? = nil, _ done: () -> Bool) async {
        while !done() && clock.now < deadline {
            await waitForChange(until: deadline, of: key)
        }
    }

    func resumeWaiter(_ id: Int) {
        timers.removeValue(forKey: id)?.cancel()
        if let key = waiterKeys.removeValue(forKey: id) {
            if let key {
                keyedWaiters[key]?.remove(id)
                if keyedWaiters[key]?.isEmpty == true { keyedWaiters[key] = nil }
            } else {
                generalWaiters.remove(id)
            }
        }
        waiters.removeValue(forKey: id)?.resume()
    }

    /// Something happened that changes no state (a control request): wakes only the unkeyed waits, such as
    /// the one that gives memory back once the unit is still.
    func notifyActivity() {
        changes &+= 1
        for id in generalWaiters { resumeWaiter(id) }
    }

    /// A change of process `key` (nil: of the unit): wakes the waits on it and the unkeyed ones.
    func notifyChange(_ key: String? = nil) {
        changes &+= 1
        countDownEndWait(key)
        var woken = generalWaiters
        if let key {
            if let keyed = keyedWaiters[key] { woken.formUnion(keyed) }
        } else {
            woken = Set(waiters.keys)
        }
        for id in woken { resumeWaiter(id) }
    }
}
