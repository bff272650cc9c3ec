import ArgumentParser
import TandemCore
import TandemFormats

extension InputFormat: ExpressibleByArgument {}
extension MiaSchemaProfile: ExpressibleByArgument {}
extension ConversionTarget: ExpressibleByArgument {}

/// How inputs are read, shared by every command that reads manifests.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "The input format, instead of detecting it: \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: InputFormat?

    @Option(name: .long, help: "Copilot: read the manifest as deployed to this environment (default: the base manifest and every environment).")
    var env: String?

    @Option(name: .long, help: "Copilot: the application the workload is deployed in (default: copilot/.workspace's).")
    var app: String?

    @Option(name: .long, help: "Cloud Foundry: the name of a manifest's app that has none (as cf push APP).")
    var name: String?

    @Option(
        name: .customLong("cf-port"),
        help: "Cloud Foundry: the port web listens on ($PORT, and its default health check); default 8080, as Cloud Foundry gives it.")
    var cfPort: Int?

    @Option(name: .long, help: "Mia items: which schema to hold them to: standard, marketplace (the seed page's) or catalog (console-sdk v14).")
    var miaSchema: MiaSchemaProfile = .standard

    @Flag(name: .long, help: "Mia items: apply only the item schema's rules, not the service rules beyond it.")
    var miaSchemaOnly = false

    /// Reads the one input a command works on; unreadable paths and invalid inputs end the command
    /// with their diagnostics on standard error (exit 2 and 1).
    func loadOne(_ path: String, verb: String) throws -> LoadedInput {
        let (inputs, unreadable) = loader.load(paths: [path])
        if let problem = unreadable.first {
            writeError("Error: \(problem.description)")
            throw ExitStatus.usage
        }
        guard let loaded = inputs.first else { throw ExitStatus.usage }
        for diagnostic in loaded.diagnostics where diagnostic.severity != .error { writeError(diagnostic.description) }
        guard loaded.isValid else {
            for diagnostic in loaded.diagnostics.errors { writeError(diagnostic.description) }
            writeError("Error: \(path) is not valid; nothing was \(verb)")
            throw ExitStatus.invalid
        }
        return loaded
    }

    var loader: InputLoader {
        var loader = InputLoader(format: format, environment: env, miaProfile: miaSchema, miaSchemaOnly: miaSchemaOnly)
        loader.application = app
        loader.cloudFoundryName = name
        loader.cloudFoundryPort = cfPort
        return loader
    }
}
