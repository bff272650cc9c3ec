import Foundation
import TandemCatalog
import TandemTestSupport
import Testing

@testable import TandemCatalogClient

/// The catalog client's own HTTP/1.1 exchange: URLs as written, requests as sent, and every way a call
/// can fail named (refused, no answer in time, a redirect), against real sockets on loopback.
@Suite struct HTTPExchangeTests {
    @Test func addressesKeepTheTargetAsWritten() throws {
        let plain = try #require(HTTPExchange.Address("http://127.0.0.1:8080/api/items/x/versions/N/A?tenantId=a%2Fb#top"))
        #expect(plain == .init(tls: false, host: "127.0.0.1", port: 8080, authority: "127.0.0.1:8080", target: "/api/items/x/versions/N/A?tenantId=a%2Fb"))
        let secure = try #require(HTTPExchange.Address("HTTPS://catalog.example"))
        #expect(secure == .init(tls: true, host: "catalog.example", port: 443, authority: "catalog.example", target: "/"))
        let six = try #require(HTTPExchange.Address("http://[::1]:9000?x=1"))
        #expect(six == .init(tls: false, host: "::1", port: 9000, authority: "[::1]:9000", target: "/?x=1"))
        for bad in ["ftp://host/", "http://", "http://user:pw@host/", "http://host:0/", "http://host:99999/", "http://[::1/", "127.0.0.1:80"] {
            #expect(HTTPExchange.Address(bad) == nil, "\(bad)")
        }
    }

    @Test func aCallGoesOutAsMiactlSendsIt() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = CatalogClient(endpoint: "http://127.0.0.1:\(server.port)/", token: "t0ken")
        let reply = try await client.send(.POST, "/api/backend/marketplace/tenants/acme/resources", body: "{\"resources\":[]}")
        #expect(reply.status == 200)
        let request = try #require(server.received.first)
        let lines = request.head.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "POST /api/backend/marketplace/tenants/acme/resources HTTP/1.1")
        for header in ["Host: 127.0.0.1:\(server.port)", "Authorization: Bearer t0ken", "Content-Type: application/json", "Content-Length: 16"] {
            #expect(lines.contains(header), "\(lines)")
        }
        #expect(String(decoding: request.body, as: UTF8.self) == "{\"resources\":[]}")
    }

    @Test func aRefusedConnectionIsSaidSo() async throws {
        let port = try LoopbackHTTPServer.freePort()
        let client = CatalogClient(endpoint: "http://127.0.0.1:\(port)", token: nil)
        await #expect(throws: CatalogClientError(status: nil, message: "cannot reach the catalog at http://127.0.0.1:\(port): connection refused")) {
            _ = try await client.send(.GET, "/api/backend/marketplace/")
        }
    }

    @Test func aServerThatNeverAnswersFailsAtTheTimeout() async throws {
        let server = try LoopbackHTTPServer(answers: false)
        defer { server.stop() }
        let client = CatalogClient(endpoint: "http://127.0.0.1:\(server.port)", token: nil, timeout: .milliseconds(500))
        let started = ContinuousClock.now
        await #expect(
            throws: CatalogClientError(
                status: nil, message: "cannot reach the catalog at http://127.0.0.1:\(server.port): no complete answer within 0.5 seconds")
        ) {
            _ = try await client.send(.GET, "/api/backend/marketplace/")
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// A redirect is never followed with the token on it: the message says where it pointed.
    @Test func aRedirectIsToldNotFollowed() async throws {
        let server = try LoopbackHTTPServer(
            reply: "HTTP/1.1 301 Moved Permanently\r\nLocation: https://catalog.example/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        defer { server.stop() }
        let client = CatalogClient(endpoint: "http://127.0.0.1:\(server.port)", token: "secret")
        await #expect(
            throws: CatalogClientError(
                status: 301, message: "the catalog at http://127.0.0.1:\(server.port) redirects to https://catalog.example/: give that as the endpoint")
        ) {
            _ = try await client.send(.GET, "/api/backend/marketplace/")
        }
        #expect(server.received.count == 1)
        let exchanged = try await client.exchange("GET", "/")
        #expect(exchanged.status == 301 && exchanged.headers.contains { $0 == ("Location", "https://catalog.example/") })
    }
}
