import ArgumentParser
import Foundation
import TandemCore
import TandemFormats
import TandemRenderers

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw a service's start dependencies as an SVG picture: who waits for whom, on what condition, for how long.",
        discussion: """
            Processes stand in columns by start order (each to the right of everything it waits for); an arrow goes \
            from a dependency to the process that waits for it, labelled with the condition (start, healthy, \
            complete, success) and the deadline. The same manifest always gives the same file.
            """)

    @Argument(help: "A Tandem or Copilot manifest, a Cloud Foundry app or manifest.", completion: .file())
    var path: String

    @Option(name: .customLong("out"), help: "Write the SVG to this file instead of standard output.")
    var output: String?

    @OptionGroup var input: InputOptions

    func run() throws {
        let loaded = try input.loadOne(path, verb: "drawn")
        // A sidecar from the catalog is drawn by its name: its dependencies are the manifest's.
        guard let service = loaded.services.first else {
            writeError("Error: \(path) holds no service to draw (a Mia item is a sidecar: render it with --service)")
            throw ExitStatus.invalid
        }
        try writeResult(DependencyGraphPicture.svg(service), to: output)
    }
}
