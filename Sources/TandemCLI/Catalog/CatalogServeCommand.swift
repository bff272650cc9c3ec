import ArgumentParser
import Foundation
import Logging
import TandemCatalog
import TandemCatalogServer

struct CatalogServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the catalog API (miactl's marketplace routes, /openapi.json) until SIGTERM or SIGINT.")

    @OptionGroup var database: CatalogDatabaseOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port, printed).") var port = 8080
    @Option(name: .customLong("port-file"), help: "Write the port listened on to this file once serving (for scripts).")
    var portFile: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "notice"
    @Option(
        name: .customLong("cache-ms"),
        help: "How long tokens and items read by id are trusted from memory (0: not at all); a revoked token or another server's change shows after it.")
    var cacheMilliseconds = 1000

    func run() async throws {
        let opened = try await database.open()
        var logger = Logger(label: "tandem.catalog")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let store: any CatalogStore =
            cacheMilliseconds > 0 ? CachingCatalogStore(opened.store, lifetime: .milliseconds(cacheMilliseconds)) : opened.store
        let service = CatalogService(store: store, now: Timestamp.nowMilliseconds, tokenLifetime: .milliseconds(cacheMilliseconds))
        let server = CatalogServer(service: service)
        let name = database.displayName
        let portFile = self.portFile
        let host = self.host
        do {
            try await server.run(host: host, port: port, logger: logger) { port in
                if let portFile { try? "\(port)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }
                writeError("tandem catalog: serving http://\(host):\(port) (database: \(name))")
            }
        } catch {
            try? await opened.store.close()
            throw CLIError("catalog server: \(error)")
        }
        try? await opened.store.close()
    }
}
