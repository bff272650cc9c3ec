import Foundation
import TandemCore
import Testing

@testable import TandemFormats

/// Conversions keep what the target can hold: writing a model and reading it back gives the same text again.
@Suite struct WriterTests {
    static let examples = [
        "examples/tandem/web.yml", "examples/copilot/api.yml", "examples/mia/audit-trail.json", "examples/mia/my-sidecar.yaml",
        "examples/cloudfoundry/manifest.yml", "examples/cloudfoundry/app",
    ]

    func service(_ relative: String) throws -> Service {
        let input = InputLoader().load(paths: [repositoryRoot + "/" + relative]).inputs[0]
        #expect(input.isValid, "\(lines(input))")
        return try #require(input.services.first)
    }

    func reread(_ text: String, as name: String) throws -> Service {
        let input = InputLoader().load(text: text, file: name)
        #expect(input.isValid, "\(name): \(lines(input))\n\(text)")
        return try #require(input.services.first)
    }

    /// Pairs whose target cannot hold the input at all, with the reason the target's reader gives.
    static let refusals: [String: String] = [
        "examples/cloudfoundry/manifest.yml -> copilot": "must specify one of \"image\", \"image.build, or \"image.location\"",
        "examples/cloudfoundry/app -> copilot": "must specify one of \"image\", \"image.build, or \"image.location\"",
        "examples/mia/audit-trail.json -> copilot": "a Copilot service needs a main container, and the input has none (a catalog item is a sidecar only)",
        "examples/mia/my-sidecar.yaml -> copilot": "a Copilot service needs a main container, and the input has none (a catalog item is a sidecar only)",
    ]

    /// Every example into every whole-service format: either the output reads back valid and converting it
    /// again gives the same text, or the conversion is refused for the expected reason.
    @Test(arguments: examples, [ConversionTarget.tandem, .copilot, .cfManifest])
    func conversionsAreFixedPointsOrRefused(example: String, target: ConversionTarget) throws {
        let key = "\(example) -> \(target.rawValue)"
        switch ManifestWriter.convert(try service(example), to: target) {
        case .refused(let reasons, _):
            #expect(reasons.contains { $0.hasSuffix(Self.refusals[key] ?? "(no refusal expected)") }, "\(key): \(reasons)")
        case .converted(let text, _):
            #expect(Self.refusals[key] == nil, "\(key) was expected to be refused")
            let name = target == .tandem ? "tandem.yml" : "manifest.yml"
            let format: InputFormat = target == .tandem ? .tandem : (target == .copilot ? .copilot : .cfManifest)
            let again = InputLoader(format: format).load(text: text, file: name)
            let reread = try #require(again.services.first)
            guard case .converted(let second, _) = ManifestWriter.convert(reread, to: target) else {
                Issue.record("\(key): the second conversion was refused")
                return
            }
            #expect(second == text, "\(key)")
        }
    }

    @Test func miaItemsRoundTrip() throws {
        let original = try service("examples/mia/audit-trail.json")
        let converted = ManifestWriter.miaItem(original, tenantId: "acme")
        #expect(converted.dropped.isEmpty, "\(converted.dropped)")
        let back = try reread(converted.text, as: "item.yaml")
        #expect(back.containers.first?.ports.map(\.containerPort) == original.containers.first?.ports.map(\.containerPort))
        #expect(back.containers.first?.environment.map(\.value) == original.containers.first?.environment.map(\.value))
        #expect(back.containers.first?.probes.readiness?.action == original.containers.first?.probes.readiness?.action)
        #expect(back.containers.first?.resources == original.containers.first?.resources)
        #expect(back.configMaps.map(\.files).map { $0.map(\.content) } == original.configMaps.map(\.files).map { $0.map(\.content) })
    }

    @Test func lossesAreNamed() throws {
        let copilot = try service("examples/copilot/api.yml")
        let cf = ManifestWriter.cloudFoundryManifest(copilot)
        #expect(cf.dropped.contains("sidecar nginx: it has no command, and CF runs commands, not images"))
        #expect(cf.dropped.contains("log routing (CF's loggregator collects every process's output)"))
        let mia = ManifestWriter.miaItem(copilot, tenantId: "t")
        #expect(mia.dropped.contains("start dependencies (an item has no start order)"))
        let tandem = ManifestWriter.tandem(copilot)
        #expect(tandem.dropped.contains("volume myEFSVolume: EFS file system (a local run gets a scratch folder)"))
    }

    @Test func stringsThatLookLikeOtherTypesAreQuoted() {
        let value = YAMLValue.map([("a", .string("8080")), ("b", .string("yes")), ("c", .string("plain")), ("d", .string("null"))])
        #expect(value.yaml() == "a: \"8080\"\nb: \"yes\"\nc: plain\nd: \"null\"\n")
    }
}

@Suite struct SchemaTests {
    @Test(arguments: ["tandem-manifest.v1", "mia-sidecar-item.standard", "mia-sidecar-item.marketplace", "mia-sidecar-item.catalog"])
    func committedSchemasMatchTheGenerator(name: String) throws {
        let generated: String
        switch name {
        case "tandem-manifest.v1": generated = JSONSchemas.tandemManifest
        case "mia-sidecar-item.standard": generated = JSONSchemas.miaItem(profile: .standard)
        case "mia-sidecar-item.marketplace": generated = JSONSchemas.miaItem(profile: .marketplace)
        default: generated = JSONSchemas.miaItem(profile: .catalog)
        }
        #expect(try JSONSerialization.jsonObject(with: Data(generated.utf8)) is [String: Any])
        let path = repositoryRoot + "/schemas/\(name).schema.json"
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(committed == generated, "schemas/\(name).schema.json is stale: run scripts/update-schemas.sh")
    }
}
