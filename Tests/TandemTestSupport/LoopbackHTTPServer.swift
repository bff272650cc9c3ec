import Foundation
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for tests: it keeps each request's head and body and answers
/// 200, or (`answers: false`) reads the request and never answers, as a stalled destination does.
public final class LoopbackHTTPServer: Sendable {
    public struct Request: Sendable {
        public var head: String
        public var body: Data
    }

    public let port: Int
    private let listener: Int32
    private let requests = Mutex<[Request]>([])
    private let open = Mutex<[Int32]>([])
    private let answers: Bool
    private let reply: String

    /// Listens on `port` (0: any free one); answers each request with `reply`.
    public init(port: Int = 0, answers: Bool = true, reply: String = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n") throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot listen on 127.0.0.1:\(port)"])
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.listener = descriptor
        self.answers = answers
        self.reply = reply
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// A port nothing listens on (bound, read and released).
    public static func freePort() throws -> Int {
        let server = try LoopbackHTTPServer()
        server.stop()
        return server.port
    }

    public var received: [Request] { requests.withLock { $0 } }

    /// Every request body, one after the other.
    public var bodies: String { received.map { String(decoding: $0.body, as: UTF8.self) }.joined() }

    /// The listener is closed by the accepting thread when its `accept` fails, never here: a thread that
    /// had not reached `accept` yet would otherwise accept on whatever socket reused the number.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        // Under the lock that `serve` closes under, so that no number closed and reused elsewhere is shut.
        open.withLock { descriptors in
            for descriptor in descriptors { shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                close(listener)
                return
            }
            open.withLock { $0.append(connection) }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) else {
                let got = read(connection, &chunk, chunk.count)
                if got <= 0 { break }
                buffer += chunk[0..<got]
                continue
            }
            let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
            let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            let length = lengthLine.flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            while buffer.count < end.upperBound + length {
                let got = read(connection, &chunk, chunk.count)
                if got <= 0 { break }
                buffer += chunk[0..<got]
            }
            guard buffer.count >= end.upperBound + length else { break }
            guard answers else {
                // Stalled: hold the connection, say nothing.
                while read(connection, &chunk, chunk.count) > 0 {}
                break
            }
            requests.withLock { $0.append(Request(head: head, body: Data(buffer[end.upperBound..<(end.upperBound + length)]))) }
            _ = reply.withCString { write(connection, $0, strlen($0)) }
            break
        }
        open.withLock { descriptors in
            descriptors.removeAll { $0 == connection }
            close(connection)
        }
    }
}
