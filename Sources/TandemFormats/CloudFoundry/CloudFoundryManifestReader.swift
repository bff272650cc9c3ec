import Foundation
import TandemCore

extension CloudFoundryReader {
    /// Reads a `cf push` manifest: one service per entry of `applications`, with Cloud Controller's
    /// sidecar rules and messages (names, commands, process types, memory units and the memory policy).
    public func readManifest(_ root: DocumentNode, file: String) -> (services: [Service], diagnostics: [Diagnostic]) {
        let result = readManifestApps(root, file: file)
        return (result.services, result.diagnostics)
    }

    /// The manifest's apps, with what each says beyond Tandem's model.
    public func readManifestApps(
        _ root: DocumentNode, file: String, name appName: String? = nil
    ) -> (services: [Service], apps: [CloudFoundryAppFields], diagnostics: [Diagnostic]) {
        let context = ReadContext(file: file, strictTypes: false)
        var services: [Service] = []
        var apps: [CloudFoundryAppFields] = []
        guard var fields = Fields(root, path: "", context: context) else { return ([], [], context.diagnostics) }
        _ = fields.node("version")
        if let applications = fields.value("applications", required: true) {
            if let items = applications.items {
                for (index, item) in items.enumerated() {
                    let path = FieldPath.index("applications", index)
                    // `cf push APP` names a manifest's only app that has no name.
                    let given = items.count == 1 && item["name"] == nil ? appName : nil
                    if let service = readApplication(item, path: path, name: given, file: file, context: context) {
                        services.append(service)
                        apps.append(CloudFoundryAppFields(app: service.name, node: item, origin: service.origin))
                    }
                }
            } else {
                context.error(applications, "applications", "expected a list of applications, found \(Fields.describe(applications))")
            }
        }
        fields.reportUnknown(.warning)
        var diagnostics = context.diagnostics
        for service in services { diagnostics += ServiceValidator().validate(service, file: file) }
        return (services, apps, diagnostics)
    }

    static let applicationFields = [
        "buildpack", "buildpacks", "disk_quota", "disk-quota", "docker", "instances", "log-rate-limit-per-second", "metadata",
        "no-route", "path", "random-route", "routes", "services", "stack", "default-route", "readiness-health-check-type",
        "readiness-health-check-http-endpoint", "readiness-health-check-invocation-timeout", "readiness-health-check-interval",
        "health-check-interval", "health-check-invocation-timeout", "lifecycle", "features", "cnb-credentials",
    ]

    private func readApplication(_ node: DocumentNode, path: String, name given: String?, file: String, context: ReadContext) -> Service? {
        guard var app = Fields(node, path: path, context: context) else { return nil }
        if given == nil && node["name"] == nil {
            context.error(node, FieldPath.child(path, "name"), "an app without a name is pushed with its name (cf push APP): give it with --name APP")
            return nil
        }
        guard let name = given ?? app.string("name", required: true) else { return nil }
        var memory: [String: Int] = [:]
        var commands: [String: String] = [:]
        var probes: [String: Probe?] = [:]
        var order: [String] = ["web"]
        var origins: [String: Origin] = ["web": Origin(path: path, location: context.at(node))]

        if let value = app.value("memory"), let megabytes = Self.megabytes(value, path: FieldPath.child(path, "memory"), context: context) {
            memory["web"] = megabytes
        }
        if let command = app.string("command") { commands["web"] = command }
        probes["web"] = readHealthCheck(&app, path: path, context: context)
        var environment: [EnvironmentVariable] = []
        for (key, value, valueNode) in app.stringMap("env") ?? [] {
            environment.append(
                EnvironmentVariable(name: key, value: .plain(value), origin: Origin(path: FieldPath.child(path, "env.\(key)"), location: context.at(valueNode)))
            )
        }
        if let processesNode = app.value("processes"), let items = processesNode.items {
            for (index, item) in items.enumerated() {
                let processPath = FieldPath.index(FieldPath.child(path, "processes"), index)
                guard var process = Fields(item, path: processPath, context: context), let type = process.string("type", required: true) else { continue }
                if !order.contains(type) { order.append(type) }
                origins[type] = Origin(path: processPath, location: context.at(item))
                if let command = process.string("command") { commands[type] = command }
                if let value = process.value("memory"), let megabytes = Self.megabytes(value, path: FieldPath.child(processPath, "memory"), context: context) {
                    memory[type] = megabytes
                }
                if process.has("health-check-type") || type == "web" { probes[type] = readHealthCheck(&process, path: processPath, context: context) }
                for key in [
                    "instances", "disk_quota", "disk-quota", "log-rate-limit-per-second", "health-check-interval", "health-check-invocation-timeout",
                    "readiness-health-check-type", "readiness-health-check-http-endpoint", "readiness-health-check-invocation-timeout",
                    "readiness-health-check-interval", "user",
                ] {
                    _ = process.node(key)
                }
                process.reportUnknown(.warning)
            }
        }

        var sidecarProcesses: [LaunchProcess] = []
        if let sidecarsNode = app.value("sidecars") {
            sidecarProcesses = readSidecars(sidecarsNode, path: FieldPath.child(path, "sidecars"), context: context)
        }
        for key in Self.applicationFields { _ = app.node(key) }
        app.reportUnknown(.warning)

        var processes = order.map { type in
            LaunchProcess(type: type, command: commands[type] ?? "", origin: origins[type] ?? .unknown)
        }
        processes += sidecarProcesses
        var diagnostics: [Diagnostic] = []
        guard var service = makeService(name: name, processes: processes, memory: memory, healthChecks: probes, file: file, diagnostics: &diagnostics) else {
            return nil
        }
        // A Docker app's processes without a command run the image's own.
        let dockerImage: String? = { if case .string(let image)? = node["docker"]?["image"]?.value { image } else { nil } }()
        if dockerImage != nil { diagnostics.removeAll { $0.message.hasSuffix("it will not start unless a command is provided at runtime") } }
        context.append(diagnostics)
        service.origin = Origin(path: path, location: context.at(node))
        for index in service.containers.indices where service.containers[index].role == .main {
            service.containers[index].environment += environment
        }
        // A Docker app (`docker.image`): every process runs that image.
        if let image = dockerImage {
            for index in service.containers.indices where service.containers[index].role == .main { service.containers[index].image = image }
        }
        return service
    }

    /// `health-check-type`: port (default), process, http (with `health-check-http-endpoint`), none.
    private func readHealthCheck(_ fields: inout Fields, path: String, context: ReadContext) -> Probe? {
        let type = fields.string("health-check-type") ?? "port"
        let endpoint = fields.string("health-check-http-endpoint") ?? "/"
        let timeout = fields.int("timeout")
        let origin = Origin(path: FieldPath.child(path, "health-check-type"), location: context.at(fields.node("health-check-type")) ?? context.at(fields.node))
        var probe: Probe?
        switch type {
        case "port": probe = Probe(action: .tcp(port: .number(Self.webPort)), origin: origin)
        case "http": probe = Probe(action: .http(path: endpoint, port: .number(Self.webPort)), origin: origin)
        case "process", "none": probe = nil
        default:
            context.report(.error, at: origin.location, path: origin.path, "health check type must be one of port, process, http, found \"\(type)\"")
        }
        // CF's `timeout` bounds how long the first health check may take to pass.
        if let timeout, probe != nil { probe?.failureThreshold = max(1, timeout) }
        return probe
    }

    private func readSidecars(_ node: DocumentNode, path: String, context: ReadContext) -> [LaunchProcess] {
        guard let items = node.items else {
            context.error(node, path, "Sidecars must be an array of sidecar configurations")
            return []
        }
        var result: [LaunchProcess] = []
        var names = Set<String>()
        for (index, item) in items.enumerated() {
            let itemPath = FieldPath.index(path, index)
            guard var fields = Fields(item, path: itemPath, context: context) else { continue }
            let name = fields.string("name") ?? ""
            var problems: [String] = []
            if name.trimmingCharacters(in: .whitespaces).isEmpty {
                context.error(item, itemPath, "Sidecar name can't be blank")
                for key in ["command", "process_types", "memory"] { _ = fields.node(key) }
                fields.reportUnknown(.warning)
                continue
            }
            if name.count > 255 { problems.append("Name is too long (maximum is 255 characters)") }
            let command = fields.string("command") ?? ""
            if command.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("Command can't be blank") }
            if command.count > 4096 { problems.append("Command is too long (maximum is 4096 characters)") }
            var processTypes: [String] = []
            if let typesNode = fields.value("process_types") {
                if let types = typesNode.items {
                    for (typeIndex, typeNode) in types.enumerated() {
                        guard let type = Fields.string(typeNode, path: FieldPath.index(FieldPath.child(itemPath, "process_types"), typeIndex), context: context)
                        else { continue }
                        if processTypes.contains(type) {
                            problems.append("Sidecar is already associated with process type \(type)")
                        } else if type.count > 255 {
                            problems.append("Process type is too long (maximum is 255 characters)")
                        } else {
                            processTypes.append(type)
                        }
                    }
                } else {
                    problems.append("Process types must be an array")
                }
            }
            if processTypes.isEmpty && !problems.contains("Process types must be an array") {
                problems.append("Process types must have at least 1 process_type")
            }
            var memory: Int?
            if let memoryNode = fields.value("memory") {
                if let megabytes = Self.megabytes(memoryNode, path: FieldPath.child(itemPath, "memory"), context: context, quiet: true) {
                    if megabytes <= 0 { problems.append("Memory in mb must be greater than 0") } else { memory = megabytes }
                } else {
                    problems.append("Memory in mb is not a number")
                }
            }
            fields.reportUnknown(.warning)
            if !names.insert(name).inserted {
                problems.append("Sidecar with name '\(name)' already exists for given app")
            }
            for problem in problems {
                context.error(item, itemPath, "Sidecar \"\(name)\": \(problem)")
            }
            if problems.isEmpty {
                result.append(
                    LaunchProcess(
                        type: name, command: command, memory: memory, sidecarFor: processTypes, origin: Origin(path: itemPath, location: context.at(item))))
            }
        }
        return result
    }

    /// `128M`, `1G`, `512MB`, `1024`: CF's memory syntax, in MB.
    static func megabytes(_ node: DocumentNode, path: String, context: ReadContext, quiet: Bool = false) -> Int? {
        if case .int(let number)? = node.value { return number }
        guard let text = node.scalar?.text.trimmingCharacters(in: .whitespaces).uppercased(), !text.isEmpty else {
            if !quiet { context.error(node, path, "expected an amount of memory such as 256M or 1G, found \(Fields.describe(node))") }
            return nil
        }
        let digits = text.prefix { $0.isNumber }
        let unit = text.dropFirst(digits.count)
        guard let amount = Int(digits) else {
            if !quiet { context.error(node, path, "expected an amount of memory such as 256M or 1G, found \"\(text)\"") }
            return nil
        }
        switch unit {
        case "M", "MB": return amount
        case "G", "GB": return amount * 1024
        case "T", "TB": return amount * 1024 * 1024
        case "K", "KB": return amount / 1024
        case "B": return amount / (1024 * 1024)
        default:
            if !quiet { context.error(node, path, "Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB") }
            return nil
        }
    }
}
