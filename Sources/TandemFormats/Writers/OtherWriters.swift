import Foundation
import TandemCore

extension ManifestWriter {
    // MARK: Copilot

    public static func copilot(_ service: Service, type: String = "Backend Service") -> ConversionResult {
        var dropped: [String] = []
        var root = MapBuilder()
        root.set("name", service.name)
        root.set("type", service.trafficTarget != nil || service.mainContainers.first?.ports.isEmpty == false ? "Load Balanced Web Service" : type)
        let mains = service.mainContainers
        guard let main = mains.first else { return ConversionResult(text: root.value.yaml(), dropped: ["the service has no main process"]) }
        if mains.count > 1 { dropped.note("processes \(mains.dropFirst().map(\.name).joined(separator: ", ")) (a Copilot service has one main container)") }
        // Copilot names the main container after the service; other processes have no place in the task.
        let names = ContainerNames(service, mainName: service.name, dnsLabels: false, onlyOneMain: true, dropped: &dropped)
        var image = MapBuilder()
        image.set("location", main.image)
        if main.image == nil { image.set("build", main.imageBuild) }
        if main.image == nil && main.imageBuild == nil { dropped.note("the main process has no image; Copilot needs image.location or image.build") }
        var fields = containerFields(main, service: service, dropped: &dropped, name: "the main process", names: names, copilot: true)
        for (from, to) in [
            ("port", "port"), ("healthcheck", "healthcheck"), ("image.depends_on", "depends_on"), ("credentialsParameter", "credentials"), ("labels", "labels"),
        ] {
            if let index = fields.firstIndex(where: { $0.0 == from }) { image.set(to, fields.remove(at: index).1) }
        }
        root.set("image", image.value)
        for (key, value) in fields where key != "mount_points" { root.set(key, value) }
        if let cpu = main.resources.cpuLimit?.value { root.set("cpu", cpu * 1024 / 1000) }
        if let memory = main.resources.memoryLimit?.value { root.set("memory", memory) }
        if let target = service.trafficTarget, target.container != main.name, let name = names[target.container] {
            root.set("http", .map([("target_container", .string(name))]))
        }
        root.set("storage", storageValue(service, dropped: &dropped, tandem: false))
        if let logging = service.logging, let router = service.container(named: logging.router) {
            var entries = loggingFields(logging)
            if router.image != CopilotManifestReader.defaultLogRouterImage, let image = router.image { entries.insert(("image", .string(image)), at: 0) }
            if router.command != nil { dropped.note("the log router's command (Copilot runs Fluent Bit)") }
            root.set("logging", .map(entries))
        }
        var sidecars = MapBuilder()
        for sidecar in service.containers where sidecar.role == .sidecar {
            if sidecar.image == nil && sidecar.imageBuild == nil { dropped.note("sidecar \(sidecar.name) has no image; Copilot requires one") }
            if !sidecar.sidecarFor.isEmpty { dropped.note("sidecar \(sidecar.name): sidecar_for (Copilot sidecars serve the whole task)") }
            if sidecar.catalogReference != nil { dropped.note("sidecar \(sidecar.name): catalog reference (resolve it first)") }
            let fields = containerFields(sidecar, service: service, dropped: &dropped, name: "sidecar \(sidecar.name)", names: names, copilot: true)
            sidecars.set(names[sidecar.name, default: sidecar.name], .map(fields))
        }
        root.set("sidecars", sidecars.value)
        return ConversionResult(text: root.value.yaml(), dropped: dropped)
    }

    // MARK: Mia-Platform

    /// One sidecar container as a Marketplace item.
    /// `original`: the item the service was read from, whose fields are kept as written (its resources
    /// are written from the model, keeping those the model does not hold).
    public static func miaItem(
        _ service: Service, container name: String? = nil, itemId: String? = nil, tenantId: String, itemName: String? = nil,
        original: DocumentNode? = nil
    ) -> ConversionResult {
        var dropped: [String] = []
        let candidates = service.containers.filter { $0.role == .sidecar } + service.containers.filter { $0.role == .logRouter }
        guard let sidecar = name.flatMap(service.container(named:)) ?? candidates.first ?? service.containers.first else {
            return ConversionResult(text: "", dropped: ["the service has no container"])
        }
        if name == nil && candidates.count > 1 { dropped.note("sidecars other than \(sidecar.name) (an item holds one sidecar; use --container)") }
        var root = MapBuilder()
        root.set("name", itemName ?? sidecar.name)
        root.set("itemId", itemId ?? sidecar.name)
        if original == nil { root.set("type", "sidecar") }
        root.set("tenantId", tenantId)
        var resources = MapBuilder()
        resources.set("name", sidecar.name)
        resources.set("dockerImage", sidecar.image)
        if sidecar.image == nil { dropped.note("sidecar \(sidecar.name) has no image; a Marketplace item needs dockerImage") }
        if sidecar.command != nil || sidecar.entrypoint != nil { dropped.note("command and entrypoint (an item has only defaultArgs)") }
        resources.set("defaultArgs", .list(sidecar.args.map(YAMLValue.string)))
        resources.set(
            "containerPorts",
            .list(
                sidecar.ports.enumerated().map { index, port in
                    var entry = MapBuilder()
                    entry.set("name", port.name ?? (index == 0 ? "http" : "port-\(index)"))
                    entry.set("from", portValue(port.exposedPort ?? port.containerPort))
                    entry.set("to", portValue(port.containerPort))
                    entry.set("protocol", port.transport.rawValue)
                    return entry.value
                }))
        var variables: [YAMLValue] = []
        for variable in sidecar.environment {
            var entry = MapBuilder()
            entry.set("name", variable.name)
            switch variable.value {
            case .plain(let value):
                entry.set("valueType", "plain")
                entry.set("value", .string(value))
            case .secretKey(let secret, let key):
                entry.set("valueType", "secret")
                entry.set("secretName", secret)
                entry.set("secretKey", key)
            case .configMapFile(let map, let file):
                entry.set("valueType", "configmap")
                entry.set("configMapName", map)
                entry.set("configMapFileName", file)
            case .field(let path, let containerName):
                entry.set("valueType", "downwardAPI")
                entry.set("fieldPath", path)
                entry.set("containerName", containerName)
            case .secretReference(let source):
                dropped.note("variable \(variable.name): secret from \(source) (an item refers to Kubernetes secrets only)")
                continue
            case .cloudFormationExport(let export):
                dropped.note("variable \(variable.name): the CloudFormation export \(export) (an item has no CloudFormation)")
                continue
            }
            variables.append(entry.value)
        }
        resources.set("defaultEnvironmentVariables", .list(variables))
        var configMaps: [YAMLValue] = []
        var secrets: [YAMLValue] = []
        for mount in sidecar.mounts {
            guard let volume = service.volume(named: mount.volume) else { continue }
            switch volume.kind {
            case .configMap(let mapName):
                let files = service.configMap(named: mapName)?.files ?? []
                var entry = MapBuilder()
                entry.set("name", mapName)
                entry.set("mountPath", mount.path)
                entry.set("files", .list(files.map { .map([("name", .string($0.name)), ("content", .string($0.content))]) }))
                configMaps.append(entry.value)
            case .secret(let secretName):
                secrets.append(.map([("name", .string(secretName)), ("mountPath", .string(mount.path))]))
            default:
                dropped.note("mount of volume \(mount.volume) at \(mount.path) (an item mounts config maps and secrets only)")
            }
        }
        resources.set("defaultConfigMaps", .list(configMaps))
        resources.set("defaultSecrets", .list(secrets))
        var probes = MapBuilder()
        for (kind, probe) in [("liveness", sidecar.probes.liveness), ("readiness", sidecar.probes.readiness), ("startup", sidecar.probes.startup)] {
            guard let probe else { continue }
            var entry = MapBuilder()
            switch probe.action {
            case .exec(let argv): entry.set("cmd", .list(argv.map(YAMLValue.string)))
            case .shell(let line): entry.set("cmd", .list(["/bin/sh", "-c", line].map(YAMLValue.string)))
            case .http(let path, let port):
                entry.set("path", path)
                entry.set("port", port?.description)
            case .tcp(let port): entry.set("port", port?.description ?? "")
            }
            if let delay = probe.initialDelay { entry.set("initialDelaySeconds", .double(delay)) }
            if let period = probe.period { entry.set("periodSeconds", .double(period)) }
            if let timeout = probe.timeout { entry.set("timeoutSeconds", .double(timeout)) }
            entry.set("successThreshold", probe.successThreshold)
            entry.set("failureThreshold", probe.failureThreshold)
            probes.set(kind, entry.value)
        }
        resources.set("defaultProbes", probes.value)
        var limits = MapBuilder()
        func quantity(_ value: Quantity?, _ unit: String) -> String? { value.map { "\($0)\(unit)" } }
        var cpu = MapBuilder()
        cpu.set("min", quantity(sidecar.resources.cpuRequest, "m"))
        cpu.set("max", quantity(sidecar.resources.cpuLimit, "m"))
        limits.set("cpuLimits", cpu.value)
        var memory = MapBuilder()
        memory.set("min", quantity(sidecar.resources.memoryRequest, "Mi"))
        memory.set("max", quantity(sidecar.resources.memoryLimit, "Mi"))
        limits.set("memoryLimits", memory.value)
        resources.set("defaultResources", limits.value)
        if let grace = sidecar.stopGracePeriod { resources.set("defaultTerminationGracePeriodSeconds", .double(grace)) }
        if !sidecar.dependsOn.isEmpty { dropped.note("start dependencies (an item has no start order)") }
        if sidecar.restart != .always && sidecar.restart != .never { dropped.note("restart policy") }
        guard let original, case .map(let originalEntries) = YAMLValue(original) else {
            root.set("resources", resources.value)
            return ConversionResult(text: root.value.yaml(), dropped: dropped)
        }
        // The item as it was, in its order, with its resources from the model (and what the model lacks).
        var written = resources.entries
        if case .map(let originalResources)? = originalEntries.first(where: { $0.0 == "resources" })?.1 {
            for entry in originalResources where !written.contains(where: { $0.0 == entry.0 }) { written.append(entry) }
        }
        var entries = originalEntries.map { entry in entry.0 == "resources" ? (entry.0, YAMLValue.map(written)) : entry }
        for (key, value) in root.entries where !entries.contains(where: { $0.0 == key }) { entries.insert((key, value), at: 0) }
        return ConversionResult(text: YAMLValue.map(entries).yaml(), dropped: dropped)
    }

    static func portValue(_ port: PortNumber) -> YAMLValue {
        switch port {
        case .number(let number): .int(number)
        case .placeholder(let name): .string("{{\(name)}}")
        }
    }

    // MARK: Cloud Foundry

    /// `kept`: what the app's own manifest said beyond Tandem's model, written back as it was.
    public static func cloudFoundryManifest(_ service: Service, kept: CloudFoundryAppFields? = nil) -> ConversionResult {
        var dropped: [String] = []
        var app = MapBuilder()
        app.set("name", service.name)
        let mains = service.mainContainers
        var processes: [YAMLValue] = []
        for main in mains {
            var process = MapBuilder()
            process.set("type", main.name == service.name && mains.count == 1 ? "web" : main.name)
            switch main.command {
            case .shell(let line)?: process.set("command", line)
            case .exec(let argv)?: process.set("command", ShellWords.join(argv))
            case nil: break
            }
            // CF's defaults (1G, a port check on web) are left out, as cf create-app-manifest does.
            if let memory = main.resources.memoryLimit?.value, memory != CloudFoundryReader.defaultProcessMemory { process.set("memory", "\(memory)M") }
            let isWeb = main.name == "web" || (main.name == service.name && mains.count == 1)
            if isWeb, case .tcp(.number(CloudFoundryReader.webPort)?)? = main.probes.readiness?.action {
                // the default
            } else if let probe = main.probes.readiness {
                switch probe.action {
                case .http(let path, _):
                    process.set("health-check-type", "http")
                    process.set("health-check-http-endpoint", path)
                case .tcp: process.set("health-check-type", "port")
                default:
                    process.set("health-check-type", "process")
                    dropped.note("\(main.name): command health check (CF checks ports, HTTP or the process)")
                }
            } else {
                process.set("health-check-type", "process")
            }
            // A Docker app runs one image for all of its processes (`docker.image`).
            if let image = main.image, image != mains.first(where: { $0.image != nil })?.image {
                dropped.note("\(main.name): image \(image) (a Cloud Foundry app runs one image, \(mains.first { $0.image != nil }?.image ?? ""))")
            }
            for (key, value) in kept?.processFields[main.name] ?? [] { process.setKeepingEmpty(key, value) }
            processes.append(process.value)
        }
        if processes.isEmpty { processes = [.map([("type", .string("web"))])] }
        if let image = mains.first(where: { $0.image != nil })?.image {
            app.set("docker", .map([("image", .string(image))]))
        }
        app.set("processes", .list(processes))
        var env = MapBuilder()
        for variable in mains.first?.environment ?? [] {
            if case .plain(let value) = variable.value, variable.name != "PORT" {
                env.set(variable.name, .string(value))
            } else if variable.value.isSecret {
                dropped.note("secret variables (bind a service instead)")
            }
        }
        app.set("env", env.value)
        let processType: (String) -> String = { name in name == service.name && mains.count == 1 ? "web" : name }
        var sidecars: [YAMLValue] = []
        for sidecar in service.containers where sidecar.role == .sidecar {
            var entry = MapBuilder()
            entry.set("name", sidecar.name)
            var served = sidecar.sidecarFor.isEmpty ? mains.map { processType($0.name) } : sidecar.sidecarFor.map(processType)
            if served.isEmpty { served = ["web"] }
            entry.set("process_types", .list(served.map(YAMLValue.string)))
            switch sidecar.command {
            case .shell(let line)?: entry.set("command", line)
            case .exec(let argv)?: entry.set("command", ShellWords.join(argv))
            case nil:
                dropped.note("sidecar \(sidecar.name): it has no command, and CF runs commands, not images")
                continue
            }
            if let memory = sidecar.resources.memoryLimit?.value { entry.set("memory", "\(memory)M") }
            if !sidecar.dependsOn.isEmpty { dropped.note("start order (CF starts sidecars with their process)") }
            if !sidecar.probes.isEmpty { dropped.note("sidecar health checks (CF watches a sidecar's process only)") }
            if !sidecar.environment.isEmpty { dropped.note("per-sidecar environment (CF sidecars share the app's)") }
            sidecars.append(entry.value)
        }
        app.set("sidecars", .list(sidecars.sorted { ($0.yaml()) < ($1.yaml()) }))
        if !service.volumes.isEmpty { dropped.note("volumes (CF instances share one ephemeral disk)") }
        if service.logging != nil { dropped.note("log routing (CF's loggregator collects every process's output)") }
        // The app's own settings first, after its name, where people write them.
        var ordered = app.entries
        ordered.insert(contentsOf: kept?.fields ?? [], at: 1)
        let root: YAMLValue = .map([("applications", .list([.map(ordered)]))])
        return ConversionResult(text: "---\n" + root.yaml(), dropped: dropped)
    }
}

extension ShellWords {
    /// Quotes arguments so that `split` gives them back.
    static func join(_ words: [String]) -> String {
        words.map { word in
            let safe = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0) }
            return safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
