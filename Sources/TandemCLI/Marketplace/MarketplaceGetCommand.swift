import ArgumentParser
import TandemCatalogClient

struct MarketplaceGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print an item; its output applied again unchanged is Unchanged.")

    @OptionGroup var selector: ItemSelector
    @Option(name: [.customShort("o"), .long], help: "json (default) or yaml.") var output: ItemEncoding = .json
    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let client = try connection.client()
        let bytes: [UInt8]
        if let objectId = selector.objectId {
            bytes = try await calling { try await client.item(objectId: objectId) }
        } else {
            let company = try connection.company()
            bytes = try await calling {
                try await client.item(company: company, itemId: selector.itemId ?? "", version: selector.version ?? "N/A")
            }
        }
        writeOutput(try ItemOutput.render(bytes, as: output))
    }
}
