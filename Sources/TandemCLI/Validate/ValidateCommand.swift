import ArgumentParser
import TandemCore
import TandemFormats

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests and sidecar items, reporting every problem with its file, line, column and field.",
        discussion: """
            Folders are walked recursively; .yml, .yaml and .json files are read, and a folder holding deps/ or a \
            Procfile is read as one Cloud Foundry app. Exit status: 0 valid, 1 invalid, 2 usage or unreadable input.
            """
    )

    @Argument(help: "Files or folders to check.")
    var paths: [String]

    @OptionGroup var input: InputOptions

    @Option(name: [.customShort("o"), .long], help: "table (compiler-style lines and a summary; also: text), json or yaml.")
    var output: DataFormat = .table

    @Flag(name: .shortAndLong, help: "Print errors only, and no line for valid inputs.")
    var quiet = false

    func run() throws {
        var loader = input.loader
        loader.keepsModels = false
        let (inputs, unreadable) = loader.load(paths: paths)
        switch output {
        case .table: writeOutput(DiagnosticOutput.text(inputs, unreadable: unreadable, quiet: quiet))
        case .json: writeOutput(DiagnosticOutput.json(inputs, unreadable: unreadable))
        case .yaml: writeOutput(DataFormat.yaml(fromJSON: DiagnosticOutput.json(inputs, unreadable: unreadable)))
        }
        if !unreadable.isEmpty { throw ExitStatus.usage }
        if inputs.contains(where: { !$0.isValid }) { throw ExitStatus.invalid }
    }
}
