import Foundation
import TandemCore

/// Resolves `from_catalog` sidecars against Mia Marketplace items: the item's container is the base and
/// every field the manifest sets overrides it; the item's config maps and volumes join the service.
/// Resolution copies: changing the catalog later changes new resolutions, never a service already built.
public struct CatalogResolver: Sendable {
    public let items: [MiaItem]
    /// Each item's version, where the catalog says (`version.name`, or the public catalog's
    /// `versions/<version>.json`); `N/A` for an unversioned item.
    public let versions: [String]

    public init(items: [MiaItem], versions: [String]? = nil) {
        self.items = items
        self.versions = versions ?? items.map { Self.version(of: $0, file: nil) }
    }

    /// Every valid sidecar item under `folder` (as `tandem validate` would find them). A clone of a
    /// public catalog (`items/sidecar/<itemId>/versions/<version>.json`, beside other item types) is read
    /// from its sidecar folder only.
    public static func load(folder: String) -> (resolver: CatalogResolver, diagnostics: [Diagnostic]) {
        var root = folder
        for candidate in ["items/sidecar", "sidecar"] {
            let path = (folder as NSString).appendingPathComponent(candidate)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                root = path
                break
            }
        }
        let (inputs, unreadable) = InputLoader(format: .mia).load(paths: [root])
        var diagnostics = unreadable
        var items: [MiaItem] = []
        var versions: [String] = []
        for input in inputs {
            if let item = input.miaItem, input.isValid {
                items.append(item)
                versions.append(version(of: item, file: input.file))
            } else {
                diagnostics += input.diagnostics
            }
        }
        return (CatalogResolver(items: items, versions: versions), diagnostics)
    }

    /// `version.name`, else the file's name under a `versions/` folder (`NA` is `N/A`), else `N/A`.
    static func version(of item: MiaItem, file: String?) -> String {
        if case .string(let name)? = item.document["version"]?["name"]?.value { return name }
        if let file, (file as NSString).deletingLastPathComponent.hasSuffix("/versions") {
            let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            return name == "NA" ? "N/A" : name
        }
        return "N/A"
    }

    /// The item a reference names: its version if it gives one, else N/A, else the highest version.
    public func item(for reference: CatalogReference) -> MiaItem? {
        let candidates = items.indices.filter { index in
            items[index].itemId == reference.itemId && (reference.company == nil || items[index].tenantId == reference.company)
        }
        if let wanted = reference.version {
            let normalized = wanted == "NA" ? "N/A" : wanted
            return candidates.first { versions[$0] == normalized }.map { items[$0] }
        }
        if let unversioned = candidates.first(where: { versions[$0] == "N/A" }) { return items[unversioned] }
        return candidates.max { Self.versionOrder(versions[$0], versions[$1]) }.map { items[$0] }
    }

    /// Dotted versions compared number by number (`1.10.0` after `1.9.2`).
    static func versionOrder(_ a: String, _ b: String) -> Bool {
        let left = a.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let right = b.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        return left.lexicographicallyPrecedes(right)
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
        merged.stated = local.stated
        merged.sidecarFor = local.sidecarFor
        merged.labels.merge(local.labels) { _, new in new }
        if let grace = local.stopGracePeriod { merged.stopGracePeriod = grace }
        return merged
    }
}
