import ArgumentParser
import Foundation
import TandemCatalog
import TandemFormats

struct CatalogServiceAccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service-account",
        abstract: "Service accounts: a client id and secret that miactl exchanges for expiring access tokens (miactl context auth).",
        subcommands: [CatalogServiceAccountCreateCommand.self, CatalogServiceAccountListCommand.self, CatalogServiceAccountRevokeCommand.self])
}

struct CatalogServiceAccountCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a service account; its client id and secret are printed, the secret this once (only its hash is kept).")

    @Option(name: .customLong("company-id"), help: "The company the account acts for.") var companyId: String
    @Option(help: "read, publish or admin.") var role: Role = .read
    @Option(help: "A name to recognise it by in lists and histories.") var name: String
    @OptionGroup var database: CatalogDatabaseOptions

    func run() async throws {
        let opened = try await database.open()
        let (secret, record) = ServiceAccountRecord.generate(tenantId: companyId, name: name, role: role, at: Timestamp.nowMilliseconds())
        do {
            try await opened.store.addServiceAccount(record)
        } catch {
            try? await opened.store.close()
            throw error
        }
        try? await opened.store.close()
        writeOutput("client id:     \(record.clientId)\nclient secret: \(secret)")
        writeError(
            "service account \(record.clientId) (\(role.rawValue)) for company \(companyId) created; the secret is not shown again.\n"
                + "miactl: miactl context auth CONTEXT --client-id \(record.clientId) --client-secret SECRET")
    }
}

struct CatalogServiceAccountListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List service accounts (never their secrets).")

    @Option(name: .customLong("company-id"), help: "Only this company's accounts.") var companyId: String?
    @Option(name: [.customShort("o"), .long], help: "table (default), json or yaml.") var output: DataFormat = .table
    @OptionGroup var database: CatalogDatabaseOptions

    func run() async throws {
        let opened = try await database.open()
        let accounts = try await opened.store.serviceAccounts(tenantId: companyId)
        try? await opened.store.close()
        guard output == .table else {
            let list = accounts.map { account -> YAMLValue in
                .map([
                    ("clientId", .string(account.clientId)), ("name", .string(account.name)), ("companyId", .string(account.tenantId)),
                    ("role", .string(account.role.rawValue)), ("created", .string(Timestamp.rfc3339(account.createdAt))),
                    ("status", .string(account.revokedAt == nil ? "active" : "revoked")),
                ])
            }
            return DataFormat.write(.list(list), as: output)
        }
        var table = TablePrinter(["Client ID", "Name", "Company ID", "Role", "Created", "Status"])
        for account in accounts {
            table.append([
                account.clientId, account.name, account.tenantId, account.role.rawValue, Timestamp.rfc3339(account.createdAt),
                account.revokedAt == nil ? "active" : "revoked",
            ])
        }
        writeOutput(table.render())
    }
}

struct CatalogServiceAccountRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a service account and every access token issued to it; they stop working on their next use.")

    @Argument(help: "The account's client id (from `tandem catalog service-account list`).") var clientId: String
    @OptionGroup var database: CatalogDatabaseOptions

    func run() async throws {
        let opened = try await database.open()
        let revoked = try await opened.store.revokeServiceAccount(clientId: clientId, at: Timestamp.nowMilliseconds())
        try? await opened.store.close()
        guard revoked else { throw CLIError("no active service account with client id \(clientId)") }
        writeOutput("service account \(clientId) revoked")
    }
}
