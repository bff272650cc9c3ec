import CTandemSystem
import Dispatch
import Glibc
import Synchronization

/// Waits for the children this library starts, on one thread, and hands each exit to whoever waits for
/// that pid. By default it reaps only those children (a pidfd each, watched with epoll), so it never
/// steals the exit status of a process someone else in this program started. A program that owns every
/// child (`tandem run`) calls `adoptOrphans()`: then it is the subreaper of its descendants and reaps
/// every child, orphans included, as an init does.
final class ProcessReaper: Sendable {
    static let shared = ProcessReaper()

    private struct State {
        var waiting: [pid_t: @Sendable (TerminationStatus) -> Void] = [:]
        /// Exits that came before anyone asked (the child was quick), with when they came.
        var early: [pid_t: (status: TerminationStatus, at: ContinuousClock.Instant)] = [:]
        var lastPrune: ContinuousClock.Instant?
        var pidfds: [Int32: pid_t] = [:]
        var reapsAll = false
    }

    private let state = Mutex(State())
    private let epoll: Int32
    /// Wakes the orphan reaper when it had no child to wait for and one has started.
    private let childArrived = DispatchSemaphore(value: 0)

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        startThread(named: "tandem-reaper") { [self] in watchPidfds() }
    }

    /// Become the subreaper of every descendant and reap all children, orphans included.
    func adoptOrphans() {
        let start = state.withLock { state in
            defer { state.reapsAll = true }
            return !state.reapsAll
        }
        guard start else { return }
        _ = tandem_set_subreaper()
        startThread(named: "tandem-orphans") { [self] in reapAll() }
    }

    /// Whether this program owns every child (it called `adoptOrphans`).
    var reapsAll: Bool { state.withLock { $0.reapsAll } }

    /// Calls `handler` once, when `pid` ends (at once if it already has).
    func onExit(of pid: pid_t, _ handler: @escaping @Sendable (TerminationStatus) -> Void) {
        let early: TerminationStatus? = state.withLock { state in
            if let exit = state.early.removeValue(forKey: pid) { return exit.status }
            state.waiting[pid] = handler
            return nil
        }
        if let early { handler(early) }
    }

    @inline(never)
    func exit(of pid: pid_t) async -> TerminationStatus {
        await withCheckedContinuation { continuation in
            onExit(of: pid) { continuation.resume(returning: $0) }
        }
    }

    /// Called after each spawn: watches the child's end. Under `adoptOrphans` the orphan reaper's
    /// `waitpid(-1)` sees every child's end, so no pidfd is opened: a second watcher of each exit cost a pidfd
    /// (open, epoll, close and its inode's release) and a second thread woken per exit, a fifth of a large
    /// unit's stop.
    func childStarted(_ pid: pid_t) {
        if state.withLock({ $0.reapsAll }) {
            childArrived.signal()
            return
        }
        let pidfd = tandem_pidfd_open(pid)
        if pidfd < 0 {
            // Already reaped by the orphan reaper (a very quick child), which recorded its exit.
            if errno != ESRCH { collect(pid) }
            return
        }
        state.withLock { $0.pidfds[pidfd] = pid }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = pidfd
        if epoll_ctl(epoll, EPOLL_CTL_ADD, pidfd, &event) != 0 {
            state.withLock { _ = $0.pidfds.removeValue(forKey: pidfd) }
            close(pidfd)
            collect(pid)
        }
    }

    private func watchPidfds() {
        var events = [epoll_event](repeating: epoll_event(), count: 32)
        while true {
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, 32, -1) }
            guard count > 0 else { continue }
            for index in 0..<Int(count) {
                let pidfd = events[index].data.fd
                epoll_ctl(epoll, EPOLL_CTL_DEL, pidfd, nil)
                let pid = state.withLock { $0.pidfds.removeValue(forKey: pidfd) }
                close(pidfd)
                if let pid { collect(pid) }
            }
        }
    }

    /// Reaps `pid` (blocking until it ends, which it has when its pidfd is readable) and reports it.
    private func collect(_ pid: pid_t) {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
        // Under adoptOrphans the other reaper may have been first; it reported the exit itself.
        guard result == pid else { return }
        report(pid, status: status)
    }

    private func reapAll() {
        var forgotten = false
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            if pid > 0 {
                forgotten = false
                report(pid, status: status)
            } else if errno == ECHILD {
                if !forgotten {
                    // The starts signalled while this thread reaped are children waitpid saw: forget them, then
                    // look once more, so that the wait below wakes only for a child started after that look.
                    while childArrived.wait(timeout: .now()) == .success {}
                    forgotten = true
                    continue
                }
                forgotten = false
                // No child: until the next one starts; the timeout covers a child started by other code than
                // `childStarted`.
                _ = childArrived.wait(timeout: .now() + .milliseconds(50))
            }
        }
    }

    private func report(_ pid: pid_t, status: Int32) {
        let ended: TerminationStatus = (status & 0x7F) == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
        let handler = state.withLock { state -> (@Sendable (TerminationStatus) -> Void)? in
            if let handler = state.waiting.removeValue(forKey: pid) { return handler }
            let now = ContinuousClock.now
            state.early[pid] = (ended, now)
            // Orphans are never asked for; forget them after a minute (looked over at most once a
            // second, so that reaping many orphans stays linear).
            if state.lastPrune.map({ now - $0 >= .seconds(1) }) ?? true {
                state.lastPrune = now
                state.early = state.early.filter { now - $0.value.at < .seconds(60) }
            }
            return nil
        }
        handler?(ended)
    }
}
