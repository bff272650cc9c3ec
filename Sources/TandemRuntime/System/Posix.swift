import CTandemSystem
import Glibc

// The runtime stays off Foundation: `tandem-supervisor` sits beside the children for their whole life, and
// a static Foundation alone costs it several MiB of proportional memory. These are the few things it used.

private final class ThreadBody: @unchecked Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// Starts a detached thread that runs `body`; it is named `name` (at most 15 bytes, as Linux allows).
func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
    let shortName = String(decoding: name.utf8.prefix(15), as: UTF8.self)
    let context = Unmanaged.passRetained(
        ThreadBody {
            _ = tandem_set_thread_name(shortName)
            body()
        }
    ).toOpaque()
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let result = pthread_create(
        &thread, &attributes,
        { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    pthread_attr_destroy(&attributes)
    precondition(result == 0, "cannot start the \(name) thread: \(String(cString: strerror(result)))")
}

/// Seconds since the epoch, from the real-time clock.
public func wallClockSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

extension Duration {
    /// The duration as seconds, for arithmetic and printing.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Sleeps the calling thread (only for threads that do nothing else).
func sleepThread(seconds: Double) {
    var interval = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&interval, &remaining) != 0 && errno == EINTR { interval = remaining }
}

/// This process's environment.
public func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
        let text = String(cString: pointer)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        entry += 1
    }
    return result
}

/// One variable of this process's environment.
func environmentValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// `value` with exactly `decimals` digits after the point (what `%.Nf` prints).
func fixedPoint(_ value: Double, decimals: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let count = buffer.withUnsafeMutableBufferPointer { pointer in
        withVaList([value]) { vsnprintf(pointer.baseAddress, 64, "%.\(decimals)f", $0) }
    }
    return count > 0 ? String(decoding: buffer.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : String(value)
}

/// `text` padded with spaces to `width` characters.
func padded(_ text: String, to width: Int) -> String {
    let count = text.count
    return count >= width ? text : text + String(repeating: " ", count: width - count)
}

/// `name` made safe as one file name: anything but letters, digits, `-` and `_` becomes `_`.
func fileNameComponent(_ name: String) -> String {
    String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
}

/// The names in the folder at `path` (without `.` and `..`), or nil when it cannot be read.
func directoryEntries(_ path: String) -> [String]? {
    guard let directory = opendir(path) else { return nil }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// `path` resolved against `directory` unless it is absolute.
func resolvedPath(_ path: String, in directory: String) -> String {
    if path.hasPrefix("/") || directory.isEmpty { return path }
    return directory.hasSuffix("/") ? directory + path : directory + "/" + path
}

/// The whole content of a file, or nil when it cannot be read.
func readFile(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    return readAll(descriptor)
}

/// Everything left on `descriptor`, or nil on a read error.
func readAll(_ descriptor: Int32) -> [UInt8]? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count == 0 { return bytes }
        if count < 0 {
            if errno == EINTR { continue }
            return nil
        }
        bytes.append(contentsOf: chunk[0..<count])
    }
}

/// Creates `path` (0700) for one run: its parent, the user's own folder, is made if missing; an existing
/// `path` is refused, never reused. Nil on success, else why not.
func makePrivateFolder(_ path: String) -> String? {
    let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
    if !parent.isEmpty { mkdir(parent, 0o700) }
    return mkdir(path, 0o700) == 0 ? nil : String(cString: strerror(errno))
}

/// Writes all of `bytes` to `descriptor`, retrying when interrupted or (on a non-blocking descriptor,
/// such as a console some programs leave that way) when it is full; false on an error.
@discardableResult
func writeAll(_ descriptor: Int32, _ bytes: some Collection<UInt8>) -> Bool {
    Array(bytes).withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return false
            }
            offset += count
        }
        return true
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a reader never sees half of it.
func writeFileAtomically(_ path: String, _ bytes: [UInt8]) -> String? {
    let temporary = path + ".tmp-\(getpid())"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { return String(cString: strerror(errno)) }
    let written = writeAll(descriptor, bytes)
    let error = errno
    close(descriptor)
    guard written else {
        unlink(temporary)
        return String(cString: strerror(error))
    }
    guard rename(temporary, path) == 0 else {
        let error = String(cString: strerror(errno))
        unlink(temporary)
        return error
    }
    return nil
}

/// The directory for temporary files: `TMPDIR`, else /tmp; ends with a slash.
func temporaryDirectory() -> String {
    let directory = environmentValue("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    return directory.hasSuffix("/") ? directory : directory + "/"
}
