import Glibc
import Synchronization

/// Copilot's FireLens pattern on one machine: every process's lines go, as JSON lines, to the log
/// router's standard input. Lines written before the router is up are held (up to a bound) and delivered
/// when it starts; a router that stops reading never blocks the processes: what cannot be held is
/// dropped and counted.
final class RouterSink: LogSink {
    static let holdLimit = 4 << 20

    private struct State {
        var descriptor: Int32?
        var pending: [UInt8] = []
        var dropped = 0
        var dropNotice = DropNotice()
    }

    private let state = Mutex(State())
    private let report: @Sendable (String) -> Void

    /// `report` gets the sink's events (dropped lines, at most one every 5 s).
    init(report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.report = report
    }

    var dropped: Int { state.withLock { $0.dropped } }

    func attach(_ descriptor: Int32) {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        state.withLock { state in
            state.descriptor = descriptor
            Self.flush(&state)
        }
    }

    func detach() {
        state.withLock { state in
            if let descriptor = state.descriptor { close(descriptor) }
            state.descriptor = nil
        }
    }

    func write(_ records: [LogRecord]) {
        var text = ""
        for record in records where record.stream != .event { text += ConsoleSink.json(record) + "\n" }
        guard !text.isEmpty else { return }
        let dropped = state.withLock { state -> Int? in
            let bytes = Array(text.utf8)
            if state.pending.count + bytes.count > Self.holdLimit {
                state.dropped += records.count { $0.stream != .event }
            } else {
                state.pending += bytes
            }
            Self.flush(&state)
            return state.dropNotice.isDue(dropped: state.dropped) ? state.dropped : nil
        }
        // Outside the lock: the report is written through the sinks, this one among them.
        if let dropped {
            report(DropNotice.text("log router", dropped: dropped, reason: "it does not read its standard input fast enough"))
        }
    }

    private static func flush(_ state: inout State) {
        guard let descriptor = state.descriptor else { return }
        while !state.pending.isEmpty {
            let written = state.pending.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                state.pending.removeFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
    }
}
