import ArgumentParser

struct MarketplaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marketplace",
        abstract: "Publish sidecar items to a catalog server and fetch, list, update and delete them, as `miactl marketplace` does.",
        subcommands: [
            MarketplaceApplyCommand.self, MarketplaceGetCommand.self, MarketplaceListCommand.self, MarketplaceListVersionsCommand.self,
            MarketplaceDeleteCommand.self, MarketplaceHistoryCommand.self,
        ])
}

/// `--object-id` alone, or `--item-id` with an optional `--version` (default `N/A`, a sidecar's).
struct ItemSelector: ParsableArguments {
    @Option(name: .customLong("object-id"), help: "The item's object id (24 hex digits).") var objectId: String?
    @Option(name: [.customShort("i"), .customLong("item-id")], help: "The item's id, with --version (default N/A, as for every sidecar).")
    var itemId: String?
    @Option(help: "The item's version (with --item-id).") var version: String?

    func validate() throws {
        if objectId != nil, itemId != nil || version != nil {
            throw ValidationError("--object-id cannot be used with --item-id or --version")
        }
        if objectId == nil, itemId == nil {
            throw ValidationError("one of --object-id or --item-id is required")
        }
        if version != nil, itemId == nil { throw ValidationError("--version needs --item-id") }
    }
}
