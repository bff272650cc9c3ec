import Foundation
import Synchronization
import TandemCatalog
import TandemCatalogClient
import TandemTestSupport
import Testing

/// `tandem catalog serve` as a real process on a loopback port, with a new SQLite file, and the
/// `tandem marketplace` commands against it. Object ids, times and the port are replaced in the
/// golden files, since they differ on every run.
@Suite(.serialized) struct MarketplaceCommandTests {
    final class Catalog {
        let folder: String
        let database: String
        var server: Process?
        var port = 0

        init() throws {
            folder = NSTemporaryDirectory() + "tandem-marketplace-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder + "/config", withIntermediateDirectories: true)
            database = folder + "/catalog.sqlite"
        }

        /// The server's stderr: its request log.
        var log: String { folder + "/server.log" }

        var environment: [String: String] { ["XDG_CONFIG_HOME": folder + "/config", "TANDEM_TOKEN": ""] }

        func start() async throws {
            let portFile = folder + "/port"
            try? FileManager.default.removeItem(atPath: portFile)
            let process = Process()
            process.executableURL = GoldenTests.binary
            process.arguments = ["catalog", "serve", "--database", database, "--port", "0", "--port-file", portFile]
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
            server = process
            for _ in 0..<200 {
                if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let number = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    port = number
                    return
                }
                try await Task.sleep(for: .milliseconds(25))
            }
            throw CLIFailure("the catalog server did not start")
        }

        /// Stops the server by its pid: SIGTERM, or SIGKILL for the fault test.
        func stop(signal: Int32 = SIGTERM) async {
            guard let server else { return }
            kill(server.processIdentifier, signal)
            _ = await processIsGone(server.processIdentifier, within: .seconds(10))
            await exited(server)
            self.server = nil
        }

        func token(_ company: String, _ role: String) async throws -> String {
            let result = try await GoldenTests.run([
                "catalog", "token", "create", "--company-id", company, "--role", role, "--name", "\(company)-\(role)", "--database", database,
            ])
            guard result.status == 0 else { throw CLIFailure(result.stderr) }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func tandem(_ arguments: [String]) async throws -> (stdout: String, stderr: String, status: Int32) {
            try await GoldenTests.run(arguments, environment: environment)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// The writers that have had a batch acknowledged.
    final class AcknowledgedWriters: Sendable {
        private let writers = Mutex<Set<Int>>([])
        var count: Int { writers.withLock { $0.count } }
        func add(_ writer: Int) { writers.withLock { _ = $0.insert(writer) } }
    }

    struct CLIFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The seed page's flow and miactl's checks, one command after another, against one golden file.
    @Test(.timeLimit(.minutes(2))) func aSessionMatchesTheGoldenFile() async throws {
        try await Self.withCatalog { catalog in try await Self.session(catalog) }
    }

    /// A real server process: four YAML alias bombs at once cost it little memory and time, every
    /// request is one log line without its token, and its stop is said.
    @Test(.timeLimit(.minutes(1))) func theServerSurvivesAliasBombsAndLogsEveryRequest() async throws {
        try await Self.withCatalog { catalog in
            let token = try await catalog.token("acme", "publish")
            let endpoint = "http://127.0.0.1:\(catalog.port)"
            var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            var previous = "a"
            for level in ["b", "c", "d", "e", "f", "g", "h", "i"] {
                bomb += "\(level): &\(level) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
                previous = level
            }
            bomb += "resources: [*i]\n"
            let body = Array(bomb.utf8)
            let pid = try #require(catalog.server?.processIdentifier)
            _ = try await CatalogClient(endpoint: endpoint, token: nil).exchange("GET", "/health")
            let before = Self.residentKiB(pid)
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await CatalogClient(endpoint: endpoint, token: nil).exchange(
                            "POST", "/api/backend/marketplace/tenants/acme/resources",
                            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/yaml")], body: body
                        ).status
                    }
                }
                for try await status in group { #expect(status == 400) }
            }
            let grown = Self.residentKiB(pid) - before
            #expect(grown < 16 << 10, "the server grew by \(grown) KiB")
            let health = try await CatalogClient(endpoint: endpoint, token: nil).exchange("GET", "/health")
            #expect(health.status == 200)
            await catalog.stop()
            let log = try String(contentsOfFile: catalog.log, encoding: .utf8)
            #expect(log.contains("GET /health 200"))
            #expect(log.components(separatedBy: "POST /api/backend/marketplace/tenants/acme/resources 400").count == 5)
            #expect(!log.contains(token))
            #expect(log.contains("tandem catalog: stopped"))
        }
    }

    static func residentKiB(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Runs `body` with a started catalog, and stops the server by its pid whatever happens.
    static func withCatalog(_ body: (Catalog) async throws -> Void) async throws {
        let catalog = try Catalog()
        do {
            try await catalog.start()
            try await body(catalog)
        } catch {
            await catalog.stop(signal: SIGKILL)
            throw error
        }
        await catalog.stop()
    }

    static func session(_ catalog: Catalog) async throws {
        let token = try await catalog.token("acme", "admin")
        try token.write(toFile: catalog.folder + "/token", atomically: true, encoding: .utf8)
        let fixtures = "Tests/TandemCLITests/Fixtures/catalog"
        var transcript = ""
        func step(_ arguments: [String]) async throws -> String {
            let result = try await catalog.tandem(arguments)
            transcript += "$ tandem \(arguments.joined(separator: " "))\n--- stdout\n\(result.stdout)--- stderr\n\(result.stderr)--- exit \(result.status)\n\n"
            return result.stdout
        }
        // Before any context: the company is missing.
        _ = try await step(["marketplace", "list", "--endpoint", "http://127.0.0.1:\(catalog.port)"])
        _ = try await step([
            "context", "set", "local", "--endpoint", "http://127.0.0.1:\(catalog.port)", "--company-id", "acme", "--token-file", catalog.folder + "/token",
        ])
        _ = try await step(["context", "list", "-o", "yaml"])
        _ = try await step(["marketplace", "apply", "-f", "\(fixtures)/valid"])
        _ = try await step(["marketplace", "apply", "-f", "\(fixtures)/valid/proxy.yaml", "-f", "\(fixtures)/valid/more/metrics.json"])
        _ = try await step(["marketplace", "apply", "-f", "\(fixtures)/malformed"])
        _ = try await step(["marketplace", "apply", "-f", "\(fixtures)/no-item-id"])
        _ = try await step(["marketplace", "apply", "-f", "\(fixtures)/duplicate"])
        _ = try await step(["marketplace", "apply", "-f", "\(fixtures)/empty"])
        _ = try await step(["marketplace", "apply", "-f", "\(fixtures)/nowhere"])
        let listing = try await step(["marketplace", "list"])
        _ = try await step(["marketplace", "list-versions", "-i", "envoy-proxy"])
        _ = try await step(["marketplace", "list-versions", "-i", "ghost"])
        let proxyId = try #require(listing.split(separator: "\n").first { $0.contains("envoy-proxy") }?.split(separator: " ").first.map(String.init))
        let fetched = try await step(["marketplace", "get", "--object-id", proxyId, "-o", "yaml"])
        let edited = catalog.folder + "/proxy-update.yaml"
        try fetched.replacingOccurrences(of: "description: An Envoy proxy in front of the app", with: "description: Envoy, updated")
            .write(toFile: edited, atomically: true, encoding: .utf8)
        try fetched.write(toFile: catalog.folder + "/proxy-same.yaml", atomically: true, encoding: .utf8)
        _ = try await step(["marketplace", "apply", "-f", catalog.folder + "/proxy-same.yaml"])
        // Before applying: what would happen, and what would change; nothing is sent.
        _ = try await step(["marketplace", "apply", "--dry-run", "-f", edited, "-f", "\(fixtures)/valid/more"])
        _ = try await step(["marketplace", "apply", "--diff", "-f", edited])
        _ = try await step(["marketplace", "apply", "--diff", "-f", catalog.folder + "/proxy-same.yaml"])
        _ = try await step(["marketplace", "apply", "-f", edited])
        _ = try await step(["marketplace", "get", "--item-id", "envoy-proxy"])
        _ = try await step(["marketplace", "get", "--object-id", proxyId, "--item-id", "envoy-proxy"])
        _ = try await step(["marketplace", "history", "--object-id", proxyId])
        _ = try await step(["marketplace", "history", "--object-id", proxyId, "--restore", "1"])
        _ = try await step(["marketplace", "delete", "--item-id", "metrics"])
        _ = try await step(["marketplace", "delete", "--item-id", "metrics"])
        _ = try await step(["marketplace", "list", "--company-id", "globex"])
        try "tdm_wrong".write(toFile: catalog.folder + "/wrong", atomically: true, encoding: .utf8)
        _ = try await step(["marketplace", "list", "--token-file", catalog.folder + "/wrong"])

        try GoldenTests.compare(normalise(transcript, catalog: catalog), golden: "marketplace-session")
    }

    static func normalise(_ text: String, catalog: Catalog) -> String {
        var output = text.replacingOccurrences(of: catalog.folder, with: "$TMP")
        output = output.replacingOccurrences(of: "127.0.0.1:\(catalog.port)", with: "127.0.0.1:$PORT")
        for (pattern, replacement) in [
            ("[0-9a-f]{24}", "<object-id>"), ("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", "<time>"),
            ("\\(([0-9a-f]{12})\\)", "(<token-id>)"),
        ] {
            output = output.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return output
    }

    /// Many concurrent batches, `kill -9` of the server in the middle, a restart: every acknowledged
    /// item is there with its last acknowledged content (or the content of the one batch that was in
    /// flight), and no batch is half visible.
    @Test(.timeLimit(.minutes(2))) func noAcknowledgedWriteIsLostWhenTheServerIsKilled() async throws {
        try await Self.withCatalog { catalog in try await Self.killAndRestart(catalog) }
    }

    static func killAndRestart(_ catalog: Catalog) async throws {
        let token = try await catalog.token("acme", "publish")
        // A request cut by the kill fails at once; the short timeout only bounds one that would hang.
        let client = CatalogClient(endpoint: "http://127.0.0.1:\(catalog.port)", token: token, timeout: .seconds(5))
        let writers = 8
        let itemsPerBatch = 20
        let started = ContinuousClock.now
        // Each writer applies its own items in rounds; a round's batch renames all of them to "round N".
        // The kill comes once every writer has had a batch acknowledged (a fixed pause was too short for
        // some writer on a loaded machine), and at least a second after they began.
        let firstAcknowledged = AcknowledgedWriters()
        let acknowledged = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var lastAcknowledged = 0
                    for round in 1...10_000 {
                        let items = (0..<itemsPerBatch).map { index in
                            item(id: "w\(writer)-\(index)", name: "round \(round)")
                        }
                        do {
                            let response = try await client.apply(company: "acme", itemsJSON: items)
                            guard response.done else { break }
                            lastAcknowledged = round
                            if round == 1 { firstAcknowledged.add(writer) }
                        } catch {
                            break
                        }
                    }
                    return (writer, lastAcknowledged)
                }
            }
            try await Task.sleep(for: .seconds(1))
            let deadline = ContinuousClock.now + .seconds(30)
            while firstAcknowledged.count < writers, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(300))
            await catalog.stop(signal: SIGKILL)
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(acknowledged.values.allSatisfy { $0 > 0 }, "every writer had batches acknowledged before the kill: \(acknowledged)")
        print("fault test: writers stopped \(ContinuousClock.now - started) after they began, rounds acknowledged: \(acknowledged.values.sorted())")

        try await catalog.start()
        print("fault test: restarted \(ContinuousClock.now - started) after the writers began")
        let reader = CatalogClient(endpoint: "http://127.0.0.1:\(catalog.port)", token: token)
        for writer in 0..<writers {
            let last = try #require(acknowledged[writer])
            var rounds = Set<String>()
            for index in 0..<itemsPerBatch {
                let body = String(decoding: try await reader.item(company: "acme", itemId: "w\(writer)-\(index)", version: "N/A"), as: UTF8.self)
                let name = try #require(body.firstMatch(of: /"name":"(round \d+)"/)?.1)
                rounds.insert(String(name))
            }
            // One batch is all or nothing, and it is the last acknowledged one or the one in flight.
            #expect(rounds.count == 1, "writer \(writer): a batch is half visible: \(rounds)")
            #expect(rounds == ["round \(last)"] || rounds == ["round \(last + 1)"], "writer \(writer): acknowledged round \(last), found \(rounds)")
        }
    }

    /// `render` resolves a catalog sidecar from the server as it would from a folder of the same items,
    /// and an update of the item changes the next resolution.
    @Test(.timeLimit(.minutes(2))) func renderResolvesCatalogSidecarsFromTheServer() async throws {
        try await Self.withCatalog { catalog in
            let token = try await catalog.token("acme", "publish")
            try token.write(toFile: catalog.folder + "/token", atomically: true, encoding: .utf8)
            let context = try await catalog.tandem([
                "context", "set", "ci", "--endpoint", "http://127.0.0.1:\(catalog.port)", "--company-id", "acme", "--token-file", catalog.folder + "/token",
            ])
            #expect(context.status == 0, "\(context.stderr)")
            let render = ["render", "--target", "ecs", "examples/tandem/orders-with-catalog.yml"]
            let missing = try await catalog.tandem(render)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("catalog sidecar e-commerce-audit-trail of company acme was not found in the catalog at http://127.0.0.1:"))
            #expect(try await catalog.tandem(["marketplace", "apply", "-f", "examples/mia/audit-trail.json"]).status == 0)

            // TANDEM_TOKEN overrides the context's token, as for `tandem marketplace`.
            var unknownToken = catalog.environment
            unknownToken["TANDEM_TOKEN"] = "tdm_" + String(repeating: "0", count: 40)
            let refused = try await GoldenTests.run(render, environment: unknownToken)
            #expect(refused.status == 1 && refused.stderr.contains("could not be fetched"), "\(refused.stderr)")

            let fromServer = try await catalog.tandem(render)
            let fromFolder = try await catalog.tandem(render + ["--catalog-dir", "examples/mia"])
            #expect(fromServer.status == 0, "\(fromServer.stderr)")
            #expect(fromServer.stdout == fromFolder.stdout)
            #expect(fromServer.stdout.contains("ghcr.io/acme/e-commerce-audit-trail:0.2.0"))

            let updated = catalog.folder + "/audit-trail.json"
            try String(contentsOfFile: "\(GoldenTests.root.path)/examples/mia/audit-trail.json", encoding: .utf8)
                .replacingOccurrences(of: "e-commerce-audit-trail:0.2.0", with: "e-commerce-audit-trail:0.3.0")
                .write(toFile: updated, atomically: true, encoding: .utf8)
            #expect(try await catalog.tandem(["marketplace", "apply", "-f", updated]).stdout.contains("Updated"))
            let next = try await catalog.tandem(render)
            #expect(next.stdout.contains("e-commerce-audit-trail:0.3.0") && !next.stdout.contains("0.2.0"))
        }
    }

    /// A public-catalog item (itemTypeDefinitionRef, lifecycleStatus, images by local path) applied as
    /// miactl applies it: the images are uploaded, the item then names them by the catalog's URLs.
    @Test(.timeLimit(.minutes(2))) func publicCatalogItemsArePublishedWithTheirImages() async throws {
        try await Self.withCatalog { catalog in
            let token = try await catalog.token("acme", "publish")
            try token.write(toFile: catalog.folder + "/token", atomically: true, encoding: .utf8)
            _ = try await catalog.tandem([
                "context", "set", "ci", "--endpoint", "http://127.0.0.1:\(catalog.port)", "--company-id", "acme", "--token-file", catalog.folder + "/token",
            ])
            let item = catalog.folder + "/items/sidecar/log-shipper/versions"
            try FileManager.default.createDirectory(atPath: item, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: catalog.folder + "/items/sidecar/log-shipper/assets", withIntermediateDirectories: true)
            let png = Base64.decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!
            _ = FileManager.default.createFile(atPath: catalog.folder + "/items/sidecar/log-shipper/assets/logo.png", contents: Data(png))
            _ = FileManager.default.createFile(atPath: catalog.folder + "/team.png", contents: Data(png))
            try """
            {"itemId": "log-shipper", "name": "Log shipper", "tenantId": "acme", "categoryId": "monitoring", "supportedBy": "Platform team",
             "supportedByImage": {"localPath": "\(catalog.folder)/team.png"}, "image": {"localPath": "../assets/logo.png"},
             "visibility": {"public": true}, "description": "Ships logs", "releaseDate": "2025-04-03T13:02:51.888Z", "lifecycleStatus": "draft",
             "itemTypeDefinitionRef": {"name": "sidecar", "namespace": "mia-platform"},
             "resources": {"name": "log-shipper", "dockerImage": "ghcr.io/acme/log-shipper:1.0.0"}}
            """.write(toFile: item + "/NA.json", atomically: true, encoding: .utf8)
            #expect(try await catalog.tandem(["validate", item + "/NA.json"]).status == 0)
            let applied = try await catalog.tandem(["marketplace", "apply", "-f", item + "/NA.json"])
            #expect(applied.status == 0, "\(applied.stderr)")
            let fetched = try await catalog.tandem(["marketplace", "get", "--item-id", "log-shipper", "--version", "N/A", "-o", "json"])
            #expect(fetched.status == 0, "\(fetched.stderr) after \(applied.stdout)")
            let object = try JSONSerialization.jsonObject(with: Data(fetched.stdout.utf8)) as? [String: Any]
            #expect(object?["image"] == nil && object?["supportedByImage"] == nil)
            for key in ["imageUrl", "supportedByImageUrl"] {
                let location = try #require(object?[key] as? String, "\(key) in \(fetched.stdout)")
                let path = location.hasPrefix("http") ? String(location.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" }) : location
                let client = CatalogClient(endpoint: "http://127.0.0.1:\(catalog.port)", token: token)
                let (status, _, body) = try await client.exchange("GET", path)
                #expect(status == 200, "GET \(path)")
                #expect(body == png)
            }
            // A missing file stops the apply before anything is sent.
            try """
            {"itemId": "broken", "name": "Broken", "tenantId": "acme", "type": "sidecar", "image": {"localPath": "nowhere.png"},
             "resources": {"name": "broken", "dockerImage": "nginx:1"}}
            """.write(toFile: catalog.folder + "/broken.json", atomically: true, encoding: .utf8)
            let broken = try await catalog.tandem(["marketplace", "apply", "-f", catalog.folder + "/broken.json"])
            #expect(broken.status != 0 && broken.stderr.contains("error while uploading image: \(catalog.folder)/nowhere.png"), "\(broken.stderr)")
        }
    }

    /// The server keeps tokens it has looked up (so a GET costs no token query), and still refuses a token
    /// revoked by another process soon after: the revocation moves the database's counter, which the
    /// server reads every 100 ms.
    @Test(.timeLimit(.minutes(1))) func aTokenRevokedElsewhereIsRefusedWithinAPoll() async throws {
        try await Self.withCatalog { catalog in
            let created = try await GoldenTests.run([
                "catalog", "token", "create", "--company-id", "acme", "--role", "read", "--name", "kept", "--database", catalog.database,
            ])
            let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let id = try #require(created.stderr.split(separator: " ").dropFirst().first.map(String.init), "\(created.stderr)")
            let client = CatalogClient(endpoint: "http://127.0.0.1:\(catalog.port)", token: token)
            let path = "/api/backend/marketplace/?tenantId=acme"
            let authorization = [("Authorization", "Bearer \(token)")]
            #expect(try await client.exchange("GET", path, headers: authorization).status == 200)
            #expect(try await client.exchange("GET", path, headers: authorization).status == 200)
            let revoked = try await GoldenTests.run(["catalog", "token", "revoke", id, "--database", catalog.database])
            #expect(revoked.status == 0, "\(revoked.stderr)")
            let listed = try await GoldenTests.run(["catalog", "token", "list", "--company-id", "acme", "-o", "json", "--database", catalog.database])
            let tokens = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed.stdout)")
            #expect(tokens.first { $0["id"] as? String == id }?["status"] as? String == "revoked", "\(listed.stdout)")
            #expect(!listed.stdout.contains(token))
            let start = ContinuousClock.now
            var status = 200
            while status == 200 && ContinuousClock.now - start < .seconds(5) {
                status = try await client.exchange("GET", path, headers: authorization).status
                if status == 200 { try await Task.sleep(for: .milliseconds(10)) }
            }
            let waited = ContinuousClock.now - start
            #expect(status == 401)
            #expect(waited < .seconds(1), "refused after \(waited)")
        }
    }

    static func item(id: String, name: String) -> String {
        "{\"name\":\"\(name)\",\"itemId\":\"\(id)\",\"tenantId\":\"acme\",\"type\":\"sidecar\",\"resources\":{\"name\":\"\(id)\",\"dockerImage\":\"nginx:1.27\"}}"
    }
}
