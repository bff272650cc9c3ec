import ArgumentParser
import Foundation
import TandemCatalog
import TandemCatalogSQLite

#if PostgreSQL
    import TandemCatalogPostgres
#endif

struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Run a catalog server and manage its tokens and service accounts.",
        subcommands: [CatalogServeCommand.self, CatalogTokenCommand.self, CatalogServiceAccountCommand.self])
}

/// `--database`: a SQLite file (the default) or a `postgres://` URL.
struct CatalogDatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A SQLite file or a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL (default: $TANDEM_CATALOG_DATABASE, else $XDG_DATA_HOME/tandem/catalog.sqlite).",
            valueName: "path-or-url"))
    var database: String?

    var location: String {
        let environment = ProcessInfo.processInfo.environment
        if let database { return database }
        if let configured = environment["TANDEM_CATALOG_DATABASE"], !configured.isEmpty { return configured }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return data + "/tandem/catalog.sqlite"
    }

    /// What the messages call the database: the file, or the URL without its password.
    var displayName: String { redactedDatabaseURL(location) }

    /// Opens the store and brings its schema up to date.
    func open() async throws -> SQLCatalogStoreBox {
        let location = self.location
        do {
            if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
                #if PostgreSQL
                    let database = try PostgresCatalogDatabase.connect(url: location)
                    try await database.checkReachable()
                    let store = SQLCatalogStore(database: database)
                    try await store.migrate()
                    return SQLCatalogStoreBox(store: store)
                #else
                    throw CLIError(
                        "catalog database \(displayName): this tandem was built without its PostgreSQL trait (as scripts/quickstart.sh builds it); build it with `swift build` for a postgres:// database"
                    )
                #endif
            }
            let folder = (location as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            let store = SQLCatalogStore(database: try await SQLiteCatalogDatabase.open(path: location))
            try await store.migrate()
            return SQLCatalogStoreBox(store: store)
        } catch let error as CatalogError {
            throw CLIError("catalog database \(displayName): \(error.message)")
        }
    }
}

/// An opened store of either kind.
struct SQLCatalogStoreBox {
    var store: any CatalogStore
}
