import ArgumentParser
import Foundation
import TandemFormats

struct ContextSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Create or change a context; the first one becomes the current one.")

    @Argument(help: "The context's name.") var name: String
    @Option(help: "The catalog server, e.g. http://127.0.0.1:8080.") var endpoint: String?
    @Option(name: .customLong("company-id"), help: "The company (tenant) to act for.") var companyId: String?
    @Option(name: .customLong("token-file"), help: "A file holding the bearer token (kept out of the shell history).") var tokenFile: String?
    @Flag(name: .customLong("token-stdin"), help: "Read the bearer token from standard input.") var tokenStdin = false
    @OptionGroup var file: ContextFileOption

    func run() throws {
        var config = try ContextConfig.load(path: file.path)
        var context = config.contexts[name] ?? ContextConfig.Context(endpoint: "")
        if let endpoint { context.endpoint = endpoint }
        guard !context.endpoint.isEmpty else { throw CLIError("a new context needs --endpoint") }
        if let companyId { context.companyId = companyId }
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else { throw CLIError("cannot read \(tokenFile)") }
            context.token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } else if tokenStdin {
            context.token = (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces)
        }
        config.contexts[name] = context
        if config.current == nil { config.current = name }
        try config.save(path: file.path)
        writeOutput("context \(name) saved\(config.current == name ? " (current)" : "")")
    }
}

struct ContextUseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "use", abstract: "Make a context the current one.")

    @Argument(help: "The context's name.", completion: .custom(Completions.contexts)) var name: String
    @OptionGroup var file: ContextFileOption

    func run() throws {
        var config = try ContextConfig.load(path: file.path)
        guard config.contexts[name] != nil else { throw CLIError("no context named \(name) in \(file.path)") }
        config.current = name
        try config.save(path: file.path)
        writeOutput("current context: \(name)")
    }
}

struct ContextDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove a context.")

    @Argument(help: "The context's name.", completion: .custom(Completions.contexts)) var name: String
    @OptionGroup var file: ContextFileOption

    func run() throws {
        var config = try ContextConfig.load(path: file.path)
        guard config.contexts.removeValue(forKey: name) != nil else { throw CLIError("no context named \(name) in \(file.path)") }
        if config.current == name { config.current = nil }
        try config.save(path: file.path)
        writeOutput("context \(name) deleted")
    }
}

struct ContextListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the contexts; tokens are not shown.")

    @OptionGroup var file: ContextFileOption
    @Option(name: [.customShort("o"), .long], help: "table (default), json or yaml; tokens are never shown, only whether one is set.")
    var output: DataFormat = .table

    func run() throws {
        let config = try ContextConfig.load(path: file.path)
        guard output == .table else {
            let list = config.contexts.keys.sorted().map { name -> YAMLValue in
                let context = config.contexts[name]!
                return .map([
                    ("name", .string(name)), ("current", .bool(config.current == name)), ("endpoint", .string(context.endpoint)),
                    ("companyId", context.companyId.map(YAMLValue.string) ?? .null), ("token", .string(context.token == nil ? "unset" : "set")),
                ])
            }
            return DataFormat.write(.list(list), as: output)
        }
        var table = TablePrinter(["current", "name", "endpoint", "company id", "token"])
        for name in config.contexts.keys.sorted() {
            let context = config.contexts[name]!
            table.append([config.current == name ? "*" : "", name, context.endpoint, context.companyId ?? "-", context.token == nil ? "-" : "set"])
        }
        writeOutput(table.render())
    }
}
