import TandemCore

/// What a `cf push` manifest says about an app beyond Tandem's model (buildpacks, stack, instances,
/// disk quota, routes, services, ...), kept as written so a Cloud Foundry manifest written back holds
/// it, and other targets can name it as lost.
public struct CloudFoundryAppFields: Sendable, Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.app == rhs.app && YAMLValue.map(lhs.fields) == YAMLValue.map(rhs.fields)
            && lhs.processFields.keys == rhs.processFields.keys
            && lhs.processFields.allSatisfy { YAMLValue.map($0.value) == YAMLValue.map(rhs.processFields[$0.key] ?? []) }
    }

    /// The app's name, as the manifest gives it (or `--name`).
    public var app: String
    /// The app's own fields Tandem does not model, in the manifest's order.
    public var fields: [(String, YAMLValue)]
    /// Per process type, its fields Tandem does not model (`instances`, `disk_quota`, ...).
    public var processFields: [String: [(String, YAMLValue)]]
    public var origin: Origin

    /// The fields Tandem reads into its model; everything else is kept.
    static let modeled: Set<String> = [
        "name", "command", "memory", "processes", "sidecars", "env", "health-check-type", "health-check-http-endpoint", "timeout", "docker",
    ]
    static let modeledInProcess: Set<String> = ["type", "command", "memory", "health-check-type", "health-check-http-endpoint", "timeout"]

    init(app: String, node: DocumentNode, origin: Origin) {
        self.app = app
        self.origin = origin
        fields = (node.entries ?? []).filter { !Self.modeled.contains($0.key) }.map { ($0.key, YAMLValue($0.value)) }
        processFields = [:]
        for process in node["processes"]?.items ?? [] {
            guard let type = process["type"]?.scalar?.text else { continue }
            let kept = (process.entries ?? []).filter { !Self.modeledInProcess.contains($0.key) }.map { ($0.key, YAMLValue($0.value)) }
            if !kept.isEmpty { processFields[type] = kept }
        }
    }

    /// The kept fields' names, for a loss message (`buildpacks, stack, processes.web.instances`).
    public var names: [String] {
        fields.map(\.0) + processFields.keys.sorted().flatMap { type in processFields[type]!.map { "processes.\(type).\($0.0)" } }
    }

    public var isEmpty: Bool { fields.isEmpty && processFields.isEmpty }
}
