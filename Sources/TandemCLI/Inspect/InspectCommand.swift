import ArgumentParser
import Foundation
import TandemCore
import TandemFormats

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what Tandem understood from a file, after overrides and interpolation, each value with where it came from.",
        discussion: """
            Copilot manifests are read as deployed to --env (the base manifest without it), with ${VAR} \
            interpolated; the load balancers' targets, exposed ports and the Service Connect port are shown as \
            Copilot computes them.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, yaml
    }

    @Argument(help: "The file (or Cloud Foundry app folder) to inspect.")
    var path: String

    @OptionGroup var input: InputOptions

    @Option(name: [.customShort("o"), .long], help: "text, json or yaml.")
    var output: Format = .text

    func run() throws {
        let loaded = try input.loadOne(path, verb: "inspected")
        let inspection = Inspection(loaded, environment: input.env)
        switch output {
        case .text: writeOutput(inspection.text)
        case .yaml: writeOutput(inspection.yaml)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            writeOutput(String(decoding: try encoder.encode(inspection), as: UTF8.self) + "\n")
        }
    }
}
