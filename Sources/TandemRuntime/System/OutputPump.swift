import CTandemSystem
import Glibc
import Synchronization

/// Reads every child's standard output and error on one thread with epoll, splits them into lines and
/// hands batches to the sink. A pipe is read as fast as the child writes it; lines longer than the limit
/// are cut into marked pieces, and a last line without a newline is kept and marked.
final class OutputPump: Sendable {
    static let lineLimit = 16 * 1024

    private struct Source {
        var process: String
        var stream: OutputStream
        var pending: [UInt8] = []
        /// The last piece sent was cut (`continues`): the output's end must still be said.
        var continued = false
        var closed: @Sendable () -> Void
    }

    private let epoll: Int32
    private let sources = Mutex<[Int32: Source]>([:])
    private let reads = Atomic<Int>(0)

    /// Grows with every read: whether the output thread is making progress.
    var progress: @Sendable () -> Int { { [self] in reads.load(ordering: .relaxed) } }
    private let sink: any LogSink

    init(sink: any LogSink) {
        self.sink = sink
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        startThread(named: "tandem-output") { [self] in loop() }
    }

    /// Reads `descriptor` until its end, then closes it and calls `closed`.
    func watch(_ descriptor: Int32, process: String, stream: OutputStream, closed: @escaping @Sendable () -> Void) {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        sources.withLock { $0[descriptor] = Source(process: process, stream: stream, closed: closed) }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLRDHUP.rawValue
        event.data.fd = descriptor
        if epoll_ctl(epoll, EPOLL_CTL_ADD, descriptor, &event) != 0 {
            finish(descriptor)
        }
    }

    private func loop() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while true {
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, 64, -1) }
            if count < 0 { continue }
            for index in 0..<Int(count) {
                let descriptor = events[index].data.fd
                var ended = false
                while true {
                    // Each read lands in the array its batch then takes, after the bytes of a line still
                    // pending: what was read is never copied again before the sinks format it.
                    let pending = takePending(descriptor)
                    var got = 0
                    var failure: Int32 = 0
                    var data = [UInt8](unsafeUninitializedCapacity: pending.count + Self.readSize) { buffer, initialized in
                        guard let base = buffer.baseAddress else { return }
                        pending.withUnsafeBufferPointer { if let old = $0.baseAddress { base.update(from: old, count: $0.count) } }
                        got = read(descriptor, base + pending.count, Self.readSize)
                        if got < 0 { failure = errno }
                        initialized = pending.count + max(got, 0)
                    }
                    if got > 0 {
                        reads.add(1, ordering: .relaxed)
                        // A short read's array is mostly unused room; a tail that keeps batches would hold it.
                        if got < Self.readSize / 2 { data = Self.exactCopy(data) }
                        if let batch = split(descriptor, data) { sink.write(batch) }
                        if got < Self.readSize { break }
                    } else {
                        restorePending(descriptor, pending)
                        if got == 0 {
                            ended = true
                            break
                        }
                        if failure == EINTR { continue }
                        if failure != EAGAIN { ended = true }
                        break
                    }
                }
                if ended {
                    if let last = flush(descriptor) { sink.write(last) }
                    finish(descriptor)
                }
            }
        }
    }

    /// The most one read takes from a pipe (its default size).
    static let readSize = 64 * 1024

    private static func exactCopy(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
            bytes.withUnsafeBufferPointer { if let base = $0.baseAddress, let target = buffer.baseAddress { target.update(from: base, count: $0.count) } }
            initialized = bytes.count
        }
    }

    private func takePending(_ descriptor: Int32) -> [UInt8] {
        sources.withLock { sources in
            guard var source = sources[descriptor], !source.pending.isEmpty else { return [] }
            let pending = source.pending
            source.pending = []
            sources[descriptor] = source
            return pending
        }
    }

    private func restorePending(_ descriptor: Int32, _ pending: [UInt8]) {
        guard !pending.isEmpty else { return }
        sources.withLock { $0[descriptor]?.pending = pending }
    }

    /// The whole lines in `data` (what was pending, then what was read); the rest waits for more.
    private func split(_ descriptor: Int32, _ data: [UInt8]) -> LineBatch? {
        sources.withLock { sources -> LineBatch? in
            guard var source = sources[descriptor] else { return nil }
            var lines: [LineBatch.Line] = []
            var start = 0
            let count = data.count
            data.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                // memchr finds each newline (glibc's is vectorised: the output thread scanned a byte at a
                // time before), looking at most one line's limit ahead.
                while start < count {
                    let window = min(count - start, Self.lineLimit)
                    if let found = memchr(base + start, 0x0A, window) {
                        let index = UnsafeRawPointer(base).distance(to: found)
                        var end = index
                        if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                        lines.append(LineBatch.Line(range: start..<end, continues: false, unterminated: false))
                        start = index + 1
                    } else if window == Self.lineLimit {
                        // A line longer than the limit goes out in marked pieces rather than growing without
                        // bound, each cut between two characters, never inside one.
                        let cut = Self.characterBoundary(buffer, before: start + window, after: start)
                        lines.append(LineBatch.Line(range: start..<cut, continues: true, unterminated: false))
                        start = cut
                    } else {
                        break
                    }
                }
            }
            source.pending = Array(data[start...])
            if let last = lines.last { source.continued = last.continues }
            sources[descriptor] = source
            guard !lines.isEmpty else { return nil }
            return LineBatch(process: source.process, stream: source.stream, bytes: data, lines: lines, time: wallClockSeconds())
        }
    }

    /// Where to cut before `end` so that no UTF-8 sequence is split: `end`, or the start of the sequence
    /// that `end` would cut (when that is after `start`).
    static func characterBoundary(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int, after start: Int) -> Int {
        var lead = end - 1
        // Back over at most three continuation bytes to the sequence's first byte.
        while lead > start, end - lead < 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        let first = bytes[lead]
        let length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1
        return lead + length > end && lead > start ? lead : end
    }

    private func flush(_ descriptor: Int32) -> LineBatch? {
        sources.withLock { sources in
            guard let source = sources[descriptor] else { return nil }
            if source.pending.isEmpty {
                // A line cut exactly at the end of the output still gets its end, as an empty last piece.
                guard source.continued else { return nil }
                return LineBatch(
                    process: source.process, stream: source.stream, bytes: [], lines: [LineBatch.Line(range: 0..<0, continues: false, unterminated: true)],
                    time: wallClockSeconds())
            }
            return LineBatch(
                process: source.process, stream: source.stream, bytes: source.pending,
                lines: [LineBatch.Line(range: 0..<source.pending.count, continues: false, unterminated: true)], time: wallClockSeconds())
        }
    }

    private func finish(_ descriptor: Int32) {
        epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
        let source = sources.withLock { $0.removeValue(forKey: descriptor) }
        close(descriptor)
        source?.closed()
    }
}
