import ArgumentParser
import Foundation
import TandemCore
import TandemFormats

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a manifest or sidecar item to another format, saying what the target cannot hold.",
        discussion: "The result goes to standard output (or --out FILE); what was dropped goes to standard error, one line each."
    )

    @Argument(help: "The file (or Cloud Foundry app folder) to convert.")
    var path: String

    @Option(name: .long, help: "The target format: tandem, mia, copilot or cf-manifest.")
    var to: ConversionTarget

    @OptionGroup var input: InputOptions

    @Option(name: .customLong("out"), help: "Write the result to this file instead of standard output.")
    var output: String?

    /// `-o` was a folder here once; it is a format everywhere now (`-o table|json|yaml`), files go to `--out`.
    @Option(name: [.customShort("o"), .customLong("output")], help: .hidden)
    var formerOutput: String?

    @Option(name: .long, help: "For mia: the sidecar to turn into an item (default: the first sidecar).")
    var container: String?

    @Option(name: .long, help: "For mia: the company (tenant) id of the item.")
    var tenantId = "my-company"

    @Option(name: .long, help: "For mia: the item id (default: the sidecar's name).")
    var itemId: String?

    @Flag(name: .long, help: "Fail (exit 1) when anything would be dropped.")
    var strict = false

    func validate() throws {
        if let formerOutput {
            throw ValidationError("-o is an output format in tandem (table, json, yaml); write the result to a file with --out \(formerOutput)")
        }
    }

    func run() throws {
        let loaded = try input.loadOne(path, verb: "converted")
        guard let service = loaded.services.first else {
            writeError("Error: \(path) defines no service")
            throw ExitStatus.invalid
        }
        if loaded.services.count > 1 {
            writeError("note: \(path) defines \(loaded.services.count) applications; converting the first, \(service.name)")
        }
        let outcome = ManifestWriter.convert(
            service, to: to, container: container, itemId: itemId ?? (loaded.format == .mia ? loaded.miaItem?.itemId : nil),
            tenantId: loaded.miaItem?.tenantId ?? tenantId, itemName: loaded.miaItem?.name, extras: loaded.extras)
        let text: String
        switch outcome {
        case .refused(let reasons, let dropped):
            for note in dropped { writeError("dropped: \(note)") }
            for reason in reasons { writeError("error: \(reason)") }
            writeError("Error: \(to.rawValue) cannot hold \(path); nothing was written")
            throw ExitStatus.invalid
        case .converted(let converted, let dropped):
            for note in dropped { writeError("dropped: \(note)") }
            if strict && !dropped.isEmpty {
                writeError("Error: \(dropped.count) \(dropped.count == 1 ? "thing" : "things") would be dropped (--strict)")
                throw ExitStatus.invalid
            }
            text = converted
        }
        try writeResult(text, to: output)
    }
}
