import ArgumentParser
import TandemCatalog
import TandemCatalogClient
import TandemFormats

struct MarketplaceListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the company's items; with --public, also those other companies share.")

    @Flag(name: [.customShort("p"), .long], help: "Also list other companies' items shared with every company or the public.")
    var `public` = false
    @Option(help: "Only items of this type (sidecar).") var type: String?
    @Option(name: [.customShort("o"), .long], help: "table (default), json or yaml.") var output: DataFormat = .table
    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let company = try connection.company()
        let client = try connection.client()
        let pages = try await calling { try await client.list(company: company, includeShared: `public`, type: type) }
        let items = try ItemOutput.elements(pages)
        switch output {
        case .table:
            var table = TablePrinter(["Object ID", "Item ID", "Name", "Type", "Company ID"])
            for item in items {
                table.append([item.string("_id"), item.string("itemId"), item.string("name"), item.string("type"), item.string("tenantId")])
            }
            writeOutput(table.render())
        case .json: writeOutput(YAMLValue.list(items.map(YAMLValue.init)).json())
        case .yaml: writeOutput(YAMLValue.list(items.map(YAMLValue.init)).yaml())
        }
    }
}

struct MarketplaceListVersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-versions", abstract: "List the versions of an item (a sidecar has one: N/A).")

    @Option(name: [.customShort("i"), .customLong("item-id")], help: "The item's id.") var itemId: String
    @Option(name: [.customShort("o"), .long], help: "table (default), json or yaml.") var output: DataFormat = .table
    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let company = try connection.company()
        let client = try connection.client()
        let versions: [CatalogAPI.Release]
        do {
            versions = try await client.versions(company: company, itemId: itemId)
        } catch let error as CatalogClientError where error.status == 404 {
            throw CLIError("item not found: \(itemId)")
        } catch let error as CatalogClientError {
            throw CLIError(error.status.map { $0 >= 500 } == true ? "server error while fetching item versions" : error.message)
        }
        switch output {
        case .table:
            var table = TablePrinter(["Version", "Name", "Description"])
            for entry in versions { table.append([entry.version, entry.name, entry.description.isEmpty ? "-" : entry.description]) }
            writeOutput(table.render())
        case .json, .yaml:
            let list = YAMLValue.list(
                versions.map { entry in
                    .map([
                        ("_id", .string(entry._id)), ("itemId", .string(entry.itemId)), ("name", .string(entry.name)),
                        ("description", .string(entry.description)), ("version", .string(entry.version)),
                    ])
                })
            writeOutput(output == .json ? list.json() : list.yaml())
        }
    }
}
