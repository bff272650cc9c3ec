import ArgumentParser

struct ContextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context", abstract: "Named catalog endpoints with a company and a token, for `tandem marketplace`.",
        subcommands: [ContextSetCommand.self, ContextUseCommand.self, ContextListCommand.self, ContextDeleteCommand.self])
}

struct ContextFileOption: ParsableArguments {
    @Option(name: [.customShort("c"), .long], help: "The context file (default: $XDG_CONFIG_HOME/tandem/config.json).")
    var config: String?

    var path: String { config ?? ContextConfig.defaultPath() }
}
