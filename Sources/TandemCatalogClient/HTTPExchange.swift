import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request on a connection of its own, and its whole answer. Built on the NIO modules the
/// catalog's server and PostgreSQL store already link (NIOHTTP1, NIOSSL), where a general HTTP client
/// (redirects, pools, HTTP/2, proxies) would add a fifth of the cold build for what one call per command
/// needs. Nothing is followed or rewritten: the request goes out as given, the answer comes back as sent.
struct HTTPExchange: Sendable {
    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// Where a URL points: its scheme decides TLS; `target` is the request-target, exactly as written.
    struct Address: Sendable, Equatable {
        var tls: Bool
        var host: String
        var port: Int
        /// The Host header: the authority as written.
        var authority: String
        var target: String

        init(tls: Bool, host: String, port: Int, authority: String, target: String) {
            (self.tls, self.host, self.port, self.authority, self.target) = (tls, host, port, authority, target)
        }

        /// `http://HOST[:PORT][/PATH][?QUERY]` or `https://...`; nil for anything else.
        init?(_ url: String) {
            let rest: Substring
            if url.lowercased().hasPrefix("http://") {
                tls = false
                rest = url.dropFirst(7)
            } else if url.lowercased().hasPrefix("https://") {
                tls = true
                rest = url.dropFirst(8)
            } else {
                return nil
            }
            let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            authority = String(rest[..<end])
            var target = String(rest[end...])
            if let fragment = target.firstIndex(of: "#") { target = String(target[..<fragment]) }
            if target.hasPrefix("?") { target = "/" + target }
            self.target = target.isEmpty ? "/" : target
            guard !authority.isEmpty, !authority.contains("@") else { return nil }
            let defaultPort = tls ? 443 : 80
            if authority.hasPrefix("[") {
                // An IPv6 literal: [ADDRESS] or [ADDRESS]:PORT.
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let after = authority[authority.index(after: close)...]
                if after.isEmpty {
                    port = defaultPort
                } else {
                    guard after.hasPrefix(":"), let number = Int(after.dropFirst()), (1...65535).contains(number) else { return nil }
                    port = number
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else { return nil }
                port = number
            } else {
                host = authority
                port = defaultPort
            }
            if host.isEmpty { return nil }
        }
    }

    /// The most of an answer's body that is read; more is an error, not a memory exhaustion.
    static let bodyLimit = 256 << 20

    /// Trust as the system's roots say; made once, since loading them costs more than a request.
    private static let tlsContext = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }

    enum Failure: Error, CustomStringConvertible {
        case connectionRefused
        case timedOut(Duration)
        case endedEarly
        case tooLarge

        var description: String {
            switch self {
            case .connectionRefused: "connection refused"
            case .timedOut(let limit): "no complete answer within \(limit)"
            case .endedEarly: "the connection closed before the answer was complete"
            case .tooLarge: "the answer is larger than \(HTTPExchange.bodyLimit >> 20) MiB"
            }
        }
    }

    /// Sends `method target` with `headers` (a Host header is added unless given) and `body`, and reads
    /// the answer, within `limit` from connecting to its last byte.
    static func perform(
        _ address: Address, method: String, headers: [(String, String)], body: [UInt8]?, within limit: Duration
    ) async throws -> Answer {
        let connectLimit = min(limit, .seconds(10))
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(connectLimit))
                .connect(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if address.tls {
                            // SNI carries a name, never an address literal.
                            let isLiteral = (try? SocketAddress(ipAddress: address.host, port: 0)) != nil
                            let handler = try NIOSSLClientHandler(context: try tlsContext.get(), serverHostname: isLiteral ? nil : address.host)
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            throw Failure.connectionRefused
        } catch let error as NIOConnectionError where error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
            throw Failure.connectionRefused
        } catch ChannelError.connectTimeout(_) {
            throw Failure.timedOut(connectLimit)
        }
        return try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: address.target)
                    if !headers.contains(where: { $0.0.lowercased() == "host" }) { head.headers.add(name: "Host", value: address.authority) }
                    for (name, value) in headers { head.headers.add(name: name, value: value) }
                    if let body, !headers.contains(where: { $0.0.lowercased() == "content-length" }) {
                        head.headers.add(name: "Content-Length", value: String(body.count))
                    }
                    head.headers.add(name: "Connection", value: "close")
                    var parts: [HTTPClientRequestPart] = [.head(head)]
                    if let body, !body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    parts.append(.end(nil))
                    // A server may answer and close before the request's end is written (a refusal
                    // before reading the body): its answer counts, not the failed write.
                    var sendFailure: (any Error)?
                    do { try await outbound.write(contentsOf: parts) } catch { sendFailure = error }
                    var answer: Answer?
                    for try await part in inbound {
                        switch part {
                        case .head(let response):
                            // 1xx answers (100 Continue) come before the real one.
                            if response.status.code < 200 { continue }
                            answer = Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: [])
                        case .body(let buffer):
                            guard answer != nil else { continue }
                            guard answer!.body.count + buffer.readableBytes <= bodyLimit else { throw Failure.tooLarge }
                            answer!.body.append(contentsOf: buffer.readableBytesView)
                        case .end:
                            if let answer { return answer }
                        }
                    }
                    throw sendFailure ?? Failure.endedEarly
                }
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else {
                // The time is up: closing the connection ends the read.
                channel.channel.close(promise: nil)
                throw Failure.timedOut(limit)
            }
            return answer
        }
    }
}
