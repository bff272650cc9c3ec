import TandemCore

/// Reads Tandem's own manifest (`tandem: v1`): Copilot's field names for what Copilot has, plus what a
/// local run needs (commands, probes, memory limits, restart policies, extra processes, catalog sidecars).
///
/// Defaults, stated once: the main process and every entry of `processes` are essential and not
/// restarted (`restart: never`); sidecars are not essential and restart always, as Kubernetes restarts
/// native sidecars; the log router is essential and stops last.
public struct TandemManifestReader: Sendable {
    public static let version = "v1"
    public static let logRouterName = "log-router"
    static let containerFields = [
        "image", "build", "command", "entrypoint", "args", "working_dir", "port", "ports", "variables", "secrets", "env_file",
        "healthcheck", "probes", "memory", "cpu", "restart", "stop_grace_period", "depends_on", "essential", "labels",
        "mount_points", "credentials", "notify_ready", "notify_fd", "forward_signals", "restart_limit",
    ]

    /// Signals a local run can pass on (what stops the unit, and SIGKILL/SIGSTOP, cannot be).
    public static let forwardableSignals = [
        "HUP", "QUIT", "USR1", "USR2", "ALRM", "WINCH", "CONT", "TSTP", "URG", "PWR", "VTALRM", "PROF", "IO", "XCPU", "XFSZ", "STKFLT",
    ]

    public init() {}

    public func read(_ root: DocumentNode, file: String) -> (service: Service?, diagnostics: [Diagnostic]) {
        let context = ReadContext(file: file, strictTypes: false)
        let service = Reading(context: context).readService(root)
        var diagnostics = context.diagnostics
        if let service { diagnostics += ServiceValidator().validate(service, file: file) }
        return (service, diagnostics)
    }

    private struct Reading {
        let context: ReadContext

        func readService(_ root: DocumentNode) -> Service? {
            guard var fields = Fields(root, path: "", context: context) else { return nil }
            if let version = fields.string("tandem", required: true), version != TandemManifestReader.version, let node = fields.node("tandem") {
                context.error(node, "tandem", "this Tandem reads manifest version v1, found \"\(version)\"")
            }
            guard let name = fields.string("name", required: true) else { return nil }
            if !name.isEmpty && !isDNSLabel(name), let node = fields.node("name") {
                context.error(node, "name", "must be lower-case letters, digits and \"-\", starting with a letter, found \"\(name)\"")
            }
            var service = Service(name: name, origin: Origin(path: "", location: context.at(root)))
            var main = Container(
                name: name, role: .main, essential: true, restart: .never, origin: Origin(path: "name", location: context.at(fields.node("name"))))
            readContainerFields(&fields, path: "", into: &main)
            var containers = [main]

            if let processesNode = fields.value("processes"), let processes = Fields(processesNode, path: "processes", context: context) {
                for entry in processes.allEntries {
                    let path = FieldPath.child("processes", entry.key)
                    guard var processFields = Fields(entry.value, path: path, context: context) else { continue }
                    checkName(entry, path: path)
                    var process = Container(
                        name: entry.key, role: .main, essential: true, restart: .never, origin: Origin(path: path, location: context.at(entry.keyPosition)))
                    readContainerFields(&processFields, path: path, into: &process)
                    processFields.reportUnknown()
                    containers.append(process)
                }
            }
            if let storage = fields.value("storage") { readStorage(storage, service: &service, main: &containers[0]) }
            if let configNode = fields.value("config_maps") { readConfigMaps(configNode, service: &service) }
            if let logging = fields.value("logging"), let router = readLogging(logging, service: &service) {
                containers.insert(router, at: 1)
            }
            if let sidecarsNode = fields.value("sidecars"), let sidecars = Fields(sidecarsNode, path: "sidecars", context: context) {
                for entry in sidecars.allEntries {
                    let path = FieldPath.child("sidecars", entry.key)
                    guard var sidecarFields = Fields(entry.value, path: path, context: context) else { continue }
                    checkName(entry, path: path)
                    var sidecar = Container(
                        name: entry.key, role: .sidecar, essential: false, restart: .always, origin: Origin(path: path, location: context.at(entry.keyPosition))
                    )
                    readContainerFields(&sidecarFields, path: path, into: &sidecar)
                    sidecar.sidecarFor = sidecarFields.stringList("sidecar_for") ?? []
                    if let referenceNode = sidecarFields.value("from_catalog") {
                        sidecar.catalogReference = readCatalogReference(referenceNode, path: FieldPath.child(path, "from_catalog"))
                    }
                    if sidecar.command == nil && sidecar.image == nil && sidecar.imageBuild == nil && sidecar.catalogReference == nil {
                        context.error(entry.value, path, "a sidecar needs a \"command\" to run locally, an \"image\" to deploy, or \"from_catalog\"")
                    }
                    sidecarFields.reportUnknown()
                    containers.append(sidecar)
                }
            }
            if containers[0].command == nil && containers[0].image == nil && containers[0].imageBuild == nil {
                context.error(root, "", "the main process needs a \"command\" to run locally, or an \"image\" or \"build\" to deploy")
            }
            service.containers = containers
            if let http = fields.value("http"), var httpFields = Fields(http, path: "http", context: context) {
                if let target = httpFields.string("target_container") {
                    service.trafficTarget = TrafficTarget(
                        container: target, port: httpFields.int("target_port"),
                        origin: Origin(path: "http.target_container", location: context.at(httpFields.node("target_container"))))
                }
                httpFields.reportUnknown()
            }
            service.labels = ContainerFields.labels(&fields, key: "service_labels")
            service.stopTimeout = fields.positiveDuration("stop_timeout", example: "10s")
            fields.reportUnknown()
            return service
        }

        func checkName(_ entry: DocumentNode.Entry, path: String) {
            if !isDNSLabel(entry.key) {
                context.report(
                    .error, at: context.at(entry.keyPosition), path: path,
                    "a name must be lower-case letters, digits and \"-\", starting with a letter (it becomes a container name)")
            }
        }

        func isDNSLabel(_ name: String) -> Bool {
            guard let first = name.unicodeScalars.first, let last = name.unicodeScalars.last, name.unicodeScalars.count <= 63 else { return false }
            return ("a"..."z").contains(first) && (("a"..."z").contains(last) || ("0"..."9").contains(last))
                && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        }

        func readContainerFields(_ fields: inout Fields, path: String, into container: inout Container) {
            container.image = fields.string("image")
            container.imageBuild = fields.string("build")
            container.registryCredentials = fields.string("credentials")
            if let node = fields.value("command") {
                if node.items != nil {
                    container.command = Fields.stringList(node, path: fields.childPath("command"), context: context).map(Command.exec)
                } else if let line = Fields.string(node, path: fields.childPath("command"), context: context) {
                    container.command = .shell(line)
                }
            }
            if let node = fields.value("entrypoint") {
                container.entrypoint = ContainerFields.arguments(node, path: fields.childPath("entrypoint"), context: context)
            }
            container.args = fields.stringList("args") ?? []
            container.workingDirectory = fields.string("working_dir")
            if let portNode = fields.value("port"), let (number, transport) = ContainerFields.port(portNode, path: fields.childPath("port"), context: context) {
                container.ports.append(
                    Port(containerPort: .number(number), transport: transport, origin: Origin(path: fields.childPath("port"), location: context.at(portNode))))
            }
            if let portsNode = fields.value("ports") {
                if fields.has("port") {
                    context.error(portsNode, fields.childPath("ports"), "use either \"port\" or \"ports\", not both")
                }
                readPorts(portsNode, path: fields.childPath("ports"), into: &container)
            }
            container.environment = ContainerFields.variables(&fields, context: context) + ContainerFields.secrets(&fields, context: context, allowLocal: true)
            container.environmentFiles = ContainerFields.environmentFile(&fields, context: context)
            if let healthNode = fields.value("healthcheck") {
                if let probe = ContainerFields.healthcheck(healthNode, path: fields.childPath("healthcheck"), context: context) {
                    container.probes.readiness = probe
                    container.probes.liveness = probe
                }
            }
            if let probesNode = fields.value("probes") {
                if fields.has("healthcheck") {
                    context.error(probesNode, fields.childPath("probes"), "use either \"healthcheck\" or \"probes\", not both")
                }
                readProbes(probesNode, path: fields.childPath("probes"), into: &container)
            }
            if let memoryNode = fields.value("memory") {
                container.resources.memoryLimit = memory(memoryNode, path: fields.childPath("memory")).map(Quantity.value)
            }
            if let cpuNode = fields.value("cpu") { container.resources.cpuLimit = cpu(cpuNode, path: fields.childPath("cpu")).map(Quantity.value) }
            if let restartText = fields.string("restart") {
                if let policy = RestartPolicy(rawValue: restartText) {
                    container.restart = policy
                    container.stated.append("restart")
                } else if let node = fields.node("restart") {
                    context.error(node, fields.childPath("restart"), "must be always, on-failure or never, found \"\(restartText)\"")
                }
            }
            if let graceText = fields.string("stop_grace_period") {
                if let seconds = GoDuration.seconds(graceText) {
                    container.stopGracePeriod = seconds
                } else if let node = fields.node("stop_grace_period") {
                    context.error(node, fields.childPath("stop_grace_period"), "expected a duration such as 10s, found \"\(graceText)\"")
                }
            }
            container.dependsOn = ContainerFields.dependencies(&fields, context: context)
            if let essential = fields.bool("essential") {
                container.essential = essential
                container.stated.append("essential")
            }
            if let notify = fields.bool("notify_ready") { container.notifyReady = notify }
            if let descriptorNode = fields.node("notify_fd"), let descriptor = fields.int("notify_fd") {
                if !(3...1023).contains(descriptor) {
                    context.error(
                        descriptorNode, fields.childPath("notify_fd"),
                        "expected a descriptor number from 3 to 1023 (0, 1 and 2 are the standard streams), found \(descriptor)")
                } else if container.notifyReady {
                    context.error(descriptorNode, fields.childPath("notify_fd"), "use either notify_ready or notify_fd, not both")
                } else {
                    container.notifyDescriptor = descriptor
                }
            }
            if let signalsNode = fields.value("forward_signals") {
                container.forwardSignals = readSignals(signalsNode, path: fields.childPath("forward_signals"))
            }
            if let limitNode = fields.value("restart_limit") { container.restartLimit = readRestartLimit(limitNode, path: fields.childPath("restart_limit")) }
            container.labels = ContainerFields.labels(&fields)
            if let mountsNode = fields.value("mount_points") {
                container.mounts += ContainerFields.mountPoints(mountsNode, path: fields.childPath("mount_points"), context: context)
            }
        }

        /// `[HUP, USR1]` (with or without `SIG`, any case), or `[]` for none.
        func readSignals(_ node: DocumentNode, path: String) -> [String]? {
            guard let items = node.items else {
                context.error(node, path, "expected a list of signal names such as [HUP, USR1], found \(Fields.describe(node))")
                return nil
            }
            var names: [String] = []
            for (index, item) in items.enumerated() {
                guard let text = item.scalar?.text, !text.isEmpty else {
                    context.error(item, FieldPath.index(path, index), "expected a signal name, found \(Fields.describe(item))")
                    continue
                }
                var name = text.uppercased()
                if name.hasPrefix("SIG") { name.removeFirst(3) }
                guard TandemManifestReader.forwardableSignals.contains(name) else {
                    let why =
                        ["TERM", "INT"].contains(name) ? " (it stops the unit, in order)" : ["KILL", "STOP"].contains(name) ? " (it cannot be caught)" : ""
                    context.error(
                        item, FieldPath.index(path, index),
                        "\"\(text)\" cannot be forwarded\(why); expected one of \(TandemManifestReader.forwardableSignals.joined(separator: ", "))")
                    continue
                }
                if !names.contains(name) { names.append(name) }
            }
            return names
        }

        /// `{restarts: 10, within: 60s, backoff_max: 30s}`.
        func readRestartLimit(_ node: DocumentNode, path: String) -> RestartLimit? {
            guard var fields = Fields(node, path: path, context: context) else { return nil }
            var limit = RestartLimit()
            if let restarts = fields.int("restarts"), let restartsNode = fields.node("restarts") {
                if restarts >= 0 {
                    limit.restarts = restarts
                } else {
                    context.error(restartsNode, fields.childPath("restarts"), "expected 0 or more, found \(restarts)")
                }
            }
            limit.window = fields.positiveDuration("within", example: "30s")
            limit.backoffMax = fields.positiveDuration("backoff_max", example: "30s")
            fields.reportUnknown()
            return limit
        }

        func readPorts(_ node: DocumentNode, path: String, into container: inout Container) {
            guard let items = node.items else {
                context.error(node, path, "expected a list of ports, found \(Fields.describe(node))")
                return
            }
            for (index, item) in items.enumerated() {
                let itemPath = FieldPath.index(path, index)
                if item.entries != nil, var fields = Fields(item, path: itemPath, context: context) {
                    let name = fields.string("name")
                    guard let portNode = fields.value("port", required: true),
                        let (number, transport) = ContainerFields.port(portNode, path: FieldPath.child(itemPath, "port"), context: context)
                    else {
                        fields.reportUnknown()
                        continue
                    }
                    let exposed = fields.int("exposed")
                    fields.reportUnknown()
                    container.ports.append(
                        Port(
                            name: name, containerPort: .number(number), exposedPort: exposed.map(PortNumber.number), transport: transport,
                            origin: Origin(path: itemPath, location: context.at(item))))
                } else if let (number, transport) = ContainerFields.port(item, path: itemPath, context: context) {
                    container.ports.append(
                        Port(containerPort: .number(number), transport: transport, origin: Origin(path: itemPath, location: context.at(item))))
                }
            }
        }

        func readProbes(_ node: DocumentNode, path: String, into container: inout Container) {
            guard var probes = Fields(node, path: path, context: context) else { return }
            for kind in ["startup", "readiness", "liveness"] {
                guard let probeNode = probes.value(kind) else { continue }
                let probe = readProbe(probeNode, path: FieldPath.child(path, kind))
                switch kind {
                case "startup": container.probes.startup = probe
                case "readiness": container.probes.readiness = probe
                default: container.probes.liveness = probe
                }
            }
            probes.reportUnknown()
        }

        func readProbe(_ node: DocumentNode, path: String) -> Probe? {
            guard var fields = Fields(node, path: path, context: context) else { return nil }
            var actions: [Probe.Action] = []
            if let httpNode = fields.value("http") {
                if var http = Fields(httpNode, path: fields.childPath("http"), context: context) {
                    let httpPath = http.string("path") ?? "/"
                    let port = http.value("port").flatMap { ContainerFields.port($0, path: http.childPath("port"), context: context) }
                    http.reportUnknown()
                    actions.append(.http(path: httpPath, port: port.map { .number($0.0) }))
                }
            }
            if let tcpNode = fields.value("tcp") {
                if var tcp = Fields(tcpNode, path: fields.childPath("tcp"), context: context) {
                    let port = tcp.value("port", required: true).flatMap { ContainerFields.port($0, path: tcp.childPath("port"), context: context) }
                    tcp.reportUnknown()
                    actions.append(.tcp(port: port.map { .number($0.0) }))
                }
            }
            if let execNode = fields.value("exec") {
                if let argv = Fields.stringList(execNode, path: fields.childPath("exec"), context: context) { actions.append(.exec(argv)) }
            }
            if let shell = fields.string("shell") { actions.append(.shell(shell)) }
            var probe = Probe(action: actions.first ?? .exec([]), origin: Origin(path: path, location: context.at(node)))
            func seconds(_ key: String) -> Double? {
                guard let text = fields.string(key) else { return nil }
                if let value = GoDuration.seconds(text) { return value }
                context.report(
                    .error, at: context.at(fields.node(key)), path: fields.childPath(key), "expected a duration such as 5s or 500ms, found \"\(text)\"")
                return nil
            }
            probe.initialDelay = seconds("initial_delay")
            probe.period = seconds("period")
            probe.timeout = seconds("timeout")
            probe.successThreshold = fields.int("success_threshold")
            probe.failureThreshold = fields.int("failure_threshold")
            fields.reportUnknown()
            guard actions.count == 1 else {
                context.error(
                    node, path, actions.isEmpty ? "a probe needs one of http, tcp, exec or shell" : "a probe takes only one of http, tcp, exec or shell")
                return nil
            }
            return probe
        }

        /// MiB: `256` (MiB), `"256Mi"`, `"256M"`, `"1Gi"`, `"1G"`.
        func memory(_ node: DocumentNode, path: String) -> Int? {
            if case .int(let number)? = node.value { return number }
            if let text = node.scalar?.text {
                let digits = text.prefix { $0.isNumber }
                if let amount = Int(digits) {
                    switch text.dropFirst(digits.count) {
                    case "Mi", "M", "MB", "MiB": return amount
                    case "Gi", "G", "GB", "GiB": return amount * 1024
                    default: break
                    }
                }
            }
            context.error(node, path, "expected memory in MiB (256) or with a unit (\"256Mi\", \"1Gi\"), found \(Fields.describe(node))")
            return nil
        }

        /// Millicores: `"500m"`, or cores as a number (`0.5`, `2`).
        func cpu(_ node: DocumentNode, path: String) -> Int? {
            switch node.value {
            case .int(let cores)?: return cores * 1000
            case .double(let cores)?: return Int((cores * 1000).rounded())
            case .string(let text)? where text.hasSuffix("m"): if let value = Int(text.dropLast()) { return value }
            default: break
            }
            context.error(node, path, "expected CPU as millicores (\"500m\") or cores (0.5), found \(Fields.describe(node))")
            return nil
        }

        func readCatalogReference(_ node: DocumentNode, path: String) -> CatalogReference? {
            guard var fields = Fields(node, path: path, context: context) else { return nil }
            let company = fields.string("company")
            let item = fields.string("item", required: true)
            let version = fields.string("version")
            fields.reportUnknown()
            return item.map { CatalogReference(company: company, itemId: $0, version: version) }
        }

        func readStorage(_ node: DocumentNode, service: inout Service, main: inout Container) {
            ContainerFields.storage(node, context: context, requirePath: false, ignoring: [], service: &service, main: &main) { fields, _ in
                fields.string("host_path").map(Volume.Kind.hostPath) ?? .scratch
            }
        }

        /// `config_maps.<name>.files.<file>: content`; each config map is also a volume of the same name.
        func readConfigMaps(_ node: DocumentNode, service: inout Service) {
            guard let maps = Fields(node, path: "config_maps", context: context) else { return }
            for entry in maps.allEntries {
                let path = FieldPath.child("config_maps", entry.key)
                guard var fields = Fields(entry.value, path: path, context: context) else { continue }
                var files: [ConfigFile] = []
                for (fileName, content, fileNode) in fields.stringMap("files") ?? [] {
                    files.append(
                        ConfigFile(
                            name: fileName, content: content,
                            origin: Origin(path: FieldPath.child(FieldPath.child(path, "files"), fileName), location: context.at(fileNode))))
                }
                fields.reportUnknown()
                let origin = Origin(path: path, location: context.at(entry.keyPosition))
                service.configMaps.append(ConfigMap(name: entry.key, files: files, origin: origin))
                service.volumes.append(Volume(name: entry.key, kind: .configMap(entry.key), readOnly: true, origin: origin))
            }
        }

        func readLogging(_ node: DocumentNode, service: inout Service) -> Container? {
            guard var fields = Fields(node, path: "logging", context: context) else { return nil }
            var router = Container(
                name: TandemManifestReader.logRouterName, role: .logRouter, essential: true, restart: .onFailure,
                origin: Origin(path: "logging", location: context.at(node)))
            readContainerFields(&fields, path: "logging", into: &router)
            var routing = LogRouting(router: router.name, origin: router.origin)
            for (key, value, _) in fields.stringMap("destination") ?? [] { routing.destination[key] = value }
            for (key, source, _) in ContainerFields.secretMap(&fields, key: "secretOptions", context: context, allowLocal: false) {
                routing.secretOptions[key] = source
            }
            routing.enableMetadata = fields.bool("enableMetadata") ?? true
            routing.configFilePath = fields.string("configFilePath")
            routing.retentionDays = fields.int("retention")
            fields.reportUnknown()
            if router.command == nil && router.image == nil && routing.destination.isEmpty {
                context.error(
                    node, "logging", "the log router needs a \"command\" (a process reading JSON lines on its stdin), an \"image\", or a \"destination\"")
            }
            service.logging = routing
            return router
        }
    }
}
