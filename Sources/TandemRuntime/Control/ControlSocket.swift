import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

/// Where a running unit listens for `tandem ps`, `tandem stop` and `tandem restart`, and what they say.
///
/// The protocol is one request line (`ps`, `stop`, `restart NAME`) and a reply that starts with `ok` or
/// `error: MESSAGE` on its own line; `ps` follows `ok` with a JSON array, one object per process.
public enum ControlSocket {
    /// The folder of the sockets of this user's units: `$XDG_RUNTIME_DIR/tandem`, else `$TMPDIR/tandem-UID`.
    public static func folder() -> String {
        if let runtime = environmentValue("XDG_RUNTIME_DIR"), !runtime.isEmpty, access(runtime, W_OK) == 0 {
            return (runtime.hasSuffix("/") ? runtime : runtime + "/") + "tandem"
        }
        return temporaryDirectory() + "tandem-\(getuid())"
    }

    /// The default socket of the unit named `service`.
    public static func defaultPath(service: String) -> String {
        folder() + "/" + MemoryControl.sanitized(service) + ".sock"
    }

    /// The sockets in the default folder, for a client that was not told which unit it means.
    public static func runningUnits() -> [String] {
        guard let directory = opendir(folder()) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".sock") { names.append(String(name.dropLast(5))) }
        }
        return names.sorted()
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var code: String
        public var message: String
        public var description: String { message }
    }

    /// Sends `request` to the unit at `path` and returns the reply's body; throws the unit's error or
    /// why it could not be reached.
    public static func send(_ request: String, to path: String, timeoutSeconds: Int = 30) throws(Failure) -> String {
        let descriptor = tandem_unix_connect(path)
        guard descriptor >= 0 else {
            let reason = errno
            if reason == ENOENT || reason == ECONNREFUSED {
                throw Failure(code: "not_running", message: "no unit is running with the control socket \(path)")
            }
            throw Failure(code: "unreachable", message: "cannot reach \(path): \(String(cString: strerror(reason)))")
        }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard writeAll(descriptor, Array((request + "\n").utf8)) else {
            throw Failure(code: "unreachable", message: "cannot send to \(path): \(String(cString: strerror(errno)))")
        }
        guard let bytes = readAll(descriptor) else {
            throw Failure(code: "unreachable", message: "no answer from \(path): \(String(cString: strerror(errno)))")
        }
        let reply = String(decoding: bytes, as: UTF8.self)
        let firstLine = reply.prefix { $0 != "\n" }
        if firstLine == "ok" { return String(reply.dropFirst(3)) }
        if firstLine.hasPrefix("error: ") { throw Failure(code: "refused", message: String(firstLine.dropFirst(7))) }
        throw Failure(code: "unreachable", message: "\(path) answered something that is not Tandem's control protocol")
    }
}

/// Serves the control socket of one running unit on a thread of its own (blocking accept, one short
/// request per connection), handing each request to the supervisor.
final class ControlServer: Sendable {
    let path: String
    private let listener: Int32
    private let closed = Atomic<Bool>(false)

    /// Listens at `path`, making its folder (mode 0700) and replacing a socket no unit answers on.
    init(path: String, supervisor: Supervisor) throws(ControlSocket.Failure) {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !folder.isEmpty, mkdir(folder, 0o700) != 0, errno != EEXIST {
            throw ControlSocket.Failure(code: "socket", message: "cannot make the folder \(folder): \(String(cString: strerror(errno)))")
        }
        if access(path, F_OK) == 0 {
            let probe = tandem_unix_connect(path)
            if probe >= 0 {
                Glibc.close(probe)
                throw ControlSocket.Failure(
                    code: "socket", message: "another unit is running with the control socket \(path); stop it or give another --control")
            }
            unlink(path)
        }
        listener = tandem_unix_listen(path)
        guard listener >= 0 else {
            throw ControlSocket.Failure(code: "socket", message: "cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        startThread(named: "tandem-control") { [self] in serve(supervisor) }
    }

    /// Stops listening and removes the socket.
    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        // Wakes the accepting thread where shutdown does not.
        let wake = tandem_unix_connect(path)
        if wake >= 0 { Glibc.close(wake) }
        unlink(path)
    }

    private func serve(_ supervisor: Supervisor) {
        while !closed.load(ordering: .acquiring) {
            let connection = tandem_accept(listener)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let request = readLine(connection)
            let reply = ResultBox()
            let done = DispatchSemaphore(value: 0)
            Task {
                reply.set(await supervisor.control(request ?? ""))
                done.signal()
            }
            done.wait()
            writeAll(connection, Array(reply.get().utf8))
            Glibc.close(connection)
        }
        Glibc.close(listener)
    }

    /// The first line of a request (at most 4 KiB), or nil.
    private func readLine(_ descriptor: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 4096 {
            let count = read(descriptor, &byte, 1)
            if count <= 0 || byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}

private final class ResultBox: Sendable {
    private let value = Mutex("")
    func set(_ text: String) { value.withLock { $0 = text } }
    func get() -> String { value.withLock { $0 } }
}
