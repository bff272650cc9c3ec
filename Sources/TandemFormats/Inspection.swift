import TandemCore

/// What Tandem understood from an input, after overrides and interpolation: one entry per value, each
/// with the place in the file it came from, so a user can see why a render is what it is.
public struct Inspection: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        /// Where the value sits in Tandem's model (`containers.fe.ports[0]`).
        public var path: String
        public var value: String
        /// `file:line:col` and the field it was read from, when known.
        public var source: String?
    }

    public var file: String
    public var format: String
    public var environment: String?
    public var application: String?
    public var entries: [Entry]

    public init(_ input: LoadedInput, environment: String?) {
        file = input.file
        format = input.format?.rawValue ?? "unknown"
        self.environment = environment
        application = input.copilotApplication
        entries = []
        for service in input.services { add(service, workload: input.copilot) }
    }

    private mutating func add(_ path: String, _ value: String, _ origin: Origin?) {
        var source: String?
        if let origin, origin.location != nil || !origin.path.isEmpty {
            source = [origin.location?.description, origin.path.isEmpty ? nil : origin.path].compactMap { $0 }.joined(separator: " ")
        }
        entries.append(Entry(path: path, value: value, source: source))
    }

    private mutating func add(_ service: Service, workload: CopilotWorkload?) {
        add("name", service.name, service.origin)
        for container in service.containers {
            let base = "containers.\(container.name)"
            add(base, "\(container.role.rawValue)\(container.essential ? ", essential" : "")", container.origin)
            if let image = container.image { add("\(base).image", image, container.origin) }
            if let build = container.imageBuild { add("\(base).image", "built from \(build)", container.origin) }
            if let entrypoint = container.entrypoint { add("\(base).entrypoint", entrypoint.joined(separator: " "), container.origin) }
            switch container.command {
            case .shell(let line)?: add("\(base).command", line, container.origin)
            case .exec(let argv)?: add("\(base).command", argv.map { $0.contains(" ") ? "\"\($0)\"" : $0 }.joined(separator: " "), container.origin)
            case nil: break
            }
            for (index, port) in container.ports.enumerated() {
                add("\(base).ports[\(index)]", "\(port.containerPort)/\(port.transport.rawValue.lowercased())", port.origin)
            }
            for variable in container.environment {
                add("\(base).environment.\(variable.name)", Self.describe(variable.value), variable.origin)
            }
            for file in container.environmentFiles { add("\(base).env_file", file, container.origin) }
            for (index, mount) in container.mounts.enumerated() {
                add("\(base).mounts[\(index)]", "\(mount.volume) at \(mount.path)\(mount.readOnly ? " (read-only)" : "")", mount.origin)
            }
            for (kind, probe) in [("startup", container.probes.startup), ("readiness", container.probes.readiness), ("liveness", container.probes.liveness)] {
                guard let probe else { continue }
                add("\(base).probes.\(kind)", Self.describe(probe), probe.origin)
            }
            for dependency in container.dependsOn {
                add("\(base).depends_on.\(dependency.container)", dependency.condition.rawValue, dependency.origin)
            }
            if let memory = container.resources.memoryLimit { add("\(base).memory", "\(memory) MiB", container.origin) }
            if let cpu = container.resources.cpuLimit { add("\(base).cpu", "\(cpu) millicores", container.origin) }
            for (key, value) in container.labels.sorted(by: { $0.key < $1.key }) { add("\(base).labels.\(key)", value, container.origin) }
            if container.role != .main || container.restart != .never { add("\(base).restart", container.restart.rawValue, container.origin) }
        }
        for volume in service.volumes {
            add("volumes.\(volume.name)", Self.describe(volume.kind), volume.origin)
        }
        if let logging = service.logging {
            for (key, value) in logging.destination.sorted(by: { $0.key < $1.key }) { add("logging.destination.\(key)", value, logging.origin) }
            for (key, value) in logging.secretOptions.sorted(by: { $0.key < $1.key }) { add("logging.secretOptions.\(key)", value.description, logging.origin) }
        }
        if let target = service.trafficTarget {
            add("traffic", "\(target.container)\(target.port.map { ":\($0)" } ?? "")", target.origin)
        }
        guard let workload else { return }
        add("copilot.type", workload.kind.rawValue, service.origin)
        let (index, _) = workload.exposedPorts(of: service)
        for container in service.containers {
            for port in index.ports(of: container.name) {
                add("copilot.exposed.\(container.name)", "\(port.port)/\(port.transport)\(port.declared ? "" : " (a load balancer's target)")", nil)
            }
        }
        for (position, rule) in workload.routingRules.enumerated() {
            let target = workload.target(of: rule, in: index)
            add("copilot.http[\(position)]", "ALB rule to \(target.container):\(target.port.map(String.init) ?? "none")", rule.origin)
        }
        if let balancer = workload.importedLoadBalancer { add("copilot.http.alb", balancer, service.origin) }
        for (position, listener) in workload.listeners.enumerated() {
            let target = workload.target(of: listener, in: index)
            add("copilot.nlb[\(position)]", "\(listener.port)/\(listener.transport) to \(target.container):\(target.port)", listener.origin)
        }
        if let server = workload.serviceConnectTarget(in: index) {
            add("copilot.service_connect", "\(server.container):\(server.port) (the port named target)", nil)
        }
        for topic in workload.topics { add("copilot.publish.\(topic.name)", topic.fifo ? "FIFO topic" : "topic", nil) }
        for subscription in workload.subscriptions {
            add("copilot.subscribe.\(subscription.service).\(subscription.name)", subscription.hasQueue ? "own queue" : "service queue", nil)
        }
        if let ephemeral = workload.ephemeralStorage { add("copilot.storage.ephemeral", "\(ephemeral) GiB", nil) }
    }

    static func describe(_ value: EnvironmentValue) -> String {
        switch value {
        case .plain(let text): text
        case .secretReference(let source): "secret \(source)"
        case .secretKey(let secret, let key): "secret \(secret)/\(key)"
        case .configMapFile(let map, let file): "config map \(map)/\(file)"
        case .field(let path, _): "field \(path)"
        case .cloudFormationExport(let export): "the CloudFormation export \(export)"
        }
    }

    static func describe(_ probe: Probe) -> String {
        let action: String
        switch probe.action {
        case .exec(let argv): action = argv.joined(separator: " ")
        case .shell(let line): action = line
        case .http(let path, let port): action = "GET \(path)\(port.map { " on \($0)" } ?? "")"
        case .tcp(let port): action = "TCP\(port.map { " \($0)" } ?? "")"
        }
        var timing: [String] = []
        if let period = probe.period { timing.append("every \(GoDuration.format(period))") }
        if let timeout = probe.timeout { timing.append("timeout \(GoDuration.format(timeout))") }
        if let failures = probe.failureThreshold { timing.append("\(failures) failures") }
        if let delay = probe.initialDelay, delay > 0 { timing.append("after \(GoDuration.format(delay))") }
        return action + (timing.isEmpty ? "" : " (\(timing.joined(separator: ", ")))")
    }

    static func describe(_ kind: Volume.Kind) -> String {
        switch kind {
        case .scratch: return "scratch"
        case .hostPath(let path): return "host path \(path)"
        case .configMap(let name): return "config map \(name)"
        case .secret(let name): return "secret \(name)"
        case .efs(let efs):
            if efs.managed { return "EFS, managed by Copilot" }
            let id = efs.fileSystemId.map { efs.fileSystemIdIsExport ? "the export \($0)" : $0 } ?? "?"
            return "EFS \(id)\(efs.rootDirectory.map { " at \($0)" } ?? "")"
        }
    }

    public var yaml: String {
        var root = MapBuilder()
        root.set("file", file)
        root.set("format", format)
        root.set("environment", environment)
        root.set("application", application)
        root.set(
            "entries",
            .list(
                entries.map { entry in
                    var item = MapBuilder()
                    item.set("path", entry.path)
                    item.setKeepingEmpty("value", .string(entry.value))
                    item.set("source", entry.source)
                    return item.value
                }))
        return root.value.yaml()
    }

    /// Aligned columns: path, value, source.
    public var text: String {
        var header = "\(file): \(format)"
        if let environment { header += ", environment \(environment)" }
        if let application { header += ", application \(application)" }
        let width = min(48, entries.map(\.path.count).max() ?? 0)
        let valueWidth = min(56, entries.map(\.value.count).max() ?? 0)
        var lines = [header]
        for entry in entries {
            let path = entry.path.padding(width)
            // The header names the file; each line says where in it.
            let local = entry.source.map { $0.hasPrefix(file + ":") ? String($0.dropFirst(file.count + 1)) : $0 }
            let source = local.map { "  " + $0 } ?? ""
            lines.append("  \(path)  \(source.isEmpty ? entry.value : entry.value.padding(valueWidth))\(source)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
