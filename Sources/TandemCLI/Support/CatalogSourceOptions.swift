import ArgumentParser
import Foundation
import TandemCatalogClient
import TandemCore
import TandemFormats

/// Where `run` and `render` find `from_catalog` sidecars: a folder of item files (offline), or a
/// catalog server through a context (the current one unless named). Each resolution copies the item:
/// a later change in the catalog changes the next resolution, never a unit already running.
struct CatalogSourceOptions: ParsableArguments {
    @Option(name: .long, help: "A folder of Mia sidecar items to resolve from_catalog sidecars against (no server needed).")
    var catalogDir: String?

    @Option(
        name: .long, help: "The context whose catalog server resolves from_catalog sidecars (default: the current context).",
        completion: .custom(Completions.contexts))
    var catalogContext: String?

    @Option(name: .customLong("catalog-config"), help: "The context file (default: $XDG_CONFIG_HOME/tandem/config.json).")
    var catalogConfig: String?

    /// The service with its catalog sidecars resolved, and what went wrong, located in `file`.
    func resolve(_ service: Service, file: String) async throws -> (service: Service, diagnostics: [Diagnostic]) {
        let references = service.containers.compactMap { container in container.catalogReference.map { (container, $0) } }
        guard !references.isEmpty else { return (service, []) }
        if let catalogDir {
            let (resolver, loadProblems) = CatalogResolver.load(folder: catalogDir)
            let (resolved, problems) = resolver.resolve(service, file: file)
            return (resolved, loadProblems.errors + problems)
        }
        let config = try ContextConfig.load(path: catalogConfig ?? ContextConfig.defaultPath())
        guard let (name, context) = config.context(named: catalogContext) else {
            writeError(
                "Error: \(file) uses catalog sidecars; give --catalog-dir with their items, or a catalog context (tandem context set NAME --endpoint URL)")
            throw ExitStatus.usage
        }
        let client = CatalogClient(endpoint: context.endpoint, token: catalogToken(context: context.token))
        var items: [MiaItem] = []
        var diagnostics: [Diagnostic] = []
        for (container, reference) in references {
            guard let company = reference.company ?? context.companyId else {
                diagnostics.append(
                    Diagnostic(
                        .error, origin: container.origin, file: file,
                        message: "catalog sidecar \(reference.itemId) names no company, and context \(name) has none"))
                continue
            }
            let bytes: [UInt8]
            do {
                bytes = try await client.item(company: company, itemId: reference.itemId, version: reference.version ?? "N/A")
            } catch let error as CatalogClientError {
                let reason = error.status == 404 ? "was not found in the catalog at \(context.endpoint)" : "could not be fetched: \(error.message)"
                diagnostics.append(
                    Diagnostic(.error, origin: container.origin, file: file, message: "catalog sidecar \(reference.itemId) of company \(company) \(reason)"))
                continue
            }
            let source = "\(context.endpoint) \(company)/\(reference.itemId)"
            guard var root = DocumentLoader.load(bytes: bytes, file: source).root, let entries = root.entries else {
                diagnostics.append(Diagnostic(.error, file: source, path: "", message: "the catalog sent something that is not an item"))
                continue
            }
            root.kind = .mapping(entries.filter { $0.key != "_id" })
            let (item, problems) = MiaItemReader().read(root, file: source)
            diagnostics += problems.errors
            if let item, !problems.hasErrors { items.append(item) }
        }
        let (resolved, problems) = CatalogResolver(items: items).resolve(service, file: file)
        return (resolved, diagnostics + problems)
    }
}
