import Foundation
import TandemCatalog
import TandemCatalogClient
import TandemCore
import Testing

/// The catalog's web page over real HTTP: what each role sees and may do, escaping, the security headers.
@Suite struct WebPageTests {
    struct Page {
        var status: Int
        var headers: [(String, String)]
        var html: String
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        /// The value of the first `name="csrf"` field.
        var formToken: String? {
            guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
            return String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    static func exchange(
        _ server: RunningServer, _ method: String, _ path: String, headers: [(String, String)], body: String? = nil
    ) async throws -> Page {
        let answer = try await server.client(nil).exchange(method, path, headers: headers, body: body.map { Array($0.utf8) })
        return Page(status: answer.status, headers: answer.headers, html: String(decoding: answer.body, as: UTF8.self))
    }

    static func get(_ server: RunningServer, _ path: String, token: String? = nil) async throws -> Page {
        try await exchange(server, "GET", path, headers: token.map { [("Cookie", "tandem_session=\($0)")] } ?? [])
    }

    static func post(_ server: RunningServer, _ path: String, form: String, token: String? = nil) async throws -> Page {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let token { headers.append(("Cookie", "tandem_session=\(token)")) }
        return try await exchange(server, "POST", path, headers: headers, body: form)
    }

    static let hostile = """
        {"name":"<script>alert(1)</script> \\"Quoted\\" & 'single'","itemId":"hostile","tenantId":"acme","type":"sidecar",
        "description":"<img src=x onerror=alert(2)>","visibility":{"public":true},
        "resources":{"name":"hostile","dockerImage":"nginx:1.27",
        "defaultEnvironmentVariables":[{"name":"GREETING","valueType":"plain","value":"\\"><script>x</script>"}]}}
        """

    @Test func signedOutPeopleSeePublicItemsOnlyEverythingEscapedUnderAStrictPolicy() async throws {
        let server = try await RunningServer.start()
        let admin = try await server.token("acme", .admin)
        let applied = try await server.client(admin).apply(company: "acme", itemsJSON: [Self.hostile, sidecarJSON(itemId: "private-proxy", company: "acme")])
        #expect(applied.done, "\(applied)")
        let home = try await Self.get(server, "/")
        #expect(home.status == 200)
        #expect(home.header("Content-Type") == "text/html; charset=utf-8")
        let policy = try #require(home.header("Content-Security-Policy"))
        #expect(policy.contains("default-src 'none'") && !policy.contains("script-src") && !policy.contains("unsafe"))
        #expect(home.header("X-Content-Type-Options") == "nosniff")
        #expect(home.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Quoted&quot; &amp; &#39;single&#39;"), "\(home.html)")
        #expect(!home.html.contains("<script"), "\(home.html)")
        #expect(!home.html.contains("<img src=x"))
        #expect(!home.html.contains("private-proxy"), "a private item on the signed-out page")
        let id = try #require(home.html.range(of: "/items/").map { String(home.html[$0.upperBound...].prefix(24)) })
        let item = try await Self.get(server, "/items/\(id)")
        #expect(item.status == 200)
        #expect(!item.html.contains("<script"))
        #expect(item.html.contains("<code>&quot;&gt;&lt;script&gt;x&lt;/script&gt;</code>"), "\(item.html)")
        // The example service's start order, as an image of its own.
        #expect(item.html.contains("<img src=\"/items/\(id)/graph.svg\""))
        let graph = try await Self.get(server, "/items/\(id)/graph.svg")
        #expect(graph.status == 200 && graph.header("Content-Type") == "image/svg+xml")
        #expect(graph.html.contains("<svg") && graph.html.contains("my-service") && graph.html.contains(">hostile<"))
        // No history without a session of its company.
        #expect(!item.html.contains("History"))
        // A private item's page and an unknown one answer alike.
        let privateId = try #require(try await server.store.item(ItemKey(tenantId: "acme", itemId: "private-proxy"))).objectId.hex
        let hidden = try await Self.get(server, "/items/\(privateId)")
        let unknown = try await Self.get(server, "/items/0123456789abcdef01234567")
        #expect(hidden.status == 404 && unknown.status == 404)
        #expect(
            hidden.html.replacingOccurrences(of: privateId, with: "ID") == unknown.html.replacingOccurrences(of: "0123456789abcdef01234567", with: "ID"))
        try await server.stop()
    }

    @Test func aPublisherSeesTheHistoryAndRestoresAReaderIsRefused() async throws {
        let server = try await RunningServer.start()
        let publisher = try await server.token("acme", .publish)
        let reader = try await server.token("acme", .read)
        for name in ["Proxy one", "Proxy two"] {
            _ = try await server.client(publisher).apply(company: "acme", itemsJSON: [sidecarJSON(itemId: "proxy", company: "acme", name: name)])
        }
        let objectId = try #require(try await server.store.item(ItemKey(tenantId: "acme", itemId: "proxy"))).objectId.hex
        // Signed out: the private item is not listed; signed in: it is, and found by a word of its name.
        #expect(!(try await Self.get(server, "/?q=proxy")).html.contains(objectId))
        let found = try await Self.get(server, "/?q=two", token: publisher)
        #expect(found.html.contains("/items/\(objectId)"), "\(found.html)")
        #expect(!(try await Self.get(server, "/?q=three", token: publisher)).html.contains(objectId))

        let page = try await Self.get(server, "/items/\(objectId)", token: publisher)
        #expect(page.html.contains("Revision 2: updated"))
        #expect(page.html.contains("<span class=\"removed\">- name: Proxy one</span>"), "\(page.html)")
        #expect(page.html.contains("<span class=\"added\">+ name: Proxy two</span>"))
        #expect(page.html.contains("Restore revision 1"))
        let formToken = try #require(page.formToken)

        // A form without the session's form token (another site's) is refused; a reader may not restore.
        #expect(try await Self.post(server, "/items/\(objectId)/restore", form: "revision=1", token: publisher).status == 403)
        let readerPage = try await Self.get(server, "/items/\(objectId)", token: reader)
        #expect(readerPage.html.contains("Revision 2: updated") && !readerPage.html.contains("Restore revision"))
        let readerToken = try #require(readerPage.formToken)
        let refused = try await Self.post(server, "/items/\(objectId)/restore", form: "csrf=\(readerToken)&revision=1", token: reader)
        #expect(refused.status == 403, "\(refused.html)")
        #expect(try await server.store.item(try #require(ObjectID(objectId)))?.name == "Proxy two")

        let restored = try await Self.post(server, "/items/\(objectId)/restore", form: "csrf=\(formToken)&revision=1", token: publisher)
        #expect(restored.status == 303)
        #expect(restored.header("Location") == "/items/\(objectId)?restored=1")
        #expect(try await server.store.item(try #require(ObjectID(objectId)))?.name == "Proxy one")
        try await server.stop()
    }

    /// The uploaded logo is shown; an image from anywhere else is not loaded (the policy would block it
    /// anyway, and a page that names it would leak who reads it).
    @Test func theLogoIsTheCatalogsOwnUploadedImageOnly() async throws {
        let server = try await RunningServer.start()
        let publisher = try await server.token("acme", .publish)
        let client = server.client(publisher)
        let png = Array(
            Data(
                base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
            )!)
        let uploaded = try await client.uploadImage(company: "acme", itemId: "proxy", fileName: "logo.png", bytes: png)
        func document(_ itemId: String, imageURL: String) -> String {
            sidecarJSON(itemId: itemId, company: "acme", visibility: "{\"public\":true}").dropLast() + ",\"imageUrl\":\(JSONText.quoted(imageURL))}"
        }
        let applied = try await client.apply(
            company: "acme", itemsJSON: [document("proxy", imageURL: uploaded.location), document("other", imageURL: "https://tracker.example.com/x.png")])
        #expect(applied.done, "\(applied)")
        for (itemId, logo) in [("proxy", uploaded.location), ("other", nil)] {
            let objectId = try #require(try await server.store.item(ItemKey(tenantId: "acme", itemId: itemId))).objectId.hex
            let page = try await Self.get(server, "/items/\(objectId)")
            if let logo {
                #expect(page.html.contains("<img class=\"logo\" src=\"\(logo)\""), "\(page.html)")
                let image = try await Self.exchange(server, "GET", logo, headers: [])
                #expect(image.status == 200 && image.header("Content-Type") == "image/png")
            } else {
                #expect(!page.html.contains("class=\"logo\"") && !page.html.contains("tracker.example.com/x.png\" "), "\(page.html)")
            }
        }
        try await server.stop()
    }

    @Test func signInSetsAnHttpOnlyCookieAndAnUnknownTokenIsToldSo() async throws {
        let server = try await RunningServer.start()
        let token = try await server.token("acme", .read)
        let good = try await Self.post(server, "/sign-in", form: "token=\(token)")
        #expect(good.status == 303)
        let cookie = try #require(good.header("Set-Cookie"))
        #expect(cookie.hasPrefix("tandem_session=\(token);") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let bad = try await Self.post(server, "/sign-in", form: "token=tdm_nope")
        #expect(bad.status == 401)
        #expect(bad.html.contains("That token is not known"))
        #expect(bad.header("Set-Cookie") == nil)
        // A session whose token stops working is ended, with a page that says so.
        let stale = try await Self.get(server, "/", token: "tdm_revoked")
        #expect(stale.status == 401)
        #expect(stale.html.contains("Sign in again"))
        #expect(stale.header("Set-Cookie")?.contains("Max-Age=0") == true)
        try await server.stop()
    }
}
