import Foundation
import TandemCatalog
import TandemCatalogClient
import TandemCore
import Testing

/// miactl's requests replayed as miactl (mia-platform/miactl HEAD) sends them: its paths (built with
/// `fmt.Sprintf`, so `versions/N/A` unescaped), its headers (`Content-Type: application/json` on every
/// call, `Accept`, `client-key`), golang.org/x/oauth2's client-credentials request, Go's multipart
/// writer for images; every answer decoded with miactl's Go types by encoding/json's rules, printed by
/// miactl's rules (apply's status column), and checked against the OpenAPI description's schema for
/// its operation and status.
@Suite struct MiactlContractTests {
    /// One miactl session against a running catalog: the calls it makes, and what each answer must be.
    struct Session {
        let server: RunningServer
        let openAPI: SchemaChecker
        var bearer: String?

        init(server: RunningServer) async throws {
            self.server = server
            let served = try await server.client(nil).exchange("GET", CatalogRoutes.openAPI.template).body
            openAPI = SchemaChecker(document: try JSONValue.parse(served))
        }

        /// miactl's API client: every call carries these.
        var headers: [(String, String)] {
            var headers = [("Accept", "application/json"), ("Content-Type", "application/json"), ("client-key", "miactl")]
            if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
            return headers
        }

        /// A call as miactl makes it; the answer's body, checked against the description.
        func call(
            _ method: String, _ path: String, body: [UInt8]? = nil, headers extra: [(String, String)]? = nil, expect status: Int,
            sourceLocation: Testing.SourceLocation = #_sourceLocation
        ) async throws -> [UInt8] {
            let answer = try await server.client(nil).exchange(method, path, headers: extra ?? headers, body: body)
            #expect(answer.status == status, "\(method) \(path): \(String(decoding: answer.body, as: UTF8.self))", sourceLocation: sourceLocation)
            let template = try #require(CatalogRoutes.route(method, String(path.split(separator: "?").first ?? "")), "no route for \(path)")
            if let schema = openAPI.responseSchema(path: template.template, method: method, status: answer.status) {
                let problems = openAPI.check(try JSONValue.parse(answer.body), against: schema)
                #expect(problems.isEmpty, "\(method) \(path) \(answer.status): \(problems)", sourceLocation: sourceLocation)
            } else {
                #expect(answer.status == 204 || template == CatalogRoutes.getFile, "\(method) \(path) \(answer.status): not in the description")
            }
            if answer.status >= 400 {
                // miactl prints the error body's message; an empty one would be "unexpected end of JSON input".
                let error = try GoJSON.unmarshal(answer.body, into: Miactl.apiError)
                guard case .object(let fields) = error, case .string(let message)? = fields["message"] else {
                    Issue.record("no message in \(String(decoding: answer.body, as: UTF8.self))", sourceLocation: sourceLocation)
                    return answer.body
                }
                #expect(!message.isEmpty, sourceLocation: sourceLocation)
            }
            return answer.body
        }

        /// golang.org/x/oauth2 clientcredentials with AuthStyleInHeader: the id and secret form-escaped
        /// in a Basic header, `grant_type=client_credentials` in a form.
        mutating func logIn(clientId: String, secret: String) async throws {
            // url.QueryEscape leaves these ids and secrets as they are, as CatalogRoute.escape does.
            let basic = Base64.encode(Array("\(CatalogRoute.escape(clientId)):\(CatalogRoute.escape(secret))".utf8))
            let answer = try await server.client(nil).exchange(
                "POST", CatalogRoutes.token.template,
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Basic \(basic)")],
                body: Array("grant_type=client_credentials".utf8))
            #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
            // oauth2 reads JSON only when the Content-Type says so, else it parses a form.
            #expect(answer.headers.contains { $0.0.lowercased() == "content-type" && $0.1.hasPrefix("application/json") })
            guard case .object(let token) = try GoJSON.unmarshal(answer.body, into: Miactl.token), case .string(let access)? = token["access_token"],
                !access.isEmpty
            else {
                Issue.record("oauth2: server response missing access_token")
                return
            }
            #expect(token["token_type"] == .string("Bearer"))
            bearer = access
        }
    }

    /// The status miactl's apply table prints for an applied item (internal/cmd/catalog/apply/table.go).
    static func miactlStatus(_ item: JSONValue) -> String {
        guard case .object(let fields) = item else { return "UNKNOWN" }
        if fields["inserted"] == .bool(true) { return "Inserted" }
        if fields["updated"] == .bool(true) { return "Updated" }
        return "UNKNOWN"
    }

    static func items(_ response: JSONValue) -> [JSONValue] {
        guard case .object(let fields) = response, case .array(let items)? = fields["items"] else { return [] }
        return items
    }

    static func field(_ value: JSONValue, _ name: String) -> String? {
        guard case .object(let fields) = value, case .string(let text)? = fields[name] else { return nil }
        return text
    }

    /// Go's json.Marshal of `{"resources": [item]}` (keys sorted, as Go writes maps).
    static func applyBody(_ items: [String]) -> [UInt8] {
        Array(("{\"resources\":[" + items.joined(separator: ",") + "]}").utf8)
    }

    /// A 1x1 PNG, as `miactl catalog apply` finds it at `image.localPath`.
    static let png = Base64.decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!

    /// Go's mime/multipart writer, as miactl's upload_image.go fills it.
    static func multipart(boundary: String, file: [UInt8], fileName: String, fields: [(String, String)]) -> [UInt8] {
        var body = Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"marketplace_image\"; filename=\"\(fileName)\"\r\nContent-Type: image/png\r\n\r\n"
                .utf8)
        body += file
        for (name, value) in fields {
            body += Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)".utf8)
        }
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return body
    }

    @Test func miactlCatalogFamilyLogsInAppliesWithAnImageGetsEditsListsAndDeletes() async throws {
        let server = try await RunningServer.start()
        let (secret, account) = ServiceAccountRecord.generate(tenantId: "acme", name: "ci", role: .admin, at: server.clock.now)
        try await server.store.addServiceAccount(account)
        var session = try await Session(server: server)
        try await session.logIn(clientId: account.clientId, secret: secret)

        // util.VersionCheck(14, 0): /api/version answered, major.minor at least 14.0.
        let version = try GoJSON.unmarshal(try await session.call("GET", "/api/version", expect: 200), into: Miactl.version)
        #expect(Int(Self.field(version, "major") ?? "") ?? 0 >= 14)

        // processItemImages: the logo uploaded first; its location becomes imageUrl.
        let boundary = "3f4a9d2c1b0e8f7a6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a"
        let upload = try await session.call(
            "POST", "/api/backend/marketplace/tenants/acme/files",
            body: Self.multipart(
                boundary: boundary, file: Self.png, fileName: "/home/dev/items/logo.png",
                fields: [("itemId", "proxy"), ("assetType", "imageAssetType"), ("tenantId", "acme")]),
            headers: session.headers.filter { $0.0 != "Content-Type" } + [("Content-Type", "multipart/form-data; boundary=\(boundary)")], expect: 200)
        let uploaded = try GoJSON.unmarshal(upload, into: Miactl.uploadImage)
        let location = try #require(Self.field(uploaded, "location"))
        let image = try await server.client(nil).exchange("GET", location)
        #expect(image.status == 200 && image.body == Self.png)
        #expect(image.headers.contains { $0.0.lowercased() == "content-type" && $0.1 == "image/png" })

        let item = { (description: String) in
            """
            {"description":"\(description)","imageUrl":"\(location)","itemId":"proxy","name":"Proxy","resources":{"dockerImage":"nginx:1.27","name":"proxy"},"tenantId":"acme","type":"sidecar"}
            """
        }
        let created = try GoJSON.unmarshal(
            try await session.call("POST", "/api/tenants/acme/marketplace/items", body: Self.applyBody([item("A proxy")]), expect: 200),
            into: Miactl.catalogApply)
        #expect(Self.items(created).map(Self.miactlStatus) == ["Inserted"])
        let objectId = try #require(Self.items(created).first.flatMap { Self.field($0, "_id") })

        // get --item-id proxy --version N/A: the path as fmt.Sprintf writes it.
        let fetched = try GoJSON.unmarshal(
            try await session.call("GET", "/api/tenants/acme/marketplace/items/proxy/versions/N/A", expect: 200), into: Miactl.item)
        #expect(Self.field(fetched, "_id") == objectId && Self.field(fetched, "imageUrl") == location)

        // Edited and applied again: Updated; applied once more unchanged: still a real status.
        let edited = try GoJSON.unmarshal(
            try await session.call("POST", "/api/tenants/acme/marketplace/items", body: Self.applyBody([item("A better proxy")]), expect: 200),
            into: Miactl.catalogApply)
        #expect(Self.items(edited).map(Self.miactlStatus) == ["Updated"])
        let again = try GoJSON.unmarshal(
            try await session.call("POST", "/api/tenants/acme/marketplace/items", body: Self.applyBody([item("A better proxy")]), expect: 200),
            into: Miactl.catalogApply)
        #expect(Self.items(again).map(Self.miactlStatus) == ["Updated"])

        // An invalid item: catalog apply prints the item's `errors`.
        let refused = try GoJSON.unmarshal(
            try await session.call(
                "POST", "/api/tenants/acme/marketplace/items",
                body: Self.applyBody([#"{"itemId":"bad","name":"Bad","resources":{"name":"BAD NAME"},"tenantId":"acme","type":"sidecar"}"#]),
                expect: 200),
            into: Miactl.catalogApply)
        let firstRefused: JSONValue? = Self.items(refused).first
        guard case .object(let outcome)? = firstRefused, case .array(let errors)? = outcome["errors"] else {
            Issue.record("no errors in \(refused)")
            return
        }
        #expect(outcome["done"] == JSONValue.bool(false))
        #expect(!errors.isEmpty)

        // list --page 1, list-versions.
        let listed = try GoJSON.unmarshal(try await session.call("GET", "/api/marketplace/?page=1&tenantId=acme", expect: 200), into: Miactl.items)
        guard case .array(let rows) = listed else { throw GoUnmarshalError(description: "not a list") }
        #expect(rows.compactMap { Self.field($0, "itemId") } == ["proxy"])
        let releases = try GoJSON.unmarshal(
            try await session.call("GET", "/api/tenants/acme/marketplace/items/proxy/versions", expect: 200), into: Miactl.releases)
        guard case .array(let versions) = releases else { throw GoUnmarshalError(description: "not a list") }
        #expect(versions.compactMap { Self.field($0, "version") } == ["N/A"])
        #expect(versions.compactMap { Self.field($0, "name") } == ["Proxy"])

        // delete: 204 is "item deleted successfully"; a second one is 404, "item not found".
        _ = try await session.call("DELETE", "/api/tenants/acme/marketplace/items/proxy/versions/N/A", expect: 204)
        _ = try await session.call("DELETE", "/api/tenants/acme/marketplace/items/proxy/versions/N/A", expect: 404)
        _ = try await session.call("GET", "/api/tenants/acme/marketplace/items/proxy/versions/N/A", expect: 404)
        _ = try await session.call("GET", "/api/tenants/acme/marketplace/items/proxy/versions", expect: 404)
        try await server.stop()
    }

    @Test func miactlMarketplaceFamilyAppliesGetsListsVersionsAndDeletes() async throws {
        let server = try await RunningServer.start()
        var session = try await Session(server: server)
        session.bearer = try await server.token("acme", .admin)
        let item = #"{"description":"A proxy","itemId":"proxy","name":"Proxy","resources":{"dockerImage":"nginx:1.27","name":"proxy"},"type":"sidecar"}"#
        let applied = try GoJSON.unmarshal(
            try await session.call("POST", "/api/backend/marketplace/tenants/acme/resources", body: Self.applyBody([item]), expect: 200),
            into: Miactl.marketplaceApply)
        #expect(Self.items(applied).map(Self.miactlStatus) == ["Inserted"])
        let objectId = try #require(Self.items(applied).first.flatMap { Self.field($0, "_id") })

        let byIdBody = try await session.call("GET", "/api/backend/marketplace/\(objectId)", expect: 200)
        let byId = try GoJSON.unmarshal(byIdBody, into: Miactl.item)
        #expect(Self.field(byId, "tenantId") == "acme")
        for version in ["N/A", "N%2FA"] {
            let byVersion = try GoJSON.unmarshal(
                try await session.call("GET", "/api/backend/marketplace/tenants/acme/resources/proxy/versions/\(version)", expect: 200), into: Miactl.item)
            #expect(Self.field(byVersion, "_id") == objectId)
        }
        // The get output applied again (`_id` and all): Updated to miactl, unchanged underneath.
        let reapplied = try await session.call(
            "POST", "/api/backend/marketplace/tenants/acme/resources", body: Self.applyBody([String(decoding: byIdBody, as: UTF8.self)]),
            expect: 200)
        let decoded = try GoJSON.unmarshal(reapplied, into: Miactl.marketplaceApply)
        #expect(Self.items(decoded).map(Self.miactlStatus) == ["Updated"])
        #expect(String(decoding: reapplied, as: UTF8.self).contains("\"status\":\"Unchanged\""))

        _ = try GoJSON.unmarshal(try await session.call("GET", "/api/backend/marketplace/?tenantId=acme", expect: 200), into: Miactl.items)
        _ = try GoJSON.unmarshal(try await session.call("GET", "/api/backend/marketplace/?includeTenantId=acme", expect: 200), into: Miactl.items)
        let releases = try GoJSON.unmarshal(
            try await session.call("GET", "/api/backend/marketplace/tenants/acme/resources/proxy/versions", expect: 200), into: Miactl.releases)
        let expected: JSONValue = .array([
            .object([
                "version": .string("N/A"), "name": .string("Proxy"), "description": .string("A proxy"), "_id": .string(objectId), "itemId": .string("proxy"),
            ])
        ])
        #expect(releases == expected)

        // A miactl of this family that gets --version N/A of an unknown item reads a JSON message.
        _ = try await session.call("GET", "/api/backend/marketplace/tenants/acme/resources/ghost/versions/N/A", expect: 404)
        _ = try await session.call("DELETE", "/api/backend/marketplace/tenants/acme/resources/\(objectId)", expect: 204)
        _ = try await session.call("DELETE", "/api/backend/marketplace/tenants/acme/resources/\(objectId)", expect: 404)
        try await server.stop()
    }

    @Test func serviceAccountsAreRefusedWithOAuthErrorsAndRevokedWithTheirTokens() async throws {
        let server = try await RunningServer.start()
        let (secret, account) = ServiceAccountRecord.generate(tenantId: "acme", name: "ci", role: .read, at: server.clock.now)
        try await server.store.addServiceAccount(account)
        let client = server.client(nil)
        func exchange(_ headers: [(String, String)], _ body: String) async throws -> (Int, JSONValue) {
            let answer = try await client.exchange("POST", CatalogRoutes.token.template, headers: headers, body: Array(body.utf8))
            return (answer.status, try JSONValue.parse(answer.body))
        }
        let form = ("Content-Type", "application/x-www-form-urlencoded")
        let wrong = Base64.encode(Array("\(account.clientId):tds_nope".utf8))
        var (status, body) = try await exchange([form, ("Authorization", "Basic \(wrong)")], "grant_type=client_credentials")
        #expect(status == 401 && Self.field(body, "error") == "invalid_client")
        (status, body) = try await exchange([form], "grant_type=password&username=a&password=b")
        #expect(status == 400 && Self.field(body, "error") == "unsupported_grant_type")
        (status, body) = try await exchange([("Content-Type", "application/json")], "{}")
        #expect(status == 400 && Self.field(body, "error") == "invalid_request")
        // Credentials in the form (AuthStyleInParams) work too.
        (status, body) = try await exchange([form], "grant_type=client_credentials&client_id=\(account.clientId)&client_secret=\(secret)")
        #expect(status == 200)
        let access = try #require(Self.field(body, "access_token"))
        let reader = server.client(access)
        _ = try await reader.list(company: "acme", includeShared: false, type: nil)
        await expectFailure(403, "needs publish") { _ = try await reader.apply(company: "acme", itemsJSON: [sidecarJSON(itemId: "x", company: "acme")]) }
        // Expiry: an hour by default.
        server.clock.advance(by: 3_600_000)
        await expectFailure(401, "has expired") { _ = try await reader.list(company: "acme", includeShared: false, type: nil) }
        // Revoking the account revokes its tokens, on their next use.
        (status, body) = try await exchange([form], "grant_type=client_credentials&client_id=\(account.clientId)&client_secret=\(secret)")
        let second = server.client(Self.field(body, "access_token"))
        _ = try await second.list(company: "acme", includeShared: false, type: nil)
        #expect(try await server.store.revokeServiceAccount(clientId: account.clientId, at: server.clock.now))
        await expectFailure(401, "revoked") { _ = try await second.list(company: "acme", includeShared: false, type: nil) }
        (status, body) = try await exchange([form], "grant_type=client_credentials&client_id=\(account.clientId)&client_secret=\(secret)")
        #expect(status == 401 && Self.field(body, "error_description")?.contains("revoked") == true)
        try await server.stop()
    }

    /// The description has exactly the routes the server registers and the client calls.
    @Test func theDescriptionHasExactlyTheRoutesOfTheRouteTable() async throws {
        let server = try await RunningServer.start()
        let served = try JSONValue.parse(try await server.client(nil).exchange("GET", "/openapi.json").body)
        guard case .object(let root) = served, case .object(let paths)? = root["paths"] else { throw GoUnmarshalError(description: "no paths") }
        var described: Set<String> = []
        for (path, operations) in paths {
            guard case .object(let methods) = operations else { continue }
            for (method, operation) in methods {
                guard case .object(let fields) = operation, case .string(let id)? = fields["operationId"] else { continue }
                described.insert("\(method.uppercased()) \(path) \(id)")
            }
        }
        let registered = Set(CatalogRoutes.all.map { "\($0.method.rawValue) \($0.template) \($0.operationId)" })
        #expect(described == registered)
        // And each is answered by the server (not the router's 404 for an unknown route).
        for route in CatalogRoutes.all {
            let path = route.path(route.parameters.map { _ in "x" })
            let answer = try await server.client(nil).exchange(route.method.rawValue, path)
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("no route"), "\(route)")
        }
        try await server.stop()
    }
}
