import Dispatch
import Glibc
import Synchronization
import TandemCore

public enum OutputStream: String, Sendable {
    case stdout
    case stderr
    /// Tandem's own events about a process (started, exited, restarting).
    case event
}

/// One line of a process's output, or one event about it.
public struct LogRecord: Sendable {
    public var process: String
    public var stream: OutputStream
    public var text: String
    /// The line was longer than the line limit: this piece continues in the next record.
    public var continues: Bool
    /// The output ended without a final newline.
    public var unterminated: Bool
    /// Seconds since 1970.
    public var time: Double

    public init(
        process: String, stream: OutputStream, text: String, continues: Bool = false, unterminated: Bool = false, time: Double = wallClockSeconds()
    ) {
        self.process = process
        self.stream = stream
        self.text = text
        self.continues = continues
        self.unterminated = unterminated
        self.time = time
    }
}

/// Lines read from one pipe in one go: the bytes, and where each line is in them. The output thread
/// hands these over without making a String per line; sinks that want records get them on demand.
public struct LineBatch: Sendable {
    public struct Line: Sendable {
        public var range: Range<Int>
        public var continues: Bool
        public var unterminated: Bool
    }

    public var process: String
    public var stream: OutputStream
    public var bytes: [UInt8]
    public var lines: [Line]
    public var time: Double

    public var records: [LogRecord] {
        lines.map { line in
            LogRecord(
                process: process, stream: stream, text: String(decoding: bytes[line.range], as: UTF8.self), continues: line.continues,
                unterminated: line.unterminated, time: time)
        }
    }
}

/// Where tagged lines go. Called from the output thread; must not block for long.
public protocol LogSink: Sendable {
    func write(_ records: [LogRecord])
    func write(_ batch: LineBatch)
}

extension LogSink {
    public func write(_ batch: LineBatch) { write(batch.records) }
}

/// Lines on a file descriptor (standard output by default), each prefixed with its process's name,
/// colored when the descriptor is a terminal (as Compose does), or as JSON lines.
public final class ConsoleSink: LogSink {
    public enum Format: String, Sendable, Codable {
        case text
        case json
    }

    private struct State {
        var width = 8
        var colors: [String: String] = [:]
    }

    private let descriptor: Int32
    private let format: Format
    private let useColor: Bool
    private let state = Mutex(State())
    /// With `queued`, what goes to the descriptor is written by a thread of its own.
    private let writer: QueuedWriter?
    private static let palette = ["\u{1B}[36m", "\u{1B}[33m", "\u{1B}[32m", "\u{1B}[35m", "\u{1B}[34m", "\u{1B}[96m", "\u{1B}[93m", "\u{1B}[92m"]

    /// `queued`: write from a thread of its own, so that a descriptor nobody reads (a stalled pipe) never
    /// blocks the caller of `write(_ records:)` (the supervisor's events); process lines still wait for it
    /// (`write(_ batch:)`), so that none is lost when a process writes faster than the console takes.
    public init(descriptor: Int32 = 1, format: Format = .text, processNames: [String] = [], queued: Bool = false) {
        self.descriptor = descriptor
        self.writer = queued ? QueuedWriter(descriptor: descriptor) : nil
        self.format = format
        self.useColor = format == .text && isatty(descriptor) == 1 && environmentValue("NO_COLOR") == nil
        var state = State()
        state.width = max(8, processNames.map(\.count).max() ?? 0)
        for (index, name) in processNames.enumerated() { state.colors[name] = Self.palette[index % Self.palette.count] }
        self.state.withLock { $0 = state }
    }

    public func write(_ records: [LogRecord]) {
        var output = ""
        state.withLock { state in
            for record in records {
                switch format {
                case .json: output += Self.json(record) + "\n"
                case .text:
                    let name = padded(record.process, to: state.width)
                    let marker = record.stream == .event ? "* " : ""
                    let suffix = record.continues ? " ↩" : (record.unterminated ? " ⏎" : "")
                    if useColor, let color = state.colors[record.process] {
                        output += "\(color)\(name) |\u{1B}[0m \(marker)\(record.text)\(suffix)\n"
                    } else {
                        output += "\(name) | \(marker)\(record.text)\(suffix)\n"
                    }
                }
            }
        }
        if let writer {
            writer.enqueue(Array(output.utf8), lines: records.count, waitForSpace: false)
        } else {
            writeAll(descriptor, output.utf8)
        }
    }

    /// Waits (up to `limit`) until everything queued is written; false when it was not (the descriptor is
    /// not being read) or when lines had to be dropped.
    public func flush(within limit: Duration) -> Bool {
        writer?.flush(within: limit) ?? true
    }

    /// The fast path for process output in text form: prefix and line bytes go straight into one buffer
    /// and one write, with no String per line.
    public func write(_ batch: LineBatch) {
        guard format == .text else {
            // JSON lines wait for the console exactly as text does: none is dropped.
            let output = Self.jsonLines(batch)
            if let writer {
                writer.write(output, lines: batch.lines.count)
            } else {
                writeAll(descriptor, output)
            }
            return
        }
        let (prefix, suffixColor) = state.withLock { state -> ([UInt8], Bool) in
            let name = padded(batch.process, to: state.width)
            if useColor, let color = state.colors[batch.process] { return (Array("\(color)\(name) |\u{1B}[0m ".utf8), true) }
            return (Array("\(name) | ".utf8), false)
        }
        _ = suffixColor
        let output = Self.textLines(batch, prefix: prefix)
        if let writer {
            writer.write(output, lines: batch.lines.count)
        } else {
            writeAll(descriptor, output)
        }
    }

    private static let continuesMark = Array(" ↩".utf8)
    private static let unterminatedMark = Array(" ⏎".utf8)

    /// Each line of the batch after `prefix`, its mark and a newline, copied once into a buffer of exactly
    /// the size needed (the console's hot path: a line at a time through `+=` cost a capacity check and a
    /// generic append per piece).
    static func textLines(_ batch: LineBatch, prefix: [UInt8]) -> [UInt8] {
        var size = 0
        for line in batch.lines {
            size += prefix.count + line.range.count + 1
            if line.continues { size += continuesMark.count } else if line.unterminated { size += unterminatedMark.count }
        }
        return [UInt8](unsafeUninitializedCapacity: size) { output, initialized in
            guard let base = output.baseAddress else { return }
            var at = 0
            func copy(_ source: UnsafeBufferPointer<UInt8>) {
                guard let from = source.baseAddress, !source.isEmpty else { return }
                (base + at).update(from: from, count: source.count)
                at += source.count
            }
            batch.bytes.withUnsafeBufferPointer { bytes in
                prefix.withUnsafeBufferPointer { prefix in
                    for line in batch.lines {
                        copy(prefix)
                        copy(UnsafeBufferPointer(rebasing: bytes[line.range]))
                        if line.continues {
                            continuesMark.withUnsafeBufferPointer(copy)
                        } else if line.unterminated {
                            unterminatedMark.withUnsafeBufferPointer(copy)
                        }
                        base[at] = 0x0A
                        at += 1
                    }
                }
            }
            initialized = at
        }
    }

    static func json(_ record: LogRecord) -> String {
        var line =
            "{\"time\":\(fixedPoint(record.time, decimals: 3)),\"process\":\(quote(record.process)),\"stream\":\"\(record.stream.rawValue)\",\"line\":\(quote(record.text))"
        if record.continues { line += ",\"continues\":true" }
        if record.unterminated { line += ",\"unterminated\":true" }
        return line + "}"
    }

    static func quote(_ text: String) -> String { JSONText.quoted(text) }

    /// The JSON lines of a batch, written straight into one buffer (what `json(_:)` writes for each record).
    static func jsonLines(_ batch: LineBatch) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(batch.bytes.count + batch.lines.count * 96)
        let head = Array(
            "{\"time\":\(fixedPoint(batch.time, decimals: 3)),\"process\":\(quote(batch.process)),\"stream\":\"\(batch.stream.rawValue)\",\"line\":".utf8)
        for line in batch.lines {
            output += head
            appendQuoted(batch.bytes[line.range], to: &output)
            if line.continues { output += Array(",\"continues\":true".utf8) }
            if line.unterminated { output += Array(",\"unterminated\":true".utf8) }
            output.append(UInt8(ascii: "}"))
            output.append(0x0A)
        }
        return output
    }

    /// `bytes` as a JSON string: valid UTF-8 as it is (invalid sequences become U+FFFD, as String does),
    /// with `"`, `\\` and control characters escaped. Runs without anything to escape are copied whole.
    static func appendQuoted(_ bytes: ArraySlice<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        let ascii = bytes.withUnsafeBufferPointer { buffer in !buffer.contains { $0 >= 0x80 } }
        if ascii {
            bytes.withUnsafeBufferPointer { JSONText.appendEscaped($0, to: &output) }
        } else {
            // Only lines with non-ASCII bytes pay for the check (and the repair, where they need one).
            var text = String(decoding: bytes, as: UTF8.self)
            text.withUTF8 { JSONText.appendEscaped($0, to: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// Keeps records in memory, for tests.
public final class MemorySink: LogSink {
    private let records = Mutex<[LogRecord]>([])

    public init() {}

    public func write(_ batch: [LogRecord]) { records.withLock { $0 += batch } }

    public var all: [LogRecord] { records.withLock { $0 } }

    public func lines(of process: String) -> [String] { all.filter { $0.process == process && $0.stream != .event }.map(\.text) }
}

/// Sends every record to several sinks.
public struct FanOutSink: LogSink {
    public var sinks: [any LogSink]

    public init(_ sinks: [any LogSink]) { self.sinks = sinks }

    public func write(_ records: [LogRecord]) {
        for sink in sinks { sink.write(records) }
    }

    public func write(_ batch: LineBatch) {
        for sink in sinks { sink.write(batch) }
    }
}

/// Bytes for one descriptor, written by a thread of its own. Process lines wait for room above 1 MiB held
/// (so a console slower than the processes slows them, and none is lost); the supervisor's own events never
/// wait: above 8 MiB held they are dropped and counted, so a console nobody reads cannot stop the unit
/// from stopping.
final class QueuedWriter: Sendable {
    static let roomLimit = 1 << 20
    static let holdLimit = 8 << 20

    private struct State {
        var queue: [UInt8] = []
        var writing = false
        var waitingForRoom = 0
        var dropped = 0
        /// Bytes written so far (progress, for `flush`).
        var written = 0
        /// Callers of `flush` waiting for the next progress.
        var flushing = 0
    }

    private let descriptor: Int32
    private let state = Mutex(State())
    private let hasData = DispatchSemaphore(value: 0)
    private let hasRoom = DispatchSemaphore(value: 0)
    /// Signalled at each progress while someone flushes.
    private let progressed = DispatchSemaphore(value: 0)

    init(descriptor: Int32) {
        self.descriptor = descriptor
        startThread(named: "tandem-console") { [self] in writeLoop() }
    }

    func enqueue(_ bytes: [UInt8], lines: Int, waitForSpace: Bool) {
        while true {
            let queued = state.withLock { state -> Bool in
                if state.queue.isEmpty {
                    // The usual case when the descriptor keeps up: the buffer is taken as it is, not copied.
                    state.queue = bytes
                    return true
                }
                if state.queue.count + bytes.count <= Self.roomLimit {
                    state.queue += bytes
                    return true
                }
                if !waitForSpace {
                    if state.queue.count + bytes.count <= Self.holdLimit {
                        state.queue += bytes
                    } else {
                        state.dropped += lines
                    }
                    return true
                }
                state.waitingForRoom += 1
                return false
            }
            if queued {
                hasData.signal()
                return
            }
            hasRoom.wait()
        }
    }

    /// Process lines: written here, on the caller's thread, when nothing is queued or being written (no
    /// hand-over to the writing thread, the usual case when the descriptor keeps up); queued behind what
    /// is otherwise, waiting for room. Either way they wait for the descriptor, as they must.
    func write(_ bytes: [UInt8], lines: Int) {
        let claimed = state.withLock { state -> Bool in
            guard state.queue.isEmpty, !state.writing else { return false }
            state.writing = true
            return true
        }
        guard claimed else {
            enqueue(bytes, lines: lines, waitForSpace: true)
            return
        }
        let done = writeAll(descriptor, bytes)
        let more = progress { state in
            state.writing = false
            if done { state.written += bytes.count }
            return !state.queue.isEmpty
        }
        // Events queued meanwhile were left to the writing thread, which waits for this write to end.
        if more { hasData.signal() }
    }

    /// Records a write's progress under the lock, then wakes a `flush` waiting for it.
    private func progress<Result>(_ update: (inout State) -> Result) -> Result {
        let (result, flushing) = state.withLock { state in (update(&state), state.flushing > 0) }
        if flushing { progressed.signal() }
        return result
    }

    /// Waits until the queue is written, for as long as the descriptor keeps taking bytes (a slow console),
    /// but not past `limit` without progress (a console nobody reads); false when something was left or
    /// dropped. Woken by each write's end, not by polling: the unit's last line is the last thing its stop
    /// waits for, and a millisecond's sleep between checks was a tenth of a 50-process stop.
    func flush(within limit: Duration) -> Bool {
        var deadline = ContinuousClock.now + limit
        var last = state.withLock { $0.written }
        while true {
            let (done, written) = state.withLock { state -> (Bool, Int) in
                let done = state.queue.isEmpty && !state.writing
                if !done { state.flushing += 1 }
                return (done, state.written)
            }
            if done { break }
            if written != last {
                last = written
                deadline = ContinuousClock.now + limit
            }
            let left = deadline - ContinuousClock.now
            let timedOut = left <= .zero || progressed.wait(timeout: .now() + .nanoseconds(Int((left / .nanoseconds(1)).rounded(.up)))) == .timedOut
            state.withLock { $0.flushing -= 1 }
            if timedOut && state.withLock({ $0.written }) == last { break }
        }
        return state.withLock { $0.queue.isEmpty && !$0.writing && $0.dropped == 0 }
    }

    private func writeLoop() {
        var chunk: [UInt8] = []
        while true {
            hasData.wait()
            let waiters = state.withLock { state -> Int in
                // A direct write is under way: it signals again when it ends, if anything was queued.
                guard !state.writing else { return 0 }
                swap(&chunk, &state.queue)
                state.writing = !chunk.isEmpty
                defer { state.waitingForRoom = 0 }
                return state.waitingForRoom
            }
            for _ in 0..<waiters { hasRoom.signal() }
            guard !chunk.isEmpty else { continue }
            // In pieces, so that progress shows while a slow reader takes a large chunk.
            var offset = 0
            while offset < chunk.count {
                let end = min(chunk.count, offset + 65536)
                guard writeAll(descriptor, chunk[offset..<end]) else { break }
                let piece = end - offset
                offset = end
                progress { $0.written += piece }
            }
            chunk.removeAll(keepingCapacity: true)
            progress { $0.writing = false }
        }
    }
}
