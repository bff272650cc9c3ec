import ArgumentParser
import TandemFormats

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print a JSON Schema for editors: Tandem's manifest or a Mia sidecar item."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case tandem
        case mia
    }

    @Argument(help: "tandem or mia.")
    var kind: Kind = .tandem

    @Option(name: .long, help: "For mia: standard, marketplace or catalog.")
    var profile: MiaSchemaProfile = .standard

    func run() throws {
        switch kind {
        case .tandem: writeOutput(JSONSchemas.tandemManifest)
        case .mia: writeOutput(JSONSchemas.miaItem(profile: profile))
        }
    }
}
