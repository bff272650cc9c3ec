import ArgumentParser
import TandemCatalogClient

struct MarketplaceDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete an item (its history is kept; `history` still shows it).")

    @OptionGroup var selector: ItemSelector
    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let company = try connection.company()
        let client = try connection.client()
        do {
            if let objectId = selector.objectId {
                try await client.delete(company: company, objectId: objectId)
            } else {
                try await client.delete(company: company, itemId: selector.itemId ?? "", version: selector.version ?? "N/A")
            }
        } catch let error as CatalogClientError {
            switch error.status {
            case 404?: throw CLIError("item not found")
            case let status? where status >= 500: throw CLIError("server error while deleting item")
            case 401?, 403?, 400?: throw CLIError(error.message)
            case let status?: throw CLIError("unexpected response while deleting item: \(status)")
            case nil: throw CLIError(error.message)
            }
        }
        writeOutput("item deleted successfully")
    }
}
