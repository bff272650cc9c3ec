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
    @Option(name: .customLong("log-level"), help: "trace, debug, info (a line per request), notice, warning, error or critical.")
    var logLevel = "info"
    @Option(
        name: .customLong("cache-ms"),
        help: "How long items read by object id are served from memory; another server's change to one shows after at most this (0: never cached).")
    var cacheMilliseconds = 1000
    @Option(
        name: .customLong("token-cache-ms"),
        help:
            "How long a token looked up is kept at most (0: the database is asked on every request). A revocation anywhere stops kept tokens within --revocation-poll-ms."
    )
    var tokenCacheMilliseconds = 60_000
    @Option(
        name: .customLong("revocation-poll-ms"),
        help: "How often the database's revocation counter is read; kept tokens are dropped when it moves.")
    var revocationPollMilliseconds = 100
    @Option(name: .customLong("access-token-ttl"), help: "How long, in seconds, an access token issued to a service account works.")
    var accessTokenSeconds = 3600

    func validate() throws {
        guard (0...3_600_000).contains(cacheMilliseconds) else { throw ValidationError("--cache-ms must be from 0 to 3600000") }
        guard (0...3_600_000).contains(tokenCacheMilliseconds) else { throw ValidationError("--token-cache-ms must be from 0 to 3600000") }
        guard (10...60_000).contains(revocationPollMilliseconds) else { throw ValidationError("--revocation-poll-ms must be from 10 to 60000") }
        guard (60...86_400).contains(accessTokenSeconds) else { throw ValidationError("--access-token-ttl must be from 60 to 86400 seconds") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        let opened = try await database.open()
        var logger = Logger(label: "tandem.catalog", factory: { ServerLogHandler(label: $0) })
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let store: any CatalogStore =
            cacheMilliseconds > 0 ? CachingCatalogStore(opened.store, lifetime: .milliseconds(cacheMilliseconds)) : opened.store
        var service = CatalogService(
            store: store, now: Timestamp.nowMilliseconds, tokenLifetime: .milliseconds(tokenCacheMilliseconds), revocations: RevocationWatch())
        service.accessTokenLifetime = .seconds(accessTokenSeconds)
        var server = CatalogServer(service: service)
        server.revocationPollInterval = .milliseconds(revocationPollMilliseconds)
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
        writeError("tandem catalog: stopped (database: \(name) closed)")
    }
}
