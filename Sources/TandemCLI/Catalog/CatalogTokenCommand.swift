import ArgumentParser
import Foundation
import TandemCatalog
import TandemFormats

struct CatalogTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Bearer tokens of a company, kept hashed in the catalog's database.",
        subcommands: [CatalogTokenCreateCommand.self, CatalogTokenListCommand.self, CatalogTokenRevokeCommand.self])
}

extension Role: ExpressibleByArgument {}

struct CatalogTokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a token and print it; it is shown this once (only its hash is kept).")

    @Option(name: .customLong("company-id"), help: "The company the token acts for.") var companyId: String
    @Option(help: "read, publish or admin.") var role: Role = .read
    @Option(help: "A name to recognise it by in lists and histories.") var name: String
    @Option(name: .customLong("expires-in"), help: "A lifetime such as 30d, 12h or 90m (default: no expiry).") var expiresIn: String?
    @OptionGroup var database: CatalogDatabaseOptions

    func run() async throws {
        let now = Timestamp.nowMilliseconds()
        var expiry: Int64?
        if let expiresIn {
            guard let milliseconds = Self.milliseconds(expiresIn) else {
                throw CLIError(
                    "--expires-in: expected a number followed by d, h, m or s (30d, 12h), at most 100 years (36500d), found \"\(expiresIn)\"")
            }
            expiry = now + milliseconds
        }
        let opened = try await database.open()
        let (secret, record) = TokenSecret.generate(tenantId: companyId, name: name, role: role, at: now, expiresAt: expiry)
        do {
            try await opened.store.addToken(record)
        } catch {
            try? await opened.store.close()
            throw error
        }
        try? await opened.store.close()
        writeOutput(secret)
        writeError("token \(record.id) (\(role.rawValue)) for company \(companyId) created; it is not shown again")
    }

    /// The longest lifetime: 100 years (a longer one is no expiry, which is the default).
    static let longest: Int64 = 36_500 * 86_400_000

    /// `30d`, `12h`, `90m`, `45s` in milliseconds; nil when malformed, zero or longer than `longest`.
    static func milliseconds(_ text: String) -> Int64? {
        guard let unit = text.last, text.utf8.count <= 20, let number = Int64(text.dropLast()), number > 0 else { return nil }
        let scale: Int64
        switch unit {
        case "d": scale = 86_400_000
        case "h": scale = 3_600_000
        case "m": scale = 60_000
        case "s": scale = 1000
        default: return nil
        }
        let (milliseconds, overflow) = number.multipliedReportingOverflow(by: scale)
        guard !overflow, milliseconds <= longest else { return nil }
        return milliseconds
    }
}

struct CatalogTokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (never their secrets).")

    @Option(name: .customLong("company-id"), help: "Only this company's tokens.") var companyId: String?
    @Option(name: [.customShort("o"), .long], help: "table (default), json or yaml.") var output: DataFormat = .table
    @OptionGroup var database: CatalogDatabaseOptions

    func run() async throws {
        let opened = try await database.open()
        let tokens = try await opened.store.tokens(tenantId: companyId)
        try? await opened.store.close()
        let now = Timestamp.nowMilliseconds()
        func status(_ token: TokenRecord) -> String { token.revokedAt != nil ? "revoked" : (token.isUsable(at: now) ? "active" : "expired") }
        guard output == .table else {
            let list = tokens.map { token -> YAMLValue in
                .map([
                    ("id", .string(token.id)), ("name", .string(token.name)), ("companyId", .string(token.tenantId)),
                    ("role", .string(token.role.rawValue)), ("created", .string(Timestamp.rfc3339(token.createdAt))),
                    ("expires", token.expiresAt.map { .string(Timestamp.rfc3339($0)) } ?? .null), ("status", .string(status(token))),
                ])
            }
            return DataFormat.write(.list(list), as: output)
        }
        var table = TablePrinter(["ID", "Name", "Company ID", "Role", "Created", "Expires", "Status"])
        for token in tokens {
            table.append([
                token.id, token.name, token.tenantId, token.role.rawValue, Timestamp.rfc3339(token.createdAt),
                token.expiresAt.map(Timestamp.rfc3339) ?? "never", status(token),
            ])
        }
        writeOutput(table.render())
    }
}

struct CatalogTokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token; every server using the database stops taking it within its --revocation-poll-ms (100 ms).")

    @Argument(help: "The token's id (from `tandem catalog token list`).") var id: String
    @OptionGroup var database: CatalogDatabaseOptions

    func run() async throws {
        let opened = try await database.open()
        let revoked = try await opened.store.revokeToken(id: id, at: Timestamp.nowMilliseconds())
        try? await opened.store.close()
        guard revoked else { throw CLIError("no active token with id \(id)") }
        writeOutput("token \(id) revoked")
    }
}
