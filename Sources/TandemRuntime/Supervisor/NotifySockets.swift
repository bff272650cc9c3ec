import Dispatch
import Glibc
import Synchronization
import TandemCore

/// Readiness said by the process itself, as systemd's `sd_notify` does: each process with
/// `notify_ready` gets a datagram socket of its own, named by `NOTIFY_SOCKET`; `READY=1` makes it ready
/// at once (no polling), `STATUS=...` becomes an event, `STOPPING=1` too. The messages are read as
/// they arrive, from the sockets' own dispatch sources.
final class NotifySockets: Sendable {
    let folder: String
    private let sockets: [(name: String, path: String, descriptor: Int32)]
    private let sources: Mutex<[any DispatchSourceRead]>

    /// The runtime's errors are TandemError, with a code of the runtime's own.
    typealias Failure = TandemError

    /// Binds a socket for every process of `plan` that notifies, in `folder` (made 0700, refused if it exists).
    init(plan: RunPlan, folder: String, supervisor: Supervisor) throws(Failure) {
        self.folder = folder
        if let failure = makePrivateFolder(folder) { throw Failure(.unavailable, "cannot create the notify folder \(folder): \(failure)") }
        var sockets: [(String, String, Int32)] = []
        for process in plan.processes where process.container.notifyReady {
            guard let path = process.request.environment["NOTIFY_SOCKET"] else { continue }
            let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard descriptor >= 0, bytes.count < capacity else {
                if descriptor >= 0 { Glibc.close(descriptor) }
                Self.remove(sockets, folder: folder)
                throw Failure(.unavailable, "cannot make the notify socket \(path): the path is longer than \(capacity - 1) bytes or no socket is left")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                buffer.copyBytes(from: bytes)
                buffer[bytes.count] = 0
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else {
                let reason = String(cString: strerror(errno))
                Glibc.close(descriptor)
                Self.remove(sockets, folder: folder)
                throw Failure(.unavailable, "cannot bind the notify socket \(path): \(reason)")
            }
            sockets.append((process.container.name, path, descriptor))
        }
        var sources: [any DispatchSourceRead] = []
        for (name, _, descriptor) in sockets {
            let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: .global())
            source.setEventHandler {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                    if count <= 0 { break }
                    let message = String(decoding: buffer[0..<count], as: UTF8.self)
                    Task { await supervisor.notified(name, message: message) }
                }
            }
            source.resume()
            sources.append(source)
        }
        self.sockets = sockets
        self.sources = Mutex(sources)
    }

    private static func remove(_ sockets: [(String, String, Int32)], folder: String) {
        for (_, path, descriptor) in sockets {
            Glibc.close(descriptor)
            unlink(path)
        }
        rmdir(folder)
    }

    /// Stops reading and removes the sockets and their folder.
    func close() {
        let sources = self.sources.withLock { sources in
            defer { sources = [] }
            return sources
        }
        for source in sources { source.cancel() }
        Self.remove(sockets, folder: folder)
    }
}

/// s6's notification-fd: the process writes a newline on its descriptor when it is ready (what comes before
/// it is ignored) and usually closes it. Read on a dispatch source as it arrives, no polling; `ready` runs
/// at the newline, `closedFirst` when the descriptor closes before one came. The descriptor is closed when
/// either has happened.
func watchNotifyDescriptor(_ descriptor: Int32, ready: @escaping @Sendable () -> Void, closedFirst: @escaping @Sendable () -> Void) {
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: .global())
    source.setEventHandler { [source] in
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                if buffer[0..<count].contains(UInt8(ascii: "\n")) {
                    ready()
                    source.cancel()
                    return
                }
            } else if count == 0 {
                closedFirst()
                source.cancel()
                return
            } else {
                if errno == EINTR { continue }
                if errno != EAGAIN {
                    closedFirst()
                    source.cancel()
                }
                return
            }
        }
    }
    source.setCancelHandler { Glibc.close(descriptor) }
    source.resume()
}
