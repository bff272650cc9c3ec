import Foundation
import TandemCatalog
import TandemCore
import Testing

/// Search by words (SQLite's FTS5, PostgreSQL's full-text search): the same answers from both.
@Suite struct SearchContractTests {
    static func item(
        _ itemId: String, company: String, name: String, description: String, image: String, lifecycle: String? = nil, isPublic: Bool = false,
        shared: Bool = false
    ) -> ItemDraft {
        var fields = [
            "\"name\":\(JSONString(name))", "\"itemId\":\(JSONString(itemId))", "\"tenantId\":\(JSONString(company))", "\"type\":\"sidecar\"",
            "\"description\":\(JSONString(description))", "\"resources\":{\"name\":\(JSONString(itemId)),\"dockerImage\":\(JSONString(image))}",
        ]
        if let lifecycle { fields.append("\"lifecycleStatus\":\(JSONString(lifecycle))") }
        return ItemDraft(
            tenantId: company, itemId: itemId, name: name, type: "sidecar", description: description, allTenants: shared, isPublic: isPublic,
            document: "{" + fields.joined(separator: ",") + "}")
    }

    static func JSONString(_ text: String) -> String {
        JSONText.quoted(text)
    }

    @Test(arguments: Backend.allCases) func wordsMatchTheBeginningsOfWordsInEveryFieldWithinWhatTheCallerMaySee(backend: Backend) async throws {
        guard let store = try await backend.open() else { return }
        let acme = uniqueCompany("acme")
        let globex = uniqueCompany("globex")
        _ = try await store.apply(
            [
                Self.item("envoy-proxy", company: acme, name: "Envoy Proxy", description: "Routes traffic to the app", image: "envoyproxy/envoy:v1.31"),
                Self.item(
                    "log-shipper", company: acme, name: "Log Shipper", description: "Sends logs to Loki", image: "grafana/promtail:3.0",
                    lifecycle: "deprecated"),
            ], actor: "t", at: 1)
        _ = try await store.apply(
            [
                Self.item("secret-agent", company: globex, name: "Secret Agent", description: "Globex only", image: "globex/agent:1"),
                Self.item("open-agent", company: globex, name: "Open Agent", description: "Shared agent", image: "globex/agent:2", isPublic: true),
            ], actor: "t", at: 1)
        func search(_ words: String, as audience: ItemSearch.Audience = .company(acme), company: String? = nil) async throws -> [String] {
            // Newest first, which within one second is no set order: compared as sets, in name order.
            try await store.search(ItemSearch(audience: audience, words: words, company: company, limit: 50)).map(\.itemId).sorted()
        }
        // Name, item id, description, image, lifecycle and company; prefixes; case and punctuation ignored.
        #expect(try await search("envoy", company: acme) == ["envoy-proxy"])
        #expect(try await search("ENV prox", company: acme) == ["envoy-proxy"])
        #expect(try await search("traffic", company: acme) == ["envoy-proxy"])
        #expect(try await search("promtail", company: acme) == ["log-shipper"])
        #expect(try await search("grafana/promtail:3", company: acme) == ["log-shipper"])
        #expect(try await search("deprecated", company: acme) == ["log-shipper"])
        #expect(try await search("shipper loki", company: acme) == ["log-shipper"])
        #expect(try await search("shipper envoy", company: acme) == [])
        #expect(try await search(acme) == ["envoy-proxy", "log-shipper"])
        // FTS operators typed by the user are words, not syntax.
        #expect(try await search("envoy OR \"shipper\" NEAR( * -", company: acme) == [])
        #expect(try await search("\" ' ; -- *", company: acme) == ["envoy-proxy", "log-shipper"])
        // Visibility: acme sees globex's public item, not its private one; nobody signed in sees public items only.
        #expect(try await search("agent", company: globex) == ["open-agent"])
        #expect(try await search("agent", as: .company(globex), company: globex) == ["open-agent", "secret-agent"])
        #expect(try await search("", as: .everyone, company: globex) == ["open-agent"])
        #expect(try await search("", as: .everyone, company: acme) == [])
        // Kept current by every write: an update and a delete.
        let updated = try await store.apply(
            [Self.item("envoy-proxy", company: acme, name: "Envoy Proxy", description: "Now with tracing", image: "envoyproxy/envoy:v1.32")],
            actor: "t", at: 2)
        #expect(try await search("traffic", company: acme) == [])
        #expect(try await search("tracing", company: acme) == ["envoy-proxy"])
        #expect(try await store.delete(updated[0].objectId, actor: "t", at: 3))
        #expect(try await search("tracing", company: acme) == [])
        // Sorted by name, paged.
        let page = try await store.search(ItemSearch(audience: .company(globex), company: globex, limit: 1, offset: 1))
        #expect(page.map(\.itemId) == ["secret-agent"])
        try await store.close()
    }
}
