import Foundation
import TandemCatalog
import TandemCatalogClient
import TandemCore
import Testing

/// Requests meant to hurt the server: each is refused with a JSON message naming what is wrong, in
/// bounded time and memory, and the server answers the next request.
@Suite struct HostileRequestTests {
    static func message(_ body: [UInt8]) -> String {
        guard case .object(let fields)? = try? JSONValue.parse(body), case .string(let message)? = fields["message"] else {
            return "<no JSON message: \(String(decoding: body.prefix(200), as: UTF8.self))>"
        }
        return message
    }

    @Test func queryParametersAreCheckedNeverOverflowedOrDefaulted() async throws {
        let server = try await RunningServer.start()
        let token = try await server.token("acme", .read)
        let auth = [("Authorization", "Bearer \(token)")]
        let client = server.client(nil)
        let cases: [(String, String)] = [
            ("?tenantId=acme&page=4611686018427387905&perPage=2", "page must be a whole number from 1 to 10000000"),
            ("?tenantId=acme&page=99999999999999999999999", "page must be a whole number"),
            ("?tenantId=acme&page=abc", "page must be a whole number from 1 to 10000000, found \"abc\""),
            ("?tenantId=acme&perPage=0", "perPage must be a whole number from 1 to 1000"),
            ("?tenantId=acme&perPage=-5", "perPage must be a whole number"),
            ("?tenantId=acme&page=1&page=2", "page is given more than once"),
            ("?tenantId=acme&sort=name", "unknown query parameter \"sort\""),
            ("?tenantId=acme&after=zz", "after: not a page cursor"),
            ("?tenantId=%FF", "the query string is not valid"),
            ("?tenantId=", "tenantId is empty"),
            ("?tenantId=acme&includeTenantId=acme", "not both"),
        ]
        for (query, fragment) in cases {
            let answer = try await client.exchange("GET", "/api/backend/marketplace/" + query, headers: auth)
            #expect(answer.status == 400, "\(query)")
            #expect(Self.message(answer.body).contains(fragment), "\(query): \(Self.message(answer.body))")
        }
        // The largest page is served (empty), and the server still answers.
        let far = try await client.exchange("GET", "/api/backend/marketplace/?tenantId=acme&page=10000000&perPage=1000", headers: auth)
        #expect(far.status == 200 && far.body == Array("[]".utf8))
        let objectQuery = try await client.exchange("GET", "/api/backend/marketplace/0123456789abcdef01234567?x=1", headers: auth)
        #expect(objectQuery.status == 400 && Self.message(objectQuery.body).contains("takes none"))
        try await server.stop()
    }

    @Test func bodiesAreReadOnlyAsTheirContentTypeSays() async throws {
        let server = try await RunningServer.start()
        let token = try await server.token("acme", .publish)
        let client = server.client(nil)
        let item = sidecarJSON(itemId: "proxy", company: "acme")
        let json = Array("{\"resources\":[\(item)]}".utf8)
        for contentType in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", nil] {
            var headers = [("Authorization", "Bearer \(token)")]
            if let contentType { headers.append(("Content-Type", contentType)) }
            let answer = try await client.exchange("POST", "/api/backend/marketplace/tenants/acme/resources", headers: headers, body: json)
            #expect(answer.status == 415, "\(contentType ?? "none")")
            #expect(Self.message(answer.body).contains("must be application/json or application/yaml"))
        }
        // YAML is not JSON: a YAML body sent as JSON is refused where the JSON breaks.
        let yaml = Array("resources:\n  - \(item)\n".utf8)
        let asJSON = try await client.exchange(
            "POST", "/api/backend/marketplace/tenants/acme/resources", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
            body: yaml)
        #expect(asJSON.status == 400 && Self.message(asJSON.body) == "the body is not valid JSON: at line 1, column 1")
        let asYAML = try await client.exchange(
            "POST", "/api/backend/marketplace/tenants/acme/resources",
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/yaml; charset=utf-8")], body: yaml)
        #expect(asYAML.status == 200, "\(Self.message(asYAML.body))")
        try await server.stop()
    }

    /// A few hundred bytes of nested aliases would expand to millions of nodes: refused before that,
    /// four at once (the memory a server process keeps is measured in MarketplaceCommandTests).
    @Test func aYAMLAliasBombIsRefusedCheaply() async throws {
        let server = try await RunningServer.start()
        let token = try await server.token("acme", .publish)
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for level in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            bomb += "\(level): &\(level) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = level
        }
        bomb += "resources: [*i]\n"
        let endpoint = server.endpoint
        let body = Array(bomb.utf8)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let answer = try await CatalogClient(endpoint: endpoint, token: nil).exchange(
                        "POST", "/api/backend/marketplace/tenants/acme/resources",
                        headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/yaml")], body: body)
                    return (answer.status, answer.body)
                }
            }
            for try await (status, body) in group {
                #expect(status == 400)
                #expect(Self.message(body).contains("expands to too many nodes"), "\(Self.message(body))")
            }
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(2), "\(elapsed)")
        let health = try await server.client(nil).exchange("GET", "/health")
        #expect(health.status == 200)
        try await server.stop()
    }

    @Test func unknownRoutesAndMethodsAreAnsweredInJSON() async throws {
        let server = try await RunningServer.start()
        let client = server.client(nil)
        let unknown = try await client.exchange("GET", "/nope")
        #expect(unknown.status == 404 && Self.message(unknown.body) == "no route GET /nope")
        let trace = try await client.exchange("TRACE", "/api/backend/marketplace/")
        #expect(trace.status == 405)
        #expect(trace.headers.contains { $0.0.lowercased() == "allow" && $0.1 == "GET" })
        #expect(Self.message(trace.body).contains("TRACE is not allowed"))
        let put = try await client.exchange("PUT", "/api/tenants/acme/marketplace/items/proxy/versions/N/A")
        #expect(put.status == 405)
        #expect(put.headers.contains { $0.0.lowercased() == "allow" && $0.1 == "GET, DELETE" })
        try await server.stop()
    }

    /// Without a token, a private item and an id that exists nowhere get the same answer.
    @Test func withoutATokenPrivateAndUnknownItemsLookAlike() async throws {
        let server = try await RunningServer.start()
        let owner = server.client(try await server.token("acme", .publish))
        let applied = try await owner.apply(company: "acme", itemsJSON: [sidecarJSON(itemId: "secret", company: "acme")])
        let privateId = try #require(applied.items[0]._id)
        let anonymous = server.client(nil)
        let privateAnswer = try await anonymous.exchange("GET", "/api/backend/marketplace/\(privateId)")
        let unknownAnswer = try await anonymous.exchange("GET", "/api/backend/marketplace/0123456789abcdef01234567")
        #expect(privateAnswer.status == 401 && unknownAnswer.status == 401)
        #expect(privateAnswer.body == unknownAnswer.body)
        try await server.stop()
    }

    @Test func imagesMustBePNGOrJPEGAndOfTheCompany() async throws {
        let server = try await RunningServer.start()
        let token = try await server.token("acme", .publish)
        let client = server.client(token)
        await expectFailure(400, "the file must be a jpeg or png image") {
            _ = try await client.uploadImage(company: "acme", itemId: "proxy", fileName: "logo.svg", bytes: Array("<svg/>".utf8))
        }
        await expectFailure(413, "the largest accepted") {
            _ = try await client.uploadImage(
                company: "acme", itemId: "proxy", fileName: "big.png", bytes: MiactlContractTests.png + [UInt8](repeating: 0, count: StoredFile.maxBytes))
        }
        await expectFailure(403) {
            _ = try await client.uploadImage(company: "globex", itemId: "proxy", fileName: "logo.png", bytes: MiactlContractTests.png)
        }
        let reader = server.client(try await server.token("acme", .read))
        await expectFailure(403, "needs publish") {
            _ = try await reader.uploadImage(company: "acme", itemId: "proxy", fileName: "logo.png", bytes: MiactlContractTests.png)
        }
        let uploaded = try await client.uploadImage(company: "acme", itemId: "proxy", fileName: "logo.png", bytes: MiactlContractTests.png)
        #expect(uploaded.size == MiactlContractTests.png.count && uploaded.file.hasSuffix(".png"))
        let elsewhere = try await server.client(nil).exchange("GET", uploaded.location.replacingOccurrences(of: "/acme/", with: "/globex/"))
        #expect(elsewhere.status == 404)
        let malformed = try await server.client(nil).exchange(
            "POST", CatalogRoutes.uploadFile.path("acme"),
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=b")], body: Array("--b\r\nnonsense".utf8))
        #expect(malformed.status == 400 && Self.message(malformed.body).contains("the multipart body is malformed"))
        try await server.stop()
    }
}
