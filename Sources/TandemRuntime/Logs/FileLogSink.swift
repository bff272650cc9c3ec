import Glibc
import Synchronization
import TandemCore

/// Each process's lines and events in a file of its own, `DIRECTORY/PROCESS.log`, as JSON lines (the
/// same lines `--log-format json` prints). A file that reaches `maxBytes` is rotated: `PROCESS.log`
/// becomes `PROCESS.log.1`, the older ones move up one, and the one beyond `keep` is removed.
public final class FileLogSink: LogSink {
    public struct Settings: Sendable, Codable, Equatable {
        public var directory: String
        public var maxBytes: Int
        /// Rotated files kept beside the current one.
        public var keep: Int

        public init(directory: String, maxBytes: Int = 10 << 20, keep: Int = 5) {
            self.directory = directory
            self.maxBytes = maxBytes
            self.keep = keep
        }
    }

    struct OpenFile {
        var descriptor: Int32
        var size: Int
    }

    let settings: Settings
    private let files = Mutex<[String: OpenFile]>([:])
    /// Problems (a full disk) are reported once per process, not once per line.
    private let failed = Mutex<Set<String>>([])

    /// Fails when the folder cannot be made.
    public init(_ settings: Settings) throws(Failure) {
        self.settings = settings
        if mkdir(settings.directory, 0o755) != 0, errno != EEXIST {
            throw Failure(.unavailable, "cannot create the log folder \(settings.directory): \(String(cString: strerror(errno)))")
        }
    }

    /// The runtime's errors are TandemError, with a code of the runtime's own.
    public typealias Failure = TandemError

    deinit {
        files.withLock { files in for file in files.values { close(file.descriptor) } }
    }

    func path(_ process: String, _ generation: Int = 0) -> String {
        settings.directory + "/" + fileNameComponent(process) + ".log" + (generation == 0 ? "" : ".\(generation)")
    }

    public func write(_ records: [LogRecord]) {
        var byProcess: [String: [UInt8]] = [:]
        var order: [String] = []
        for record in records {
            if byProcess[record.process] == nil { order.append(record.process) }
            byProcess[record.process, default: []] += Array((ConsoleSink.json(record) + "\n").utf8)
        }
        for process in order { append(byProcess[process]!, to: process) }
    }

    func append(_ bytes: [UInt8], to process: String) {
        files.withLock { files in
            var file = files[process] ?? open(process)
            guard var current = file else { return }
            if current.size > 0, current.size + bytes.count > settings.maxBytes {
                close(current.descriptor)
                rotate(process)
                file = open(process)
                guard let reopened = file else {
                    files[process] = nil
                    return
                }
                current = reopened
            }
            if writeAll(current.descriptor, bytes) {
                current.size += bytes.count
            } else {
                report(process, "cannot write \(path(process)): \(String(cString: strerror(errno)))")
            }
            files[process] = current
        }
    }

    private func open(_ process: String) -> OpenFile? {
        let descriptor = Glibc.open(path(process), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else {
            report(process, "cannot open \(path(process)): \(String(cString: strerror(errno)))")
            return nil
        }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        return OpenFile(descriptor: descriptor, size: size)
    }

    private func rotate(_ process: String) {
        unlink(path(process, settings.keep))
        if settings.keep > 0 {
            for generation in stride(from: settings.keep - 1, through: 0, by: -1) {
                rename(path(process, generation), path(process, generation + 1))
            }
        } else {
            unlink(path(process))
        }
    }

    private func report(_ process: String, _ message: String) {
        guard failed.withLock({ $0.insert(process).inserted }) else { return }
        writeAll(STDERR_FILENO, "tandem: \(message); further lines of \(process) may be lost\n".utf8)
    }
}
