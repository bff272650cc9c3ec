import CTandemSystem
import Glibc
import Synchronization
import TandemCore

/// `GET /metrics` on a TCP port, in Prometheus' text format; any other request gets 404. One thread,
/// one request per connection: a scrape every few seconds needs no more.
final class MetricsServer: Sendable {
    let address: String
    let port: UInt16
    private let listener: Int32
    private let closed = Atomic<Bool>(false)

    /// The runtime's errors are TandemError, with a code of the runtime's own.
    typealias Failure = TandemError

    /// `HOST:PORT` or `PORT` (then 127.0.0.1); an IPv4 address, as metrics stay on a trusted network.
    init(listen: String, supervisor: Supervisor) throws(Failure) {
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        let host = parts.count == 2 ? String(parts[0]) : "127.0.0.1"
        guard parts.count <= 2, let port = UInt16(parts.last ?? ""), port > 0 else {
            throw Failure(.unavailable, "--metrics takes PORT or HOST:PORT (127.0.0.1:9464), found \"\(listen)\"")
        }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host.isEmpty ? "0.0.0.0" : host, &socketAddress.sin_addr) == 1 else {
            throw Failure(.unavailable, "--metrics: \"\(host)\" is not an IPv4 address")
        }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(.unavailable, "cannot open a socket for metrics: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(descriptor, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw Failure(.unavailable, "cannot serve metrics on \(host):\(port): \(reason)")
        }
        listener = descriptor
        self.port = port
        address = "\(host):\(port)"
        startThread(named: "tandem-metrics") { [self] in serve(supervisor) }
    }

    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve(_ supervisor: Supervisor) {
        acceptConnections(on: listener, until: { closed.load(ordering: .acquiring) }) { connection in
            let head = readHead(connection)
            let reply: String
            if head.hasPrefix("GET /metrics ") || head.hasPrefix("GET /metrics?") {
                let text = waitFor { MetricsText.render(await supervisor.status(memory: true)) }
                reply =
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n"
                    + text
            } else {
                reply = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 24\r\nConnection: close\r\n\r\nonly /metrics is served\n"
            }
            writeAll(connection, Array(reply.utf8))
            Glibc.close(connection)
        }
    }

    /// The request's head, up to the blank line (at most 8 KiB).
    private func readHead(_ descriptor: Int32) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while bytes.count < 8192 {
            let count = read(descriptor, &chunk, chunk.count)
            if count <= 0 { break }
            bytes += chunk[0..<count]
            if bytes.count >= 4, bytes.suffix(4).elementsEqual("\r\n\r\n".utf8) { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
