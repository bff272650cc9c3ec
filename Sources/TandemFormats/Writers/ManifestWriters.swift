import TandemCore

/// Writes the model back out in each input format, saying what the target cannot express.
public enum ManifestWriter {
    // MARK: Tandem

    public static func tandem(_ service: Service) -> ConversionResult {
        var dropped: [String] = []
        var root = MapBuilder()
        root.set("tandem", TandemManifestReader.version)
        let mains = service.mainContainers
        let names = ContainerNames(service, mainName: ContainerNames.dnsLabel(service.name), dnsLabels: true, dropped: &dropped)
        if let main = mains.first {
            root.set("name", names[main.name])
            for (key, value) in containerFields(main, service: service, dropped: &dropped, name: "the main process", names: names) { root.set(key, value) }
        } else {
            // A catalog item is a sidecar without its app: the manifest gets a stand-in main process to replace.
            root.set("name", names.standInMain)
            root.set("command", .list(["sleep", "infinity"].map(YAMLValue.string)))
            dropped.note("the input has no main process: the manifest's main process (sleep infinity) stands in for your app")
        }
        var processes = MapBuilder()
        for process in mains.dropFirst() {
            processes.set(
                names[process.name, default: process.name],
                .map(containerFields(process, service: service, dropped: &dropped, name: "process \(process.name)", names: names)))
        }
        root.set("processes", processes.value)
        var sidecars = MapBuilder()
        for sidecar in service.containers where sidecar.role == .sidecar {
            var fields = containerFields(sidecar, service: service, dropped: &dropped, name: "sidecar \(sidecar.name)", names: names)
            let served = sidecar.sidecarFor.compactMap { names[$0] }
            if !served.isEmpty { fields.append(("sidecar_for", .list(served.map(YAMLValue.string)))) }
            if let reference = sidecar.catalogReference {
                var ref = MapBuilder()
                ref.set("company", reference.company)
                ref.set("item", reference.itemId)
                ref.set("version", reference.version)
                fields.append(("from_catalog", ref.value))
            }
            sidecars.set(names[sidecar.name, default: sidecar.name], .map(fields))
        }
        if let logging = service.logging, let router = service.container(named: logging.router) {
            var fields = containerFields(router, service: service, dropped: &dropped, name: "the log router", names: names)
            fields.append(contentsOf: loggingFields(logging))
            root.set("logging", .map(fields))
        }
        root.set("sidecars", sidecars.value)
        root.set("storage", storageValue(service, dropped: &dropped, tandem: true))
        var configMaps = MapBuilder()
        for configMap in service.configMaps {
            configMaps.set(configMap.name, .map([("files", .map(configMap.files.map { ($0.name, .string($0.content)) }))]))
        }
        root.set("config_maps", configMaps.value)
        root.set("stop_timeout", service.stopTimeout.map(GoDuration.format))
        if let target = service.trafficTarget {
            var http = MapBuilder()
            http.set("target_container", names[target.container, default: target.container])
            http.set("target_port", target.port)
            root.set("http", http.value)
        }
        return ConversionResult(text: root.value.yaml(), dropped: dropped)
    }

    /// A secret reference as Copilot and Tandem write it; nil for a local source under Copilot.
    static func secretValue(_ source: SecretSource, copilot: Bool) -> YAMLValue? {
        switch source {
        case .ssmParameter(let parameter): .string(parameter)
        case .secretsManager(let secret): .map([("secretsmanager", .string(secret))])
        case .cloudFormationExport(let export): .map([("from_cfn", .string(export))])
        case .file(let path): copilot ? nil : .map([("from_file", .string(path))])
        case .hostEnvironment(let host): copilot ? nil : .map([("from_env", .string(host))])
        }
    }

    static func loggingFields(_ logging: LogRouting) -> [(String, YAMLValue)] {
        var fields = MapBuilder()
        fields.set("destination", .map(logging.destination.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        if !logging.enableMetadata { fields.set("enableMetadata", .bool(false)) }
        fields.set(
            "secretOptions",
            .map(logging.secretOptions.sorted { $0.key < $1.key }.compactMap { key, source in secretValue(source, copilot: true).map { (key, $0) } }))
        fields.set("configFilePath", logging.configFilePath)
        fields.set("retention", logging.retentionDays)
        return fields.entries
    }

    /// Container fields in Tandem's (and mostly Copilot's) names.
    static func containerFields(
        _ container: Container, service: Service, dropped: inout [String], name: String, names: ContainerNames, copilot: Bool = false
    ) -> [(String, YAMLValue)] {
        var fields = MapBuilder()
        if !copilot || container.role != .main {
            fields.set("image", container.image)
            if container.image == nil, let build = container.imageBuild {
                if copilot { fields.set("image", .map([("build", .string(build))])) } else { fields.set("build", build) }
            }
        }
        if let command = container.command {
            switch command {
            case .shell(let line): fields.set("command", copilot ? .list(["/bin/sh", "-c", line].map(YAMLValue.string)) : .string(line))
            case .exec(let argv): fields.set("command", .list(argv.map(YAMLValue.string)))
            }
        }
        if let entrypoint = container.entrypoint { fields.set("entrypoint", .list(entrypoint.map(YAMLValue.string))) }
        if !container.args.isEmpty {
            if copilot {
                dropped.note("\(name): args (Copilot has only command and entrypoint)")
            } else {
                fields.set("args", .list(container.args.map(YAMLValue.string)))
            }
        }
        if !copilot {
            fields.set("working_dir", container.workingDirectory)
        } else if container.workingDirectory != nil {
            dropped.note("\(name): working directory")
        }
        let ports = container.ports.compactMap { port -> String? in
            guard let number = port.containerPort.number else {
                dropped.note("\(name): port \(port.containerPort) is a placeholder")
                return nil
            }
            return port.transport == .udp ? "\(number)/udp" : String(number)
        }
        if ports.count == 1 {
            fields.set("port", ports[0].hasSuffix("/udp") ? .string(ports[0]) : .int(Int(ports[0])!))
        } else if ports.count > 1 {
            if copilot {
                dropped.note("\(name): ports beyond the first (Copilot gives a container one port)")
                fields.set("port", ports[0].hasSuffix("/udp") ? .string(ports[0]) : .int(Int(ports[0])!))
            } else {
                fields.set("ports", .list(ports.map { $0.hasSuffix("/udp") ? .string($0) : .int(Int($0)!) }))
            }
        }
        var variables = MapBuilder()
        var secrets = MapBuilder()
        for variable in container.environment {
            switch variable.value {
            case .plain(let value): variables.set(variable.name, .string(value))
            case .secretReference(let source):
                if let value = secretValue(source, copilot: copilot) {
                    secrets.set(variable.name, value)
                } else {
                    dropped.note("\(name): secret \(variable.name) read from \(source) (only a local run has it)")
                }
            case .cloudFormationExport(let export): variables.set(variable.name, .map([("from_cfn", .string(export))]))
            case .secretKey(let secret, let key): dropped.note("\(name): variable \(variable.name) from Kubernetes secret \(secret)/\(key)")
            case .configMapFile(let map, let file): dropped.note("\(name): variable \(variable.name) from config map file \(map)/\(file)")
            case .field(let path, _): dropped.note("\(name): variable \(variable.name) from the downward API field \(path)")
            }
        }
        fields.set("variables", variables.value)
        fields.set("secrets", secrets.value)
        if let file = container.environmentFiles.first { fields.set("env_file", file) }
        if copilot {
            if let probe = container.probes.readiness ?? container.probes.liveness ?? container.probes.startup {
                fields.set("healthcheck", healthcheck(probe, dropped: &dropped, name: name))
            }
            if container.probes.startup != nil && container.probes.readiness != nil { dropped.note("\(name): startup probe (Copilot has one health check)") }
        } else {
            var probes = MapBuilder()
            probes.set("startup", container.probes.startup.map(probe))
            probes.set("readiness", container.probes.readiness.map(probe))
            probes.set("liveness", container.probes.liveness.map(probe))
            fields.set("probes", probes.value)
        }
        let taskLevel = copilot && container.role == .main  // Copilot's task cpu/memory are the main container's
        if let memory = container.resources.memoryLimit, !taskLevel {
            if copilot {
                dropped.note("\(name): memory limit (Copilot sets memory per task)")
            } else if let value = memory.value {
                fields.set("memory", value)
            } else {
                dropped.note("\(name): memory placeholder \(memory)")
            }
        }
        if let cpu = container.resources.cpuLimit?.value, !taskLevel {
            if copilot { dropped.note("\(name): CPU limit (Copilot sets CPU per task)") } else { fields.set("cpu", "\(cpu)m") }
        }
        if container.resources.cpuRequest != nil || container.resources.memoryRequest != nil {
            dropped.note("\(name): resource requests (only limits are kept)")
        }
        // Tandem restarts sidecars always and the log router on failure; ECS restarts nothing in place.
        let defaultRestart: RestartPolicy = copilot ? .never : (container.role == .sidecar ? .always : (container.role == .logRouter ? .onFailure : .never))
        if container.restart != defaultRestart {
            if copilot { dropped.note("\(name): restart policy") } else { fields.set("restart", container.restart.rawValue) }
        }
        if let grace = container.stopGracePeriod {
            if copilot { dropped.note("\(name): stop grace period") } else { fields.set("stop_grace_period", GoDuration.format(grace)) }
        }
        if container.notifyReady {
            if copilot { dropped.note("\(name): readiness by NOTIFY_SOCKET") } else { fields.set("notify_ready", .bool(true)) }
        }
        if let descriptor = container.notifyDescriptor {
            if copilot { dropped.note("\(name): readiness on descriptor \(descriptor)") } else { fields.set("notify_fd", .int(descriptor)) }
        }
        if let signals = container.forwardSignals {
            if copilot { dropped.note("\(name): forwarded signals") } else { fields.setKeepingEmpty("forward_signals", .list(signals.map(YAMLValue.string))) }
        }
        if let limit = container.restartLimit {
            if copilot {
                dropped.note("\(name): restart limit")
            } else {
                var limitFields = MapBuilder()
                limitFields.set("restarts", limit.restarts)
                limitFields.set("within", limit.window.map(GoDuration.format))
                limitFields.set("backoff_max", limit.backoffMax.map(GoDuration.format))
                fields.set("restart_limit", limitFields.value)
            }
        }
        var dependencies = MapBuilder()
        for dependency in container.dependsOn {
            guard let target = names[dependency.container] else {
                dropped.note("\(name): its dependency on \(dependency.container), which the target cannot hold")
                continue
            }
            if let timeout = dependency.timeout, !copilot {
                dependencies.set(
                    target, .map([("condition", .string(dependency.condition.rawValue.lowercased())), ("timeout", .string(GoDuration.format(timeout)))]))
            } else {
                dependencies.set(target, .string(dependency.condition.rawValue.lowercased()))
            }
        }
        // Copilot keeps the main container's dependencies under image.
        fields.set(copilot && container.role == .main ? "image.depends_on" : "depends_on", dependencies.value)
        let defaultEssential = container.role != .sidecar || copilot
        if container.essential != defaultEssential && (container.role != .main || !copilot) { fields.set("essential", .bool(container.essential)) }
        fields.set("labels", .map(container.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        let mounts = container.mounts.filter { mount in
            // The main container's volume mounts are written under storage.volumes.
            guard !(container.role == .main && service.volume(named: mount.volume)?.mainMountPath == mount.path) else { return false }
            guard let volume = service.volume(named: mount.volume) else { return true }
            if case .secret = volume.kind {
                dropped.note("\(name): mount of Kubernetes secret volume \(volume.name) at \(mount.path)")
                return false
            }
            if case .configMap = volume.kind, copilot {
                dropped.note("\(name): mount of config map \(volume.name) at \(mount.path)")
                return false
            }
            return true
        }
        fields.set(
            "mount_points",
            .list(
                mounts.map { mount in
                    var entry = MapBuilder()
                    entry.set("source_volume", mount.volume)
                    entry.set("path", mount.path)
                    if !mount.readOnly { entry.set("read_only", .bool(false)) }
                    return entry.value
                }))
        if let credentials = container.registryCredentials { fields.set(copilot ? "credentialsParameter" : "credentials", credentials) }
        return fields.entries
    }

    static func probe(_ probe: Probe) -> YAMLValue {
        var fields = MapBuilder()
        switch probe.action {
        case .http(let path, let port):
            var http = MapBuilder()
            http.set("path", path)
            http.set("port", port?.number)
            fields.set("http", http.value.isEmpty ? .map([("path", .string("/"))]) : http.value)
        case .tcp(let port): fields.set("tcp", .map([("port", port?.number.map(YAMLValue.int) ?? .string(port?.description ?? ""))]))
        case .exec(let argv): fields.set("exec", .list(argv.map(YAMLValue.string)))
        case .shell(let line): fields.set("shell", line)
        }
        fields.set("initial_delay", probe.initialDelay.map(GoDuration.format))
        fields.set("period", probe.period.map(GoDuration.format))
        fields.set("timeout", probe.timeout.map(GoDuration.format))
        fields.set("success_threshold", probe.successThreshold)
        fields.set("failure_threshold", probe.failureThreshold)
        return fields.value
    }

    static func healthcheck(_ probe: Probe, dropped: inout [String], name: String) -> YAMLValue {
        var fields = MapBuilder()
        switch probe.action {
        case .exec(let argv): fields.set("command", .list((["CMD"] + argv).map(YAMLValue.string)))
        case .shell(let line): fields.set("command", .list(["CMD-SHELL", line].map(YAMLValue.string)))
        case .http(let path, let port):
            let url = "http://localhost\(port?.number.map { ":\($0)" } ?? "")\(path)"
            fields.set("command", .list(["CMD-SHELL", "curl -f \(url) || exit 1"].map(YAMLValue.string)))
        case .tcp(let port):
            dropped.note("\(name): TCP probe written as a shell check with nc")
            fields.set("command", .list(["CMD-SHELL", "nc -z localhost \(port?.description ?? "80") || exit 1"].map(YAMLValue.string)))
        }
        // Copilot fills any field left out with its default; writing them keeps a round trip exact.
        fields.set("interval", GoDuration.format(probe.period ?? 10))
        fields.set("retries", probe.failureThreshold ?? 2)
        fields.set("timeout", GoDuration.format(probe.timeout ?? 5))
        if let delay = probe.initialDelay, delay > 0 { fields.set("start_period", GoDuration.format(delay)) }
        return fields.value
    }

    static func storageValue(_ service: Service, dropped: inout [String], tandem: Bool) -> YAMLValue {
        var volumes = MapBuilder()
        for volume in service.volumes {
            var entry = MapBuilder()
            switch volume.kind {
            case .configMap, .secret:
                if !tandem || volume.kind != .configMap(volume.name) {
                    dropped.note("volume \(volume.name): \(tandem ? "Kubernetes secret" : "config map or secret") volumes")
                }
                continue
            case .scratch: break
            case .hostPath(let path):
                if tandem { entry.set("host_path", path) } else { dropped.note("volume \(volume.name): host path") }
            case .efs(let efs):
                if tandem {
                    dropped.note("volume \(volume.name): EFS file system (a local run gets a scratch folder)")
                } else if efs.managed {
                    var managed = MapBuilder()
                    managed.set("uid", efs.uid)
                    managed.set("gid", efs.gid)
                    entry.set("efs", managed.value.isEmpty ? .bool(true) : managed.value)
                } else {
                    var config = MapBuilder()
                    config.set("id", efs.fileSystemId)
                    config.set("root_dir", efs.rootDirectory)
                    var auth = MapBuilder()
                    if let iam = efs.iamAuthorization { auth.set("iam", .bool(iam)) }
                    auth.set("access_point_id", efs.accessPointId)
                    config.set("auth", auth.value)
                    entry.set("efs", config.value)
                }
            }
            entry.set("path", volume.mainMountPath)
            if !volume.readOnly { entry.set("read_only", .bool(false)) }
            // A volume with nothing else to say still needs an entry for mount_points to name.
            if entry.value.isEmpty { entry.set("read_only", .bool(volume.readOnly)) }
            volumes.set(volume.name, entry.value)
        }
        return volumes.value.isEmpty ? .map([]) : .map([("volumes", volumes.value)])
    }
}

/// How container names carry into a target: the first main process takes the name the target gives it
/// (Copilot and Tandem name it after the service), names the target cannot hold are made into DNS labels,
/// and other main processes map to nil where the target has room for one only.
public struct ContainerNames {
    private var map: [String: String] = [:]
    /// The name for a stand-in main process when the input has none.
    let standInMain: String

    init(_ service: Service, mainName: String, dnsLabels: Bool, onlyOneMain: Bool = false, dropped: inout [String]) {
        var taken = Set<String>()
        let mains = service.mainContainers
        for container in service.containers {
            var name: String
            if container.name == mains.first?.name {
                name = mainName
            } else if onlyOneMain && container.role == .main {
                continue
            } else {
                name = dnsLabels ? Self.dnsLabel(container.name) : container.name
            }
            let base = name
            var suffix = 2
            while taken.contains(name) {
                name = "\(base)-\(suffix)"
                suffix += 1
            }
            taken.insert(name)
            if name != container.name && container.name != mains.first?.name {
                dropped.note("container \"\(container.name)\" is renamed \"\(name)\"")
            }
            map[container.name] = name
        }
        var standIn = mains.isEmpty && taken.contains(mainName) ? "\(mainName)-app" : mainName
        while mains.isEmpty && taken.contains(standIn) { standIn += "-app" }
        standInMain = standIn
    }

    subscript(name: String) -> String? { map[name] }
    subscript(name: String, default fallback: String) -> String { map[name] ?? fallback }

    /// Lower-case letters, digits and single dashes, starting with a letter: a Kubernetes container name.
    public static func dnsLabel(_ name: String) -> String {
        var result = ""
        for scalar in name.lowercased().unicodeScalars {
            let allowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if allowed {
                result.unicodeScalars.append(scalar)
            } else if !result.hasSuffix("-") && !result.isEmpty {
                result += "-"
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        if result.isEmpty || !(result.first?.isLetter ?? false) { result = "c-" + result }
        return String(result.prefix(63))
    }
}
