import ArgumentParser
import Foundation
import TandemCatalogClient

/// Where `tandem marketplace` sends its calls: flags, then `TANDEM_TOKEN`, then the context.
struct CatalogConnectionOptions: ParsableArguments {
    @Option(help: "The catalog server, e.g. http://127.0.0.1:8080 (default: the context's).") var endpoint: String?
    @Option(name: .customLong("company-id"), help: "The company (tenant) to act for (default: the context's).") var companyId: String?
    @Option(name: .customLong("token-file"), help: "A file holding the bearer token (default: $TANDEM_TOKEN, then the context's).")
    var tokenFile: String?
    @Option(help: "The context to use instead of the current one.", completion: .custom(Completions.contexts)) var context: String?
    @Option(name: [.customShort("c"), .long], help: "The context file (default: $XDG_CONFIG_HOME/tandem/config.json).") var config: String?

    static let missingCompany = "missing company id, please set one with the flag company-id or in the context"

    func client() throws -> CatalogClient {
        let file = try ContextConfig.load(path: config ?? ContextConfig.defaultPath())
        let selected = file.context(named: context)?.context
        if let context, selected == nil { throw CLIError("no context named \(context)") }
        guard let endpoint = endpoint ?? selected?.endpoint, !endpoint.isEmpty else {
            throw CLIError("missing catalog endpoint, please set one with the flag endpoint or in the context")
        }
        var token = catalogToken(context: selected?.token)
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else { throw CLIError("cannot read the token file \(tokenFile)") }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return CatalogClient(endpoint: endpoint, token: token)
    }

    func company() throws -> String {
        if let companyId, !companyId.isEmpty { return companyId }
        let file = try ContextConfig.load(path: config ?? ContextConfig.defaultPath())
        if let company = file.context(named: context)?.context.companyId, !company.isEmpty { return company }
        throw CLIError(Self.missingCompany)
    }
}

/// `-o json|yaml` for commands that print items.
enum ItemEncoding: String, ExpressibleByArgument, CaseIterable {
    case json, yaml
}

/// Calls the catalog, turning a transport or server error into the command's error message.
func calling<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as CatalogClientError {
        throw CLIError(error.message)
    }
}

/// The bearer token for catalog calls when no flag names one: `TANDEM_TOKEN` when set, else the context's.
func catalogToken(context: String?) -> String? {
    if let environment = ProcessInfo.processInfo.environment["TANDEM_TOKEN"], !environment.isEmpty { return environment }
    return context
}
