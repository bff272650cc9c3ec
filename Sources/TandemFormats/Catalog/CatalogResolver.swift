import TandemCore

/// Resolves `from_catalog` sidecars against Mia Marketplace items: the item's container is the base and
/// every field the manifest sets overrides it; the item's config maps and volumes join the service.
/// Resolution copies: changing the catalog later changes new resolutions, never a service already built.
public struct CatalogResolver: Sendable {
    public let items: [MiaItem]

    public init(items: [MiaItem]) {
        self.items = items
    }

    /// Every valid sidecar item under `folder` (as `tandem validate` would find them).
    public static func load(folder: String) -> (resolver: CatalogResolver, diagnostics: [Diagnostic]) {
        let (inputs, unreadable) = InputLoader(format: .mia).load(paths: [folder])
        var diagnostics = unreadable
        var items: [MiaItem] = []
        for input in inputs {
            if let item = input.miaItem, input.isValid { items.append(item) } else { diagnostics += input.diagnostics }
        }
        return (CatalogResolver(items: items), diagnostics)
    }

    public func item(for reference: CatalogReference) -> MiaItem? {
        items.first { $0.itemId == reference.itemId && (reference.company == nil || $0.tenantId == reference.company) }
    }

    public func resolve(_ service: Service, file: String) -> (service: Service, diagnostics: [Diagnostic]) {
        var resolved = service
        var diagnostics: [Diagnostic] = []
        for index in resolved.containers.indices {
            guard let reference = resolved.containers[index].catalogReference else { continue }
            guard let item = item(for: reference), let base = item.container else {
                let company = reference.company.map { " of company \($0)" } ?? ""
                diagnostics.append(
                    Diagnostic(
                        .error, origin: resolved.containers[index].origin, file: file,
                        message: "catalog sidecar \(reference.itemId)\(company) was not found in the catalog"))
                continue
            }
            resolved.containers[index] = Self.merge(base: base, local: resolved.containers[index])
            for volume in item.service.volumes where resolved.volume(named: volume.name) == nil { resolved.volumes.append(volume) }
            for configMap in item.service.configMaps where resolved.configMap(named: configMap.name) == nil { resolved.configMaps.append(configMap) }
        }
        return (resolved, diagnostics)
    }

    /// The catalog container, overridden by what the manifest sets.
    static func merge(base: Container, local: Container) -> Container {
        var merged = base
        merged.name = local.name
        merged.role = local.role
        merged.origin = local.origin
        merged.catalogReference = local.catalogReference
        if let image = local.image { merged.image = image }
        if let build = local.imageBuild { merged.imageBuild = build }
        if let credentials = local.registryCredentials { merged.registryCredentials = credentials }
        if let entrypoint = local.entrypoint { merged.entrypoint = entrypoint }
        if let command = local.command { merged.command = command }
        if !local.args.isEmpty { merged.args = local.args }
        if let directory = local.workingDirectory { merged.workingDirectory = directory }
        if !local.ports.isEmpty { merged.ports = local.ports }
        for variable in local.environment {
            if let existing = merged.environment.firstIndex(where: { $0.name == variable.name }) {
                merged.environment[existing] = variable
            } else {
                merged.environment.append(variable)
            }
        }
        merged.environmentFiles += local.environmentFiles
        merged.mounts += local.mounts.filter { mount in !merged.mounts.contains { $0.path == mount.path } }
        if let probe = local.probes.startup { merged.probes.startup = probe }
        if let probe = local.probes.readiness { merged.probes.readiness = probe }
        if let probe = local.probes.liveness { merged.probes.liveness = probe }
        if let value = local.resources.cpuRequest { merged.resources.cpuRequest = value }
        if let value = local.resources.cpuLimit { merged.resources.cpuLimit = value }
        if let value = local.resources.memoryRequest { merged.resources.memoryRequest = value }
        if let value = local.resources.memoryLimit { merged.resources.memoryLimit = value }
        // Start order, failure coupling and restarts belong to the service using the sidecar.
        merged.dependsOn = local.dependsOn
        merged.essential = local.essential
        merged.restart = local.restart
        merged.sidecarFor = local.sidecarFor
        merged.labels.merge(local.labels) { _, new in new }
        if let grace = local.stopGracePeriod { merged.stopGracePeriod = grace }
        return merged
    }
}
