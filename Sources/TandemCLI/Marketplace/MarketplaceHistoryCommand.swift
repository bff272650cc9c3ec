import ArgumentParser
import TandemCatalog
import TandemCatalogClient
import TandemFormats

struct MarketplaceHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show an item's revisions (who, when, what changed), print one, or restore one.")

    @Option(name: .customLong("object-id"), help: "The item's object id.") var objectId: String
    @Option(help: "Print the item as it was at this revision.") var revision: Int?
    @Option(help: "Make this revision's content current again (a new revision).") var restore: Int?
    @Option(name: [.customShort("o"), .long], help: "table (default), json or yaml; json or yaml with --revision.")
    var output: DataFormat = .table
    @OptionGroup var connection: CatalogConnectionOptions

    func validate() throws {
        if revision != nil, restore != nil { throw ValidationError("--revision and --restore cannot be used together") }
    }

    func run() async throws {
        let company = try connection.company()
        let client = try connection.client()
        if let revision {
            let bytes = try await calling { try await client.revision(company: company, objectId: objectId, revision: revision) }
            writeOutput(try ItemOutput.render(bytes, as: output == .yaml ? .yaml : .json))
            return
        }
        if let restore {
            let outcome = try await calling { try await client.restore(company: company, objectId: objectId, revision: restore) }
            writeOutput(MarketplaceApplyCommand.summary(CatalogAPI.ApplyResponse(done: true, items: [outcome])))
            return
        }
        let revisions = try await calling { try await client.history(company: company, objectId: objectId) }
        switch output {
        case .table:
            var table = TablePrinter(["Revision", "Action", "When", "By", "Changes"])
            for entry in revisions {
                table.append([String(entry.revision), entry.action, entry.at, entry.actor, entry.changes.isEmpty ? "-" : entry.changes.joined(separator: "\n")])
            }
            writeOutput(table.render())
        case .json, .yaml:
            let list = YAMLValueList.revisions(revisions)
            writeOutput(output == .json ? list.json() : list.yaml())
        }
    }
}
