import Glibc
import Synchronization

/// The unit's recent lines and events, for `tandem logs`, and the connections that follow new ones.
///
/// Batches are kept as the output thread made them (their byte arrays are shared, not copied), so keeping
/// a tail costs the hot path one append; the oldest go once more than `maxLines` lines or `maxBytes`
/// bytes are held. A follower that does not keep up is dropped rather than slowing the unit.
final class LogTail: LogSink {
    /// Batches or records as they came, with their sizes counted once.
    private struct Entry {
        enum Content {
            case batch(LineBatch)
            case records([LogRecord])
        }

        let content: Content
        let lines: Int
        let bytes: Int

        init(_ batch: LineBatch) {
            content = .batch(batch)
            lines = batch.lines.count
            bytes = batch.bytes.count
        }

        init(_ records: [LogRecord]) {
            content = .records(records)
            lines = records.count
            bytes = records.reduce(0) { $0 + $1.text.utf8.count }
        }

        var records: [LogRecord] {
            switch content {
            case .batch(let batch): batch.records
            case .records(let records): records
            }
        }
    }

    private struct Follower {
        var descriptor: Int32
        var process: String?
    }

    private struct State {
        var entries: [Entry] = []
        var first = 0
        var lines = 0
        var bytes = 0
        var followers: [Follower] = []
        var closed = false
    }

    private let state = Mutex(State())
    let maxLines: Int
    let maxBytes: Int

    init(maxLines: Int = 1000, maxBytes: Int = 256 * 1024) {
        self.maxLines = maxLines
        self.maxBytes = maxBytes
    }

    func write(_ records: [LogRecord]) { append(Entry(records)) }
    func write(_ batch: LineBatch) { append(Entry(batch)) }

    private func append(_ entry: Entry) {
        state.withLock { state in
            state.entries.append(entry)
            state.lines += entry.lines
            state.bytes += entry.bytes
            while state.entries.count - state.first > 1, state.lines > maxLines || state.bytes > maxBytes {
                let oldest = state.entries[state.first]
                state.lines -= oldest.lines
                state.bytes -= oldest.bytes
                state.first += 1
            }
            if state.first > 64 && state.first * 2 > state.entries.count {
                state.entries.removeFirst(state.first)
                state.first = 0
            }
            guard !state.followers.isEmpty else { return }
            // Each line is formatted once, whatever the number of followers.
            let lines = entry.records.map { (process: $0.process, json: ConsoleSink.json($0) + "\n") }
            state.followers.removeAll { follower in
                let text = lines.filter { follower.process == nil || $0.process == follower.process }.map(\.json).joined()
                if text.isEmpty { return false }
                if Self.send(follower.descriptor, text) { return false }
                Glibc.close(follower.descriptor)
                return true
            }
        }
    }

    /// The last `count` lines and events (of `process`, or all), oldest first, as JSON lines.
    func recent(_ count: Int, of process: String?) -> String {
        state.withLock { recentLocked($0, count, of: process) }
    }

    /// Sends the backlog, then every new line of `process` (or all) to `descriptor` until the unit ends.
    func follow(_ descriptor: Int32, backlog: Int, process: String?) {
        // Under the lock, so no line falls between the backlog and the first followed one.
        state.withLock { state in
            let backlogText = recentLocked(state, backlog, of: process)
            guard !state.closed, Self.send(descriptor, "ok\n" + backlogText) else {
                Glibc.close(descriptor)
                return
            }
            let flags = fcntl(descriptor, F_GETFL)
            _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
            state.followers.append(Follower(descriptor: descriptor, process: process))
        }
    }

    private func recentLocked(_ state: State, _ count: Int, of process: String?) -> String {
        var records: [LogRecord] = []
        for entry in state.entries[state.first...].reversed() {
            records.insert(contentsOf: entry.records.filter { process == nil || $0.process == process }, at: 0)
            if records.count >= count { break }
        }
        return records.suffix(count).map { ConsoleSink.json($0) + "\n" }.joined()
    }

    /// Ends every follow: the unit has stopped.
    func close() {
        state.withLock { state in
            state.closed = true
            for follower in state.followers { Glibc.close(follower.descriptor) }
            state.followers = []
        }
    }

    /// Writes all of `text`, waiting at most briefly on a full socket; false when the reader is gone or stalled.
    private static func send(_ descriptor: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        var waits = 0
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                bytes = bytes.dropFirst(count)
            } else if count < 0, errno == EAGAIN || errno == EINTR, waits < 20 {
                waits += 1
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, 5)
            } else {
                return false
            }
        }
        return true
    }
}
