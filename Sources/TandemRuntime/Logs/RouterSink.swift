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
    }

    private let state = Mutex(State())

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
        state.withLock { state in
            let bytes = Array(text.utf8)
            if state.pending.count + bytes.count > Self.holdLimit {
                state.dropped += records.count
            } else {
                state.pending += bytes
            }
            Self.flush(&state)
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
