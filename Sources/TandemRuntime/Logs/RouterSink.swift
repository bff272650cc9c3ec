import Dispatch
import Glibc
import Synchronization

/// Copilot's FireLens pattern on one machine: every process's lines go, as JSON lines, to the log
/// router's standard input. Lines written before the router is up are held (up to a bound) and delivered
/// when it starts; a router that stops reading never blocks the processes: what cannot be held is
/// dropped and counted. A thread of its own delivers what is held as soon as the router can take it (not
/// when the next line comes), and at the end what is still held is counted as dropped, so that delivered
/// plus dropped is every line produced.
final class RouterSink: LogSink {
    static let holdLimit = 4 << 20

    private struct State {
        var descriptor: Int32?
        /// Whole JSON lines, the first perhaps partly written.
        var pending: [UInt8] = []
        var offset = 0
        var held = 0
        var delivered = 0
        var dropped = 0
        var dropNotice = DropNotice()
        var finished = false
    }

    private let state = Mutex(State())
    private let hasWork = DispatchSemaphore(value: 0)
    private let report: @Sendable (String) -> Void

    /// `report` gets the sink's events (dropped lines, at most one every 5 s).
    init(report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.report = report
        startThread(named: "tandem-router") { [self] in deliverLoop() }
    }

    var dropped: Int { state.withLock { $0.dropped } }
    var delivered: Int { state.withLock { $0.delivered } }

    func attach(_ descriptor: Int32) {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        state.withLock { state in
            state.descriptor = descriptor
            Self.flush(&state)
        }
        hasWork.signal()
    }

    /// The router ended: what is held waits for its next start (or the end).
    func detach() {
        state.withLock { state in
            if let descriptor = state.descriptor { close(descriptor) }
            state.descriptor = nil
        }
    }

    func write(_ records: [LogRecord]) {
        var text = ""
        var lines = 0
        for record in records where record.stream != .event {
            text += ConsoleSink.json(record) + "\n"
            lines += 1
        }
        guard lines > 0 else { return }
        let (dropped, waiting) = state.withLock { state -> (Int?, Bool) in
            if state.finished || state.pending.count - state.offset + text.utf8.count > Self.holdLimit {
                state.dropped += lines
            } else {
                state.pending += text.utf8
                state.held += lines
                Self.flush(&state)
            }
            return (state.dropNotice.isDue(dropped: state.dropped) ? state.dropped : nil, state.held > 0 && state.descriptor != nil)
        }
        if waiting { hasWork.signal() }
        // Outside the lock: the report is written through the sinks, this one among them.
        if let dropped {
            report(DropNotice.text("log router", dropped: dropped, reason: "it does not read its standard input fast enough"))
        }
    }

    /// Waits (blocking) until everything held is delivered, the router is gone, or `limit` (if any) passes.
    func drain(within limit: Duration? = nil) {
        let deadline = limit.map { ContinuousClock.now + $0 }
        while deadline.map({ ContinuousClock.now < $0 }) ?? true {
            let descriptor = state.withLock { state -> Int32? in
                Self.flush(&state)
                return state.held > 0 ? state.descriptor : nil
            }
            guard let descriptor else { return }
            let left = deadline.map { ($0 - ContinuousClock.now).inSeconds * 1000 } ?? 50
            waitWritable(descriptor, milliseconds: Int32(max(1, min(50, left))))
        }
    }

    /// The unit has ended: what is still held will never be delivered, and counts as dropped.
    func finish() {
        state.withLock { state in
            state.finished = true
            state.dropped += state.held
            state.held = 0
            state.pending = []
            state.offset = 0
        }
    }

    private func deliverLoop() {
        while true {
            hasWork.wait()
            drain()
        }
    }

    private func waitWritable(_ descriptor: Int32, milliseconds: Int32) {
        var waiter = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        _ = poll(&waiter, 1, milliseconds)
        // A closed or broken pipe answers at once; do not spin on it.
        if waiter.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { sleepThread(seconds: 0.01) }
    }

    /// Writes what the router takes without blocking; counts each line whose newline went out.
    private static func flush(_ state: inout State) {
        guard let descriptor = state.descriptor else { return }
        while state.offset < state.pending.count {
            let written = state.pending.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + state.offset, buffer.count - state.offset)
            }
            if written > 0 {
                let lines = state.pending[state.offset..<(state.offset + written)].count(where: { $0 == 0x0A })
                state.offset += written
                state.held -= lines
                state.delivered += lines
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        if state.offset == state.pending.count {
            state.pending.removeAll(keepingCapacity: state.pending.count < 1 << 16)
            state.offset = 0
        } else if state.offset > 1 << 20 {
            state.pending.removeFirst(state.offset)
            state.offset = 0
        }
    }
}
