import Foundation
import TandemCore
import Testing

@testable import TandemFormats

/// Mia-Platform items of every era, as the public catalog (mia-platform-marketplace/public-catalog) has
/// held them: `type: sidecar` with `publishOnMiaDocumentation` (the seed's era), `lifecycleStatus`
/// (console-sdk v14), and `itemTypeDefinitionRef` with images by local path (today).
@Suite struct MiaErasTests {
    static let resources = #""resources": {"name": "log-shipper", "dockerImage": "ghcr.io/acme/log-shipper:1.0.0"}"#
    static let seedEra =
        #"{"itemId": "log-shipper", "name": "Log shipper", "tenantId": "acme", "type": "sidecar", "publishOnMiaDocumentation": true, "releaseStage": "stable", "description": "Ships logs", "documentation": {"type": "externalLink", "url": "https://example.com"}, "#
        + resources + "}"
    static let lifecycleEra =
        #"{"itemId": "log-shipper", "name": "Log shipper", "tenantId": "acme", "lifecycleStatus": "published", "#
        + resources + "}"
    static let currentEra =
        #"{"itemId": "log-shipper", "name": "Log shipper", "tenantId": "acme", "categoryId": "monitoring", "supportedBy": "Platform", "supportedByImage": {"localPath": "../../../../assets/img/team.png"}, "image": {"localPath": "../assets/logo.png"}, "visibility": {"public": true}, "releaseDate": "2025-04-03T13:02:51.888Z", "lifecycleStatus": "draft", "itemTypeDefinitionRef": {"name": "sidecar", "namespace": "mia-platform"}, "#
        + resources + "}"

    @Test(arguments: [seedEra, lifecycleEra, currentEra])
    func everyEraIsReadByTheDefaultRules(item: String) throws {
        let input = InputLoader().load(text: item, file: "NA.json")
        #expect(input.format == .mia)
        #expect(errorMessages(input) == [])
        #expect(input.miaItem?.container?.image == "ghcr.io/acme/log-shipper:1.0.0")
    }

    @Test func whatTheItemIsMustBeSaid() {
        let untyped = #"{"itemId": "x", "name": "X", "tenantId": "acme", "# + Self.resources + "}"
        #expect(
            errorMessages(InputLoader(format: .mia).load(text: untyped, file: "x.json")) == [
                "missing required field \"type\" (a sidecar item says type: sidecar, or itemTypeDefinitionRef: {name: sidecar, namespace: mia-platform})"
            ])
        let plugin = Self.currentEra.replacingOccurrences(of: #"{"name": "sidecar""#, with: #"{"name": "plugin""#)
        #expect(errorMessages(InputLoader(format: .mia).load(text: plugin, file: "x.json")) == ["must be \"sidecar\" for a sidecar item, found \"plugin\""])
    }

    /// A clone of the public catalog as `--catalog-dir`: its sidecar items only, by version.
    @Test func aPublicCatalogFolderIsACatalog() throws {
        let root = NSTemporaryDirectory() + "tandem-public-catalog-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let versions = root + "/items/sidecar/log-shipper/versions"
        try FileManager.default.createDirectory(atPath: versions, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/items/plugin/crud/versions", withIntermediateDirectories: true)
        try Self.currentEra.write(toFile: versions + "/NA.json", atomically: true, encoding: .utf8)
        for version in ["1.2.0", "1.10.0"] {
            try Self.currentEra.replacingOccurrences(of: "log-shipper:1.0.0", with: "log-shipper:\(version)")
                .write(toFile: versions + "/\(version).json", atomically: true, encoding: .utf8)
        }
        try #"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}"#.write(
            toFile: root + "/items/sidecar/manifest.schema.json", atomically: true, encoding: .utf8)
        try #"{"itemId": "crud", "name": "CRUD", "tenantId": "mia-platform", "itemTypeDefinitionRef": {"name": "plugin", "namespace": "mia-platform"}}"#
            .write(toFile: root + "/items/plugin/crud/versions/NA.json", atomically: true, encoding: .utf8)

        let (resolver, diagnostics) = CatalogResolver.load(folder: root)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(resolver.items.count == 3)
        func image(_ version: String?) -> String? { resolver.item(for: CatalogReference(itemId: "log-shipper", version: version))?.container?.image }
        #expect(image(nil) == "ghcr.io/acme/log-shipper:1.0.0")
        #expect(image("N/A") == "ghcr.io/acme/log-shipper:1.0.0")
        #expect(image("1.10.0") == "ghcr.io/acme/log-shipper:1.10.0")
        #expect(image("2.0.0") == nil)
        let versioned = resolver.items.indices.filter { resolver.versions[$0] != "N/A" }
        let versionsOnly = CatalogResolver(items: versioned.map { resolver.items[$0] }, versions: versioned.map { resolver.versions[$0] })
        #expect(versionsOnly.item(for: CatalogReference(itemId: "log-shipper"))?.container?.image == "ghcr.io/acme/log-shipper:1.10.0")
    }

    /// A config map and a secret under one folder, as real items have them: accepted (the Marketplace's
    /// schemas do), each config map file mounted on its own; two secrets there are only a warning.
    @Test func sharedMountFoldersAreAcceptedAsTheMarketplaceAccepts() throws {
        let item = Self.seedEra.replacingOccurrences(
            of: #""dockerImage": "ghcr.io/acme/log-shipper:1.0.0""#,
            with:
                #""dockerImage": "ghcr.io/acme/log-shipper:1.0.0", "defaultConfigMaps": [{"name": "shipper-config", "mountPath": "/home/node", "files": [{"name": "config.json", "content": "{}"}]}], "defaultSecrets": [{"name": "shipper-key", "mountPath": "/home/node"}]"#
        )
        let input = InputLoader().load(text: item, file: "item.json")
        #expect(errorMessages(input) == [])
        #expect(input.diagnostics.warnings.allSatisfy { !$0.message.contains("two mounts") })
        let twoSecrets = item.replacingOccurrences(
            of: #"[{"name": "shipper-key", "mountPath": "/home/node"}]"#,
            with: #"[{"name": "shipper-key", "mountPath": "/home/node"}, {"name": "other-key", "mountPath": "/home/node"}]"#)
        let warned = InputLoader().load(text: twoSecrets, file: "item.json")
        #expect(warned.isValid)
        #expect(
            warned.diagnostics.warnings.contains {
                $0.message.hasPrefix("two mounts of container \"log-shipper\" use the path /home/node: the Marketplace accepts")
            })
    }

    /// `convert --to mia` of an item keeps what it read, and invents nothing for other inputs.
    @Test func convertingAnItemKeepsItsFields() throws {
        let input = InputLoader().load(text: Self.currentEra, file: "NA.json")
        let service = try #require(input.services.first)
        guard case .converted(let text, _) = ManifestWriter.convert(service, to: .mia, itemId: "log-shipper", tenantId: "acme", extras: input.extras) else {
            Issue.record("not converted")
            return
        }
        let again = try #require(InputLoader().load(text: text, file: "again.yaml").miaItem)
        for key in ["itemTypeDefinitionRef", "image", "supportedByImage", "lifecycleStatus", "releaseDate", "categoryId", "supportedBy", "visibility"] {
            #expect(again.document[key] != nil, "\(key) kept")
        }
        #expect(again.document["type"] == nil)
        #expect(again.document["description"] == nil, "nothing invented")
        let plain = Service(name: "web", containers: [Container(name: "web", role: .main), Container(name: "agent", image: "ghcr.io/acme/agent:1")])
        guard case .converted(let fresh, _) = ManifestWriter.convert(plain, to: .mia, tenantId: "acme") else {
            Issue.record("not converted")
            return
        }
        #expect(!fresh.contains("description"))
    }

    /// `--mia-schema public-catalog`: exactly the public catalog's items/sidecar/manifest.schema.json.
    @Test func thePublicCatalogsOwnSchema() {
        let loader = InputLoader(format: .mia, miaProfile: .publicCatalog)
        let published = Self.currentEra.replacingOccurrences(of: #""tenantId": "acme""#, with: #""tenantId": "mia-platform""#)
            .replacingOccurrences(of: #""supportedBy": "Platform""#, with: #""supportedBy": "Mia-Platform""#)
        #expect(errorMessages(loader.load(text: published, file: "NA.json")) == [])
        #expect(
            errorMessages(loader.load(text: Self.currentEra, file: "NA.json")) == [
                "must be \"mia-platform\" in the public catalog, found \"acme\"",
                "must be one of Mia-Platform, Mia-FinTech, Mia-Care, Community, found \"Platform\"",
            ])
        // The seed's era is not the public catalog's today: `type` and `publishOnMiaDocumentation` are unknown there.
        let seed = errorMessages(loader.load(text: Self.seedEra, file: "NA.json"))
        #expect(seed.contains("unknown field \"type\"") && seed.contains("unknown field \"publishOnMiaDocumentation\""))
        #expect(seed.contains("missing required field \"itemTypeDefinitionRef\""))
    }
}
