import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

/// Where a running unit listens for `tandem ps`, `tandem stop` and `tandem restart`, and what they say.
///
/// The protocol is one request line (a `ControlRequest`) and a reply that starts with `ok` or
/// `error: MESSAGE` on its own line; `ps` follows `ok` with the `UnitStatus` as JSON; `logs` with JSON lines
/// (as `--log-format json` prints), and with `-f` keeps sending them until the unit ends.
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
        folder() + "/" + fileNameComponent(service) + ".sock"
    }

    /// A folder of this run's own beside the sockets (`$XDG_RUNTIME_DIR/tandem/SERVICE-PID.KIND`): private
    /// to the user, tmpfs where there is one, never shared with another run. `tandem run` names it before
    /// it execs into the supervisor, which keeps the pid.
    public static func runFolder(service: String, kind: String) -> String {
        folder() + "/" + fileNameComponent(service) + "-\(getpid())." + kind
    }

    /// The units that answer on a socket in the default folder, for a client that was not told which
    /// unit it means; a socket nobody answers on (its unit was killed) is removed.
    public static func runningUnits() -> [String] {
        let folder = folder()
        return (directoryEntries(folder) ?? []).filter { $0.hasSuffix(".sock") }.sorted().filter { name in
            let path = folder + "/" + name
            let descriptor = tandem_unix_connect(path)
            if descriptor >= 0 {
                close(descriptor)
                return true
            }
            var found = stat()
            if errno == ECONNREFUSED, lstat(path, &found) == 0, found.st_mode & S_IFMT == S_IFSOCK { unlink(path) }
            return false
        }.map { String($0.dropLast(5)) }
    }

    /// The reply to a request that names a process the unit does not have.
    static func unknownProcess(_ name: String, among names: [String]) -> String {
        "error: no process named \(name); this unit has \(names.joined(separator: ", "))\n"
    }

    /// The runtime's errors are TandemError, with a code of the runtime's own.
    public typealias Failure = TandemError

    /// Sends `request` to the unit at `path` and returns the reply's body; throws the unit's error or
    /// why it could not be reached.
    public static func send(_ request: String, to path: String, timeoutSeconds: Int = 30) throws(Failure) -> String {
        var body = ""
        try stream(request, to: path, timeoutSeconds: timeoutSeconds) { body += $0 + "\n" }
        return body
    }

    /// The unit's status (`ps`), decoded as the supervisor encoded it.
    public static func status(at path: String) throws(Failure) -> UnitStatus {
        let body = try send(ControlRequest.status.line, to: path)
        do {
            return try JSONValueDecoder().decode(UnitStatus.self, from: Array(body.utf8))
        } catch {
            throw Failure(.unreachable, "\(path) answered a status this tandem cannot read: \(error)")
        }
    }

    /// Sends `request` and hands each line of the reply's body to `line` as it arrives, until the unit
    /// closes the connection (for `logs -f`, when it ends); with `timeoutSeconds`, a unit silent for that
    /// long is an error.
    public static func stream(_ request: String, to path: String, timeoutSeconds: Int? = nil, line: (String) -> Void) throws(Failure) {
        let descriptor = tandem_unix_connect(path)
        guard descriptor >= 0 else {
            let reason = errno
            if reason == ENOENT || reason == ECONNREFUSED {
                throw Failure(.notRunning, "no unit is running with the control socket \(path)")
            }
            throw Failure(.unreachable, "cannot reach \(path): \(String(cString: strerror(reason)))")
        }
        defer { close(descriptor) }
        if let timeoutSeconds {
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        guard writeAll(descriptor, Array((request + "\n").utf8)) else {
            throw Failure(.unreachable, "cannot send to \(path): \(String(cString: strerror(errno)))")
        }
        var first = true
        func take(_ text: String) throws(Failure) {
            guard first else { return line(text) }
            first = false
            if text == "ok" { return }
            if text.hasPrefix("error: ") { throw Failure(.refused, String(text.dropFirst(7))) }
            throw Failure(.unreachable, "\(path) answered something that is not Tandem's control protocol")
        }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw Failure(.unreachable, "no answer from \(path): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            pending.append(contentsOf: chunk[0..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let text = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                try take(text)
            }
        }
        // A last line without a newline is still part of the reply.
        if !pending.isEmpty { try take(String(decoding: pending, as: UTF8.self)) }
        if first { throw Failure(.unreachable, "\(path) closed the connection without an answer") }
    }
}

/// Serves the control socket of one running unit on a thread of its own (blocking accept, one short
/// request per connection), handing each request to the supervisor.
final class ControlServer: Sendable {
    let path: String
    private let listener: Int32
    private let closed = Atomic<Bool>(false)
    private let tail: LogTail
    private let processNames: [String]

    /// Listens at `path`, making its folder (mode 0700) and replacing a socket no unit answers on.
    init(path: String, supervisor: Supervisor, tail: LogTail, processNames: [String]) throws(ControlSocket.Failure) {
        self.tail = tail
        self.processNames = processNames
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !folder.isEmpty, mkdir(folder, 0o700) != 0, errno != EEXIST {
            throw ControlSocket.Failure(.unavailable, "cannot make the folder \(folder): \(String(cString: strerror(errno)))")
        }
        var found = stat()
        if lstat(path, &found) == 0 {
            // Only a socket a dead unit left behind is replaced; anything else at the path is the user's.
            guard found.st_mode & S_IFMT == S_IFSOCK else {
                throw ControlSocket.Failure(
                    .unavailable, "\(path) exists and is not a socket; give --control a path that is free (or a socket a unit left)")
            }
            let probe = tandem_unix_connect(path)
            if probe >= 0 {
                Glibc.close(probe)
                throw ControlSocket.Failure(
                    .unavailable, "another unit is running with the control socket \(path); stop it or give another --control")
            }
            unlink(path)
        }
        listener = tandem_unix_listen(path)
        guard listener >= 0 else {
            throw ControlSocket.Failure(.unavailable, "cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        startThread(named: "tandem-control") { [self] in serve(supervisor) }
    }

    /// Stops listening and removes the socket.
    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        tail.close()
        shutdown(listener, Int32(SHUT_RDWR))
        // Wakes the accepting thread where shutdown does not.
        let wake = tandem_unix_connect(path)
        if wake >= 0 { Glibc.close(wake) }
        unlink(path)
    }

    private func serve(_ supervisor: Supervisor) {
        acceptConnections(on: listener, until: { closed.load(ordering: .acquiring) }) { connection in
            let line = readLine(connection) ?? ""
            if case .logs(let count, let process, let follow)? = ControlRequest(line: line) {
                serveLogs(count: count, process: process, follow: follow, on: connection)
                return
            }
            let reply = waitFor { await supervisor.control(line) }
            writeAll(connection, Array(reply.utf8))
            Glibc.close(connection)
        }
    }

    /// The last `count` lines, then (with `follow`) every new one; the follow keeps the connection, which
    /// the tail closes when the unit ends.
    private func serveLogs(count: Int, process: String?, follow: Bool, on connection: Int32) {
        if let process, !processNames.contains(process) {
            writeAll(connection, Array(ControlSocket.unknownProcess(process, among: processNames).utf8))
            Glibc.close(connection)
            return
        }
        if follow {
            tail.follow(connection, backlog: count, process: process)
        } else {
            writeAll(connection, Array(("ok\n" + tail.recent(count, of: process)).utf8))
            Glibc.close(connection)
        }
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

/// A server thread's loop: accepts connections on `listener` until `isClosed` (or the listener is shut
/// down), each with a 5 s receive timeout, and hands each to `handle`, which closes it; then closes the
/// listener.
func acceptConnections(on listener: Int32, until isClosed: () -> Bool, _ handle: (Int32) -> Void) {
    while !isClosed() {
        let connection = tandem_accept(listener)
        if connection < 0 {
            if errno == EINTR || errno == ECONNABORTED { continue }
            break
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        handle(connection)
    }
    Glibc.close(listener)
}

/// Runs `body` (a call into the supervisor actor) and waits for its answer, from a server's own thread.
func waitFor(_ body: @escaping @Sendable () async -> String) -> String {
    let reply = ResultBox()
    let done = DispatchSemaphore(value: 0)
    Task {
        reply.set(await body())
        done.signal()
    }
    done.wait()
    return reply.get()
}

private final class ResultBox: Sendable {
    private let value = Mutex("")
    func set(_ text: String) { value.withLock { $0 = text } }
    func get() -> String { value.withLock { $0 } }
}
