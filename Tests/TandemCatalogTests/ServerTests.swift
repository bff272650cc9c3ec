import Foundation
import TandemCatalog
import TandemCatalogClient
import Testing

/// The HTTP API on a loopback port, through the same client `tandem marketplace` uses.
@Suite struct ServerTests {
    @Test func aBatchAppliesTheValidItemsAndReportsTheOthers() async throws {
        let server = try await RunningServer.start()
        let token = try await server.token("acme", .publish)
        let client = server.client(token)
        let invalid = """
            {"name":"Bad","itemId":"bad","tenantId":"acme","type":"sidecar",
             "resources":{"name":"My_Sidecar","dockerImage":"nginx","containerPorts":[{"name":"http","from":80,"protocol":"SCTP"}],
             "defaultResources":{"memoryLimits":{"max":"256"}}}}
            """
        let response = try await client.apply(
            company: "acme",
            itemsJSON: [
                sidecarJSON(itemId: "one", company: "acme"), invalid, sidecarJSON(itemId: "two", company: "acme"), sidecarJSON(itemId: "one", company: "acme"),
            ])
        #expect(response.done == false)
        #expect(response.items.map(\.done) == [true, false, true, false])
        #expect(response.items.map(\.status) == ["Created", nil, "Created", nil])
        #expect(response.items[0].inserted && !response.items[0].updated)
        let messages = response.items[1].validationErrors.map(\.message)
        #expect(messages.contains { $0.hasPrefix("resources.name: ") })
        #expect(messages.contains { $0.contains("SCTP") })
        #expect(messages.contains { $0.contains("memoryLimits.max") })
        #expect(response.items[1]._id == nil)
        #expect(response.items[3].validationErrors.first?.message == "itemId one is already in this batch, at resources[0]")
        // Nothing of the invalid item was stored.
        let listed = try await server.store.list(ItemQuery(tenantId: "acme"))
        #expect(listed.map(\.itemId) == ["one", "two"])

        let again = try await client.apply(company: "acme", itemsJSON: [sidecarJSON(itemId: "one", company: "acme", name: "Renamed")])
        #expect(again.items[0].status == "Updated" && again.items[0]._id == response.items[0]._id && again.done)
        try await server.stop()
    }

    @Test func aLongListIsFollowedPageByPageToItsEnd() async throws {
        let server = try await RunningServer.start()
        let client = server.client(try await server.token("acme", .publish))
        let items = (0..<2_345).map { sidecarJSON(itemId: String(format: "item-%04d", $0), company: "acme") }
        #expect(try await client.apply(company: "acme", itemsJSON: items).done)
        let pages = try await client.list(company: "acme", includeShared: false, type: nil)
        #expect(pages.count == 3)
        let ids = pages.flatMap { page in
            String(decoding: page, as: UTF8.self).matches(of: /"itemId":"(item-\d+)"/).map { String($0.1) }
        }
        #expect(ids == (0..<2_345).map { String(format: "item-%04d", $0) })
        await expectFailure(400, "not a page cursor") { _ = try await client.send(.GET, "/api/backend/marketplace/?tenantId=acme&after=zz") }
        try await server.stop()
    }

    @Test func getOutputAppliedAgainIsUnchanged() async throws {
        let server = try await RunningServer.start()
        let client = server.client(try await server.token("acme", .publish))
        let created = try await client.apply(company: "acme", itemsJSON: [sidecarJSON(itemId: "proxy", company: "acme")])
        let id = try #require(created.items[0]._id)
        let fetched = String(decoding: try await client.item(objectId: id), as: UTF8.self)
        #expect(fetched.hasPrefix("{\"_id\":\"\(id)\","))
        let reapplied = try await client.apply(company: "acme", itemsJSON: [fetched])
        #expect(reapplied.items[0].status == "Unchanged")
        let byVersion = String(decoding: try await client.item(company: "acme", itemId: "proxy", version: "N/A"), as: UTF8.self)
        #expect(byVersion == fetched)
        try await server.stop()
    }

    @Test func badRequestsAreRefusedWithAMessage() async throws {
        let server = try await RunningServer.start()
        let admin = server.client(try await server.token("acme", .admin))
        await expectFailure(400, "the body is not valid JSON") {
            _ = try await admin.send(.POST, "/api/backend/marketplace/tenants/acme/resources", body: "{\"resources\": [")
        }
        await expectFailure(400, "\"resources\" array") { _ = try await admin.send(.POST, "/api/backend/marketplace/tenants/acme/resources", body: "[]") }
        await expectFailure(413, "larger than") {
            _ = try await admin.send(
                .POST, "/api/backend/marketplace/tenants/acme/resources", body: "{\"resources\":[\"" + String(repeating: "x", count: 33 << 20) + "\"]}")
        }
        await expectFailure(404, "item not found") { _ = try await admin.item(objectId: "0123456789abcdef01234567") }
        await expectFailure(400, "not an object id") { _ = try await admin.item(objectId: "nope") }
        await expectFailure(404, "item not found") { try await admin.delete(company: "acme", objectId: "0123456789abcdef01234567") }
        await expectFailure(404, "item not found: ghost") { _ = try await admin.versions(company: "acme", itemId: "ghost") }
        let item = sidecarJSON(itemId: "x", company: "globex")
        let response = try await admin.apply(company: "acme", itemsJSON: [item])
        #expect(response.items[0].validationErrors.first?.message == "tenantId \"globex\" is not the company this batch is applied to (acme)")
        try await server.stop()
    }

    @Test func tokensMustBeKnownCurrentAndUnrevoked() async throws {
        let server = try await RunningServer.start()
        let item = sidecarJSON(itemId: "x", company: "acme")
        await expectFailure(401, "missing bearer token") { _ = try await server.client(nil).apply(company: "acme", itemsJSON: [item]) }
        await expectFailure(401, "unknown token") { _ = try await server.client("tdm_0000").apply(company: "acme", itemsJSON: [item]) }
        let expiring = try await server.token("acme", .admin, expiresAt: server.clock.now + 60_000)
        _ = try await server.client(expiring).apply(company: "acme", itemsJSON: [item])
        server.clock.advance(by: 60_000)
        await expectFailure(401, "has expired") { _ = try await server.client(expiring).apply(company: "acme", itemsJSON: [item]) }
        let revoked = try await server.token("acme", .admin)
        let record = try #require(try await server.store.token(hash: TokenSecret.hash(revoked)))
        _ = try await server.store.revokeToken(id: record.id, at: server.clock.now)
        await expectFailure(401, "has been revoked") { _ = try await server.client(revoked).apply(company: "acme", itemsJSON: [item]) }
        try await server.stop()
    }

    @Test func rolesLimitWhatATokenMayDo() async throws {
        let server = try await RunningServer.start()
        let read = server.client(try await server.token("acme", .read))
        let publish = server.client(try await server.token("acme", .publish))
        let admin = server.client(try await server.token("acme", .admin))
        await expectFailure(403, "needs publish") { _ = try await read.apply(company: "acme", itemsJSON: [sidecarJSON(itemId: "x", company: "acme")]) }
        let id = try #require(try await publish.apply(company: "acme", itemsJSON: [sidecarJSON(itemId: "x", company: "acme")]).items[0]._id)
        _ = try await read.item(objectId: id)
        _ = try await read.history(company: "acme", objectId: id)
        await expectFailure(403, "needs publish") { _ = try await read.restore(company: "acme", objectId: id, revision: 1) }
        await expectFailure(403, "needs admin") { try await publish.delete(company: "acme", objectId: id) }
        try await admin.delete(company: "acme", objectId: id)
        try await server.stop()
    }

    /// Every route, with every role of another company: a private item is never read, listed, changed or
    /// deleted, and its existence is not confirmed (404, not 403, where the route names the item).
    @Test func noTokenOfOneCompanyReachesAnotherCompanysPrivateItems() async throws {
        let server = try await RunningServer.start()
        let owner = server.client(try await server.token("acme", .admin))
        let applied = try await owner.apply(
            company: "acme",
            itemsJSON: [
                sidecarJSON(itemId: "secret", company: "acme"),
                sidecarJSON(itemId: "shared", company: "acme", visibility: "{\"allTenants\":true}"),
            ])
        let secretId = try #require(applied.items[0]._id)
        let sharedId = try #require(applied.items[1]._id)
        for role in Role.allCases {
            let outsider = server.client(try await server.token("globex", role))
            await expectFailure(404) { _ = try await outsider.item(objectId: secretId) }
            await expectFailure(404) { _ = try await outsider.item(company: "acme", itemId: "secret", version: "N/A") }
            await expectFailure(404) { _ = try await outsider.versions(company: "acme", itemId: "secret") }
            await expectFailure(403) { _ = try await outsider.list(company: "acme", includeShared: false, type: nil) }
            await expectFailure(403) { _ = try await outsider.list(company: "acme", includeShared: true, type: nil) }
            await expectFailure(403) { _ = try await outsider.history(company: "acme", objectId: secretId) }
            await expectFailure(403) { _ = try await outsider.revision(company: "acme", objectId: secretId, revision: 1) }
            await expectFailure(403) {
                _ = try await outsider.apply(company: "acme", itemsJSON: [sidecarJSON(itemId: "secret", company: "acme", name: "Taken")])
            }
            await expectFailure(403) { _ = try await outsider.restore(company: "acme", objectId: secretId, revision: 1) }
            await expectFailure(403) { try await outsider.delete(company: "acme", objectId: secretId) }
            await expectFailure(403) { try await outsider.delete(company: "acme", itemId: "secret", version: "N/A") }
            // Its own company's list with shared items has the shared item and not the private one.
            let seen = try await outsider.list(company: "globex", includeShared: true, type: nil).map { String(decoding: $0, as: UTF8.self) }.joined()
            #expect(seen.contains(sharedId) && !seen.contains(secretId))
            _ = try await outsider.item(objectId: sharedId)
            // Applying its own item with the same itemId makes a separate item.
            if role >= .publish {
                let own = try await outsider.apply(company: "globex", itemsJSON: [sidecarJSON(itemId: "secret", company: "globex", name: "Mine")])
                #expect(own.items[0]._id != secretId)
            }
        }
        let untouched = try #require(try await server.store.item(ObjectID(secretId)!))
        #expect(untouched.name == "Proxy" && untouched.revision == 1)
        #expect(try await server.store.history(ObjectID(secretId)!).count == 1)
        try await server.stop()
    }

    @Test func theOpenAPIDescriptionIsServedAndMatchesTheSchemasFolder() async throws {
        let server = try await RunningServer.start()
        let served = try await server.client(nil).send(.GET, "/openapi.json").body
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let file = try Data(contentsOf: root.appendingPathComponent("schemas/catalog-openapi.json"))
        #expect(String(decoding: served, as: UTF8.self) + "\n" == String(decoding: file, as: UTF8.self))
        try await server.stop()
    }
}

func expectFailure(
    _ status: Int, _ fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
)
    async
{
    do {
        try await body()
        Issue.record("expected HTTP \(status), the call succeeded", sourceLocation: sourceLocation)
    } catch let error as CatalogClientError {
        #expect(error.status == status, "\(error.message)", sourceLocation: sourceLocation)
        if let fragment { #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
