import CTandemSystem
import Dispatch
import Glibc
import Synchronization

/// Delivers every process's lines to a built-in destination (a file, or HTTP POSTs) from a thread of its
/// own, so the output thread never waits for it. Lines are held (up to a bound) while the destination is
/// slow or down, and retried with backoff; what cannot be held is dropped and counted, and the unit is
/// told (an event when delivery fails, one at most every 5 s while lines are dropped, one when it recovers).
final class DestinationSink: LogSink {
    static let holdLimit = 4 << 20
    static let batchLimit = 256 << 10
    static let requestTimeoutMilliseconds: Int32 = 5_000

    private struct State {
        var pending: [UInt8] = []
        var pendingLines = 0
        var delivered = 0
        var dropped = 0
        var closing = false
        var dropNotice = DropNotice()
        /// Why the last delivery failed, while it fails.
        var failure: String?
        /// Set when `finish` gave up waiting: the thread stops at its next turn.
        var abandoned = false
    }

    let destination: LogDestination
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let report: @Sendable (String) -> Void

    /// `report` gets the sink's events (to be written as the unit's own).
    init(destination: LogDestination, report: @escaping @Sendable (String) -> Void) {
        self.destination = destination
        self.report = report
        startThread(named: "tandem-logdest") { [self] in deliverLoop() }
    }

    var dropped: Int { state.withLock { $0.dropped } }
    var delivered: Int { state.withLock { $0.delivered } }

    func write(_ records: [LogRecord]) {
        var text = ""
        var lines = 0
        for record in records where record.stream != .event {
            let json = ConsoleSink.json(record)
            if case .file(_, .outFile) = destination {
                text += "\(record.process): [\(fixedPoint(record.time, decimals: 6)), \(json)]\n"
            } else {
                text += json + "\n"
            }
            lines += 1
        }
        guard lines > 0 else { return }
        let drops = state.withLock { state -> (count: Int, failure: String?)? in
            if state.closing || state.pending.count + text.utf8.count > Self.holdLimit {
                state.dropped += lines
            } else {
                state.pending += text.utf8
                state.pendingLines += lines
            }
            guard !state.closing, state.dropNotice.isDue(dropped: state.dropped) else { return nil }
            return (state.dropped, state.failure)
        }
        wake.signal()
        // Outside the lock: the report goes through the sinks.
        if let drops {
            let reason = drops.failure ?? "it does not take them as fast as they come"
            report(DropNotice.text("log destination \(destination)", dropped: drops.count, reason: reason))
        }
    }

    /// Delivers what is held, waiting up to `limit`; what is still held then is counted as dropped.
    /// Returns the lines delivered and dropped in all.
    func finish(within limit: Duration) -> (delivered: Int, dropped: Int) {
        state.withLock { $0.closing = true }
        wake.signal()
        let seconds = max(0, limit.inSeconds)
        if done.wait(timeout: .now() + .nanoseconds(Int(seconds * 1e9))) == .timedOut {
            state.withLock { state in
                state.abandoned = true
                state.dropped += state.pendingLines
                state.pendingLines = 0
                state.pending = []
            }
        }
        return state.withLock { ($0.delivered, $0.dropped) }
    }

    private func deliverLoop() {
        let transport = Transport(destination)
        var failure: String?
        var backoff = 0.1
        while true {
            let (chunk, lines, closing, abandoned) = state.withLock { state in
                // Up to a batch, cut after the last whole line in it.
                var end = min(state.pending.count, Self.batchLimit)
                if end < state.pending.count, let newline = state.pending[..<end].lastIndex(of: UInt8(ascii: "\n")) { end = newline + 1 }
                let chunk = Array(state.pending[..<end])
                return (chunk, chunk.count { $0 == UInt8(ascii: "\n") }, state.closing, state.abandoned)
            }
            if abandoned { return }
            if chunk.isEmpty {
                if closing {
                    done.signal()
                    return
                }
                _ = wake.wait(timeout: .now() + .seconds(1))
                continue
            }
            if let problem = transport.send(chunk) {
                if failure == nil { report("cannot deliver logs to \(destination): \(problem); holding up to 4 MiB of lines, then dropping") }
                failure = problem
                state.withLock { $0.failure = problem }
                sleepThread(seconds: backoff)
                backoff = min(backoff * 2, 2)
                continue
            }
            state.withLock { state in
                state.pending.removeFirst(chunk.count)
                state.pendingLines -= lines
                state.delivered += lines
            }
            if failure != nil {
                report("delivering logs to \(destination) again")
                state.withLock { $0.failure = nil }
            }
            failure = nil
            backoff = 0.1
        }
    }

    /// One destination's way of taking a chunk of lines; nil when it did, else why not.
    private struct Transport {
        let destination: LogDestination

        init(_ destination: LogDestination) { self.destination = destination }

        func send(_ chunk: [UInt8]) -> String? {
            switch destination {
            case .file(let path, _):
                // Opened for each chunk, as Fluent Bit's file output does: a file moved away (logrotate)
                // is followed by a new one.
                let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0o640)
                guard descriptor >= 0 else { return String(cString: strerror(errno)) }
                defer { Glibc.close(descriptor) }
                return writeAll(descriptor, chunk) ? nil : String(cString: strerror(errno))
            case .http(let host, let port, let path, let format, let header):
                var body = chunk
                var contentType = "application/x-ndjson"
                if format == .json {
                    // JSON lines to an array: the newlines between records become commas.
                    body.removeLast()
                    for index in body.indices where body[index] == UInt8(ascii: "\n") { body[index] = UInt8(ascii: ",") }
                    body = [UInt8(ascii: "[")] + body + [UInt8(ascii: "]")]
                    contentType = "application/json"
                }
                let status = body.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        tandem_http_post(host, Int32(port), path, contentType, header, $0.baseAddress, $0.count, DestinationSink.requestTimeoutMilliseconds)
                    }
                }
                if status < 0 { return errno == ETIMEDOUT ? "no answer within 5s" : String(cString: strerror(errno)) }
                return (200..<300).contains(status) ? nil : "HTTP status \(status)"
            }
        }
    }
}
