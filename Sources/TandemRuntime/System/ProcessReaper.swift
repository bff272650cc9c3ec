import CTandemSystem
import Dispatch
import Foundation
import Synchronization

/// Reaps every child of this process on one thread, and hands each exit to whoever waits for that pid.
/// Orphans that a subreaper (or PID 1) inherits are reaped too, so none is left a zombie.
final class ProcessReaper: Sendable {
    static let shared = ProcessReaper()

    private struct State {
        var waiting: [pid_t: @Sendable (TerminationStatus) -> Void] = [:]
        /// Exits that came before anyone asked (the child was quick), with when they came.
        var early: [pid_t: (status: TerminationStatus, at: ContinuousClock.Instant)] = [:]
        var started = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    private init() {}

    /// Calls `handler` once, when `pid` ends (at once if it already has).
    func onExit(of pid: pid_t, _ handler: @escaping @Sendable (TerminationStatus) -> Void) {
        let early: TerminationStatus? = state.withLock { state in
            if let exit = state.early.removeValue(forKey: pid) { return exit.status }
            state.waiting[pid] = handler
            return nil
        }
        if let early { handler(early) }
    }

    func exit(of pid: pid_t) async -> TerminationStatus {
        await withCheckedContinuation { continuation in
            onExit(of: pid) { continuation.resume(returning: $0) }
        }
    }

    /// Called after each spawn: starts the reaping thread once, and wakes it if it had no child.
    func childStarted() {
        let start = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        if start {
            let thread = Thread { [self] in reap() }
            thread.name = "tandem-reaper"
            thread.start()
        }
        wake.signal()
    }

    private func reap() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            if pid > 0 {
                let ended: TerminationStatus = (status & 0x7F) == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
                let handler = state.withLock { state -> (@Sendable (TerminationStatus) -> Void)? in
                    if let handler = state.waiting.removeValue(forKey: pid) { return handler }
                    let now = ContinuousClock.now
                    state.early[pid] = (ended, now)
                    // Orphans are never asked for; forget them after a minute.
                    state.early = state.early.filter { now - $0.value.at < .seconds(60) }
                    return nil
                }
                handler?(ended)
            } else if errno == ECHILD {
                _ = wake.wait(timeout: .now() + .milliseconds(200))
            }
        }
    }
}
