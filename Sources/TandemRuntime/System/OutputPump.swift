import CTandemSystem
import Foundation
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
        var closed: @Sendable () -> Void
    }

    private let epoll: Int32
    private let sources = Mutex<[Int32: Source]>([:])
    private let sink: any LogSink

    init(sink: any LogSink) {
        self.sink = sink
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        let thread = Thread { [self] in loop() }
        thread.name = "tandem-output"
        thread.start()
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
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, 64, -1) }
            if count < 0 { continue }
            var batch: [LogRecord] = []
            for index in 0..<Int(count) {
                let descriptor = events[index].data.fd
                var ended = false
                while true {
                    let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if got > 0 {
                        split(descriptor, buffer[0..<got], into: &batch)
                        if got < buffer.count { break }
                    } else if got == 0 {
                        ended = true
                        break
                    } else {
                        if errno == EINTR { continue }
                        if errno != EAGAIN { ended = true }
                        break
                    }
                }
                if ended {
                    if let last = flush(descriptor) { batch.append(last) }
                    if !batch.isEmpty {
                        sink.write(batch)
                        batch.removeAll()
                    }
                    finish(descriptor)
                }
            }
            if !batch.isEmpty { sink.write(batch) }
        }
    }

    private func split(_ descriptor: Int32, _ bytes: ArraySlice<UInt8>, into batch: inout [LogRecord]) {
        let now = Date().timeIntervalSince1970
        sources.withLock { sources in
            guard var source = sources[descriptor] else { return }
            var start = bytes.startIndex
            var data = source.pending
            for index in bytes.indices where bytes[index] == 0x0A {
                data += bytes[start..<index]
                emit(&data, source: source, time: now, into: &batch)
                data.removeAll(keepingCapacity: true)
                start = index + 1
            }
            data += bytes[start..<bytes.endIndex]
            // A line longer than the limit goes out in marked pieces rather than growing without bound.
            while data.count >= Self.lineLimit {
                let piece = Array(data[0..<Self.lineLimit])
                batch.append(
                    LogRecord(process: source.process, stream: source.stream, text: String(decoding: piece, as: UTF8.self), continues: true, time: now))
                data.removeFirst(Self.lineLimit)
            }
            source.pending = data
            sources[descriptor] = source
        }
    }

    private func emit(_ data: inout [UInt8], source: Source, time: Double, into batch: inout [LogRecord]) {
        if data.last == 0x0D { data.removeLast() }
        batch.append(LogRecord(process: source.process, stream: source.stream, text: String(decoding: data, as: UTF8.self), time: time))
    }

    private func flush(_ descriptor: Int32) -> LogRecord? {
        sources.withLock { sources in
            guard let source = sources[descriptor], !source.pending.isEmpty else { return nil }
            return LogRecord(
                process: source.process, stream: source.stream, text: String(decoding: source.pending, as: UTF8.self), unterminated: true)
        }
    }

    private func finish(_ descriptor: Int32) {
        epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
        let source = sources.withLock { $0.removeValue(forKey: descriptor) }
        close(descriptor)
        source?.closed()
    }
}
