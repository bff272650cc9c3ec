import TandemCore

/// Reads an AWS Copilot service manifest: the main container, `sidecars`, the FireLens `logging` pattern,
/// `storage.volumes`, `http` routing, and `environments.<env>` overrides merged as Copilot merges them.
public struct CopilotManifestReader: Sendable {
    public static let serviceTypes = [
        "Load Balanced Web Service", "Backend Service", "Worker Service", "Request-Driven Web Service", "Scheduled Job",
        "Static Site",
    ]
    public static let logRouterName = "firelens_log_router"
    public static let defaultLogRouterImage = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"

    /// Fields Copilot knows that do not bear on sidecars; they are accepted and left alone.
    static let otherTopLevelFields = [
        "cpu", "memory", "count", "exec", "platform", "network", "deployment", "publish", "observability",
        "taskdef_overrides", "nlb", "subscribe", "on", "retries", "timeout", "files", "instance", "source", "tags",
        "entrypoint", "command", "version",
    ]

    /// The application the manifest is deployed in (`${COPILOT_APPLICATION_NAME}`).
    public var application: String?
    /// What `${NAME}` reads besides the reserved names: the environment of the process, normally.
    public var variables: [String: String]

    public init(application: String? = nil, variables: [String: String] = [:]) {
        self.application = application
        self.variables = variables
    }

    /// A manifest as read: the service, what Copilot's templates need beyond it, and the diagnostics.
    public struct Result: Sendable {
        public var service: Service?
        public var workload: CopilotWorkload?
        public var diagnostics: [Diagnostic]
    }

    /// The environments the manifest overrides, in file order.
    public func environments(in root: DocumentNode) -> [String] {
        root["environments"]?.entries?.map(\.key) ?? []
    }

    /// Reads the manifest as deployed to `environment` (its overrides merged), or the base manifest.
    public func read(_ root: DocumentNode, file: String, environment: String? = nil) -> (service: Service?, diagnostics: [Diagnostic]) {
        let result = readWorkload(root, file: file, environment: environment)
        return (result.service, result.diagnostics)
    }

    /// Reads the manifest as Copilot deploys it to `environment`: interpolated, then its overrides
    /// merged (an environment the manifest does not override gets the base manifest, as in Copilot).
    public func readWorkload(_ root: DocumentNode, file: String, environment: String? = nil) -> Result {
        let context = ReadContext(file: file, strictTypes: false)
        let interpolation = CopilotInterpolation(application: application, environment: environment, variables: variables, strict: environment != nil)
        var document = interpolation.apply(root, path: "", context: context)
        if let environment, let overrides = document["environments"]?[environment] {
            document = ManifestMerge.merge(base: document, override: overrides)
        }
        let reading = Reading(context: context)
        guard let service = reading.readService(document) else { return Result(service: nil, workload: nil, diagnostics: context.diagnostics) }
        let workload = reading.readWorkload(document, service: service)
        var diagnostics = context.diagnostics
        diagnostics += ServiceValidator().validate(service, file: file)
        if let workload { diagnostics += CopilotRules.check(workload, service: service, file: file) }
        return Result(service: service, workload: workload, diagnostics: diagnostics)
    }

    /// The base manifest and every environment, diagnostics merged and de-duplicated.
    public func readAll(_ root: DocumentNode, file: String) -> (service: Service?, diagnostics: [Diagnostic]) {
        let (service, base) = read(root, file: file)
        var diagnostics = base
        for environment in environments(in: root) {
            let (_, more) = read(root, file: file, environment: environment)
            diagnostics += more.map { diagnostic in
                var diagnostic = diagnostic
                if !diagnostics.contains(diagnostic) { diagnostic.message += " (in environment \"\(environment)\")" }
                return diagnostic
            }
        }
        return (service, Diagnostic.ordered(diagnostics))
    }

    private struct Reading {
        let context: ReadContext

        func readService(_ root: DocumentNode) -> Service? {
            guard var fields = Fields(root, path: "", context: context) else { return nil }
            guard let name = fields.string("name", required: true) else { return nil }
            let type = fields.string("type")
            if let type, !CopilotManifestReader.serviceTypes.contains(type), let node = fields.node("type") {
                // Copilot's own words first, then the types it knows.
                context.error(node, "type", "invalid manifest type: \(type) (Copilot knows \(CopilotManifestReader.serviceTypes.joined(separator: ", ")))")
            }
            var service = Service(name: name, origin: Origin(path: "", location: context.at(root)))
            var main = Container(name: name, role: .main, essential: true, origin: Origin(path: "name", location: context.at(fields.node("name"))))
            main.restart = .never

            if let imageNode = fields.value("image") {
                readMainImage(imageNode, into: &main)
            }
            if let node = fields.value("command") { main.command = ContainerFields.arguments(node, path: "command", context: context).map(Command.exec) }
            if let node = fields.value("entrypoint") { main.entrypoint = ContainerFields.arguments(node, path: "entrypoint", context: context) }
            main.environment = ContainerFields.variables(&fields, context: context) + ContainerFields.secrets(&fields, context: context, allowLocal: false)
            main.environmentFiles = ContainerFields.environmentFile(&fields, context: context)
            if let memory = fields.int("memory") { main.resources.memoryLimit = .value(memory) }
            if let cpu = fields.int("cpu") { main.resources.cpuLimit = .value(cpu * 1000 / 1024) }

            if let storage = fields.value("storage") { readStorage(storage, service: &service, main: &main) }
            var containers = [main]
            if let logging = fields.value("logging"), let router = readLogging(logging, service: &service) {
                containers.append(router)
            }
            if let sidecarsNode = fields.value("sidecars") {
                if type == "Request-Driven Web Service" {
                    context.error(sidecarsNode, "sidecars", "sidecars are not supported for Request-Driven Web Services")
                }
                if type == "Static Site" {
                    // A Static Site is files on S3 behind CloudFront: it has no containers.
                    context.error(sidecarsNode, "sidecars", "sidecars are not supported for Static Sites (a Static Site serves files, it runs no containers)")
                }
                if let sidecars = Fields(sidecarsNode, path: "sidecars", context: context) {
                    for entry in sidecars.allEntries {
                        if let sidecar = readSidecar(entry) { containers.append(sidecar) }
                    }
                }
            }
            service.containers = containers
            if let http = fields.value("http") { readHTTP(http, service: &service) }
            _ = fields.node("environments")
            for key in CopilotManifestReader.otherTopLevelFields { _ = fields.node(key) }
            fields.reportUnknown(known: ["name", "type", "image", "variables", "secrets", "env_file", "storage", "logging", "sidecars", "http", "environments"])
            return service
        }

        /// What Copilot's templates need beyond the containers; the fields were checked by `readService`.
        func readWorkload(_ root: DocumentNode, service: Service) -> CopilotWorkload? {
            guard let typeName = root["type"]?.scalar?.text, let kind = CopilotWorkload.Kind(rawValue: typeName) else { return nil }
            var workload = CopilotWorkload(name: service.name, kind: kind)
            if root["http"]?.value == .bool(false) { workload.httpDisabled = true }
            if let http = root["http"], http.entries != nil {
                workload.importedLoadBalancer = http["alb"]?.scalar?.text
                let main = routingRule(http, path: "http")
                let additional = http["additional_rules"]?.items ?? []
                let empty = http.entries?.allSatisfy { ["additional_rules", "alb"].contains($0.key) } ?? true
                if !empty || !additional.isEmpty { workload.routingRules.append(main) }
                for (index, rule) in additional.enumerated() {
                    workload.routingRules.append(routingRule(rule, path: FieldPath.index("http.additional_rules", index)))
                }
            }
            if let nlb = root["nlb"], nlb.entries != nil {
                if let listener = listener(nlb, path: "nlb") { workload.listeners.append(listener) }
                for (index, item) in (nlb["additional_listeners"]?.items ?? []).enumerated() {
                    if let listener = listener(item, path: FieldPath.index("nlb.additional_listeners", index)) { workload.listeners.append(listener) }
                }
            }
            for topic in root["publish"]?["topics"]?.items ?? [] {
                guard let name = topic["name"]?.scalar?.text else { continue }
                let fifo = topic["fifo"]
                let isFIFO: Bool
                switch fifo?.value {
                case .bool(let flag)?: isFIFO = flag
                default: isFIFO = fifo?.entries != nil
                }
                let deduplication = fifo?["content_based_deduplication"]?.value == .bool(true)
                workload.topics.append(.init(name: name, fifo: isFIFO, contentBasedDeduplication: deduplication))
            }
            for topic in root["subscribe"]?["topics"]?.items ?? [] {
                guard let name = topic["name"]?.scalar?.text, let service = topic["service"]?.scalar?.text else { continue }
                let queue = topic["queue"]
                let fifo: Bool
                switch queue?["fifo"]?.value {
                case .bool(let flag)?: fifo = flag
                default: fifo = queue?["fifo"]?.entries != nil
                }
                workload.subscriptions.append(.init(service: service, name: name, hasQueue: queue != nil, fifo: fifo))
            }
            if case .int(let size)? = root["storage"]?["ephemeral"]?.value {
                workload.ephemeralStorage = size
                if !(20...200).contains(size), let node = root["storage"]?["ephemeral"] {
                    context.error(node, "storage.ephemeral", "value must be between 20 and 200 GiB")
                }
            }
            if case .bool(let flag)? = root["storage"]?["readonly_fs"]?.value { workload.readonlyRootFilesystem = flag }
            return workload
        }

        func routingRule(_ node: DocumentNode, path: String) -> CopilotWorkload.RoutingRule {
            let container = node["target_container"]?.scalar?.text ?? node["targetContainer"]?.scalar?.text
            var port: Int?
            if case .int(let number)? = node["target_port"]?.value { port = number }
            return .init(targetContainer: container, targetPort: port, origin: Origin(path: path, location: context.at(node)))
        }

        func listener(_ node: DocumentNode, path: String) -> CopilotWorkload.Listener? {
            guard let portNode = node["port"] else { return nil }
            let portText: String
            switch portNode.value {
            case .int(let number)?: portText = String(number)
            case .string(let text)?: portText = text
            default:
                context.error(portNode, FieldPath.child(path, "port"), "expected a port such as 443/tls, found \(Fields.describe(portNode))")
                return nil
            }
            let parts = portText.split(separator: "/", omittingEmptySubsequences: false)
            let transport = parts.count == 2 ? parts[1].uppercased() : "TCP"
            guard parts.count <= 2, let number = Int(parts[0]), (1...65535).contains(number) else {
                context.error(portNode, FieldPath.child(path, "port"), "cannot parse port mapping from \(portText)")
                return nil
            }
            guard ["TCP", "UDP", "TLS", "TCP_UDP"].contains(transport) else {
                context.error(portNode, FieldPath.child(path, "port"), "invalid protocol \(parts[1]); valid protocols include TCP, UDP, TLS and TCP_UDP")
                return nil
            }
            var targetPort: Int?
            if case .int(let value)? = node["target_port"]?.value { targetPort = value }
            return .init(
                port: number, transport: transport, targetContainer: node["target_container"]?.scalar?.text, targetPort: targetPort,
                origin: Origin(path: path, location: context.at(node)))
        }

        func readMainImage(_ node: DocumentNode, into main: inout Container) {
            guard var image = Fields(node, path: "image", context: context) else { return }
            let location = image.string("location")
            let build = image.value("build")
            if location != nil && build != nil {
                context.error(node, "image", "must specify one of \"build\" and \"location\"")
            }
            main.image = location
            main.imageBuild = build.flatMap { buildPath($0, path: "image.build") }
            if let portNode = image.value("port"), let (number, transport) = ContainerFields.port(portNode, path: "image.port", context: context) {
                main.ports.append(
                    Port(containerPort: .number(number), transport: transport, origin: Origin(path: "image.port", location: context.at(portNode))))
            }
            if let credentials = image.string("credentials") { main.registryCredentials = credentials }
            main.labels = ContainerFields.labels(&image, key: "labels")
            main.dependsOn = ContainerFields.dependencies(&image, context: context)
            if let healthNode = image.value("healthcheck"), let probe = ContainerFields.healthcheck(healthNode, path: "image.healthcheck", context: context) {
                main.probes.readiness = probe
                main.probes.liveness = probe
            }
            image.reportUnknown()
        }

        /// `build: path/Dockerfile` or `build: {dockerfile, context, ...}`.
        func buildPath(_ node: DocumentNode, path: String) -> String? {
            if node.entries != nil, var build = Fields(node, path: path, context: context) {
                let dockerfile = build.string("dockerfile")
                let contextPath = build.string("context")
                for key in ["args", "target", "cache_from"] { _ = build.node(key) }
                build.reportUnknown()
                return dockerfile ?? contextPath.map { $0.hasSuffix("/") ? "\($0)Dockerfile" : "\($0)/Dockerfile" }
            }
            return Fields.string(node, path: path, context: context)
        }

        func readSidecar(_ entry: DocumentNode.Entry) -> Container? {
            let path = FieldPath.child("sidecars", entry.key)
            guard var fields = Fields(entry.value, path: path, context: context) else { return nil }
            var sidecar = Container(name: entry.key, role: .sidecar, essential: true, origin: Origin(path: path, location: context.at(entry.keyPosition)))
            if let imageNode = fields.value("image") {
                if imageNode.entries != nil, var image = Fields(imageNode, path: fields.childPath("image"), context: context) {
                    let location = image.string("location")
                    let build = image.value("build")
                    if (location == nil) == (build == nil) {
                        context.error(imageNode, image.path, "must specify one of \"build\" and \"location\"")
                    }
                    sidecar.image = location
                    sidecar.imageBuild = build.flatMap { buildPath($0, path: FieldPath.child(image.path, "build")) }
                    image.reportUnknown()
                } else {
                    sidecar.image = Fields.string(imageNode, path: fields.childPath("image"), context: context)
                }
            } else {
                // Copilot's own message, typo included, so searches for it find this.
                context.error(entry.value, path, "must specify one of \"image\", \"image.build, or \"image.location\"")
            }
            if let portNode = fields.value("port"), let (number, transport) = ContainerFields.port(portNode, path: fields.childPath("port"), context: context) {
                sidecar.ports.append(
                    Port(containerPort: .number(number), transport: transport, origin: Origin(path: fields.childPath("port"), location: context.at(portNode))))
            }
            if let essential = fields.bool("essential") {
                sidecar.essential = essential
                sidecar.stated.append("essential")
            }
            sidecar.registryCredentials = fields.string("credentialsParameter")
            sidecar.environment = ContainerFields.variables(&fields, context: context) + ContainerFields.secrets(&fields, context: context, allowLocal: false)
            sidecar.environmentFiles = ContainerFields.environmentFile(&fields, context: context)
            if let mountsNode = fields.value("mount_points") {
                sidecar.mounts = ContainerFields.mountPoints(mountsNode, path: fields.childPath("mount_points"), context: context)
            }
            sidecar.labels = ContainerFields.labels(&fields)
            sidecar.dependsOn = ContainerFields.dependencies(&fields, context: context)
            if let node = fields.value("entrypoint") {
                sidecar.entrypoint = ContainerFields.arguments(node, path: fields.childPath("entrypoint"), context: context)
            }
            if let node = fields.value("command") {
                sidecar.command = ContainerFields.arguments(node, path: fields.childPath("command"), context: context).map(Command.exec)
            }
            if let healthNode = fields.value("healthcheck"),
                let probe = ContainerFields.healthcheck(healthNode, path: fields.childPath("healthcheck"), context: context)
            {
                sidecar.probes.readiness = probe
                sidecar.probes.liveness = probe
            }
            fields.reportUnknown()
            return sidecar
        }

        func readLogging(_ node: DocumentNode, service: inout Service) -> Container? {
            guard var fields = Fields(node, path: "logging", context: context) else { return nil }
            let retention = fields.int("retention")
            let image = fields.string("image")
            let destination = fields.stringMap("destination")
            let enableMetadata = fields.bool("enableMetadata")
            let secretOptions = ContainerFields.secretMap(&fields, key: "secretOptions", context: context, allowLocal: false)
            let configFilePath = fields.string("configFilePath")
            var router = Container(
                name: CopilotManifestReader.logRouterName, role: .logRouter,
                image: image ?? CopilotManifestReader.defaultLogRouterImage, essential: true,
                origin: Origin(path: "logging", location: context.at(node)))
            router.environment = ContainerFields.variables(&fields, context: context) + ContainerFields.secrets(&fields, context: context, allowLocal: false)
            router.environmentFiles = ContainerFields.environmentFile(&fields, context: context)
            fields.reportUnknown()
            // Copilot adds the router only when something besides `retention` is set.
            let empty =
                image == nil && destination == nil && enableMetadata == nil && secretOptions.isEmpty && configFilePath == nil
                && router.environment.isEmpty && router.environmentFiles.isEmpty
            guard !empty else { return nil }
            var routing = LogRouting(router: router.name, origin: router.origin)
            for (key, value, _) in destination ?? [] { routing.destination[key] = value }
            for (key, source, _) in secretOptions { routing.secretOptions[key] = source }
            routing.enableMetadata = enableMetadata ?? true
            routing.configFilePath = configFilePath
            routing.retentionDays = retention
            service.logging = routing
            return router
        }

        func readStorage(_ node: DocumentNode, service: inout Service, main: inout Container) {
            ContainerFields.storage(node, context: context, requirePath: true, ignoring: ["readonly_fs", "ephemeral"], service: &service, main: &main) {
                fields, path in
                fields.value("efs").map { readEFS($0, path: FieldPath.child(path, "efs")) } ?? .scratch
            }
        }

        func readEFS(_ node: DocumentNode, path: String) -> Volume.Kind {
            if case .bool(let managed)? = node.value {
                return managed ? .efs(EFSVolume(managed: true)) : .scratch
            }
            guard var fields = Fields(node, path: path, context: context) else { return .scratch }
            var efs = EFSVolume()
            if let idNode = fields.value("id") {
                if idNode.entries != nil, var imported = Fields(idNode, path: FieldPath.child(path, "id"), context: context) {
                    efs.fileSystemId = imported.string("from_cfn", required: true)
                    efs.fileSystemIdIsExport = true
                    imported.reportUnknown()
                } else {
                    efs.fileSystemId = Fields.string(idNode, path: FieldPath.child(path, "id"), context: context)
                }
            }
            efs.rootDirectory = fields.string("root_dir")
            efs.uid = fields.int("uid")
            efs.gid = fields.int("gid")
            if let authNode = fields.value("auth"), var auth = Fields(authNode, path: FieldPath.child(path, "auth"), context: context) {
                efs.iamAuthorization = auth.bool("iam")
                efs.accessPointId = auth.string("access_point_id")
                auth.reportUnknown()
            }
            fields.reportUnknown()
            // Copilot's EFSVolumeConfiguration.validate, in its order and words.
            let byo = efs.fileSystemId != nil || efs.rootDirectory != nil || fields.has("auth")
            let uidConfig = efs.uid != nil || efs.gid != nil
            if byo && uidConfig {
                context.error(node, path, "must specify one, not both, of \"uid/gid\" and \"id/root_dir/auth\"")
            } else if efs.uid != nil && efs.gid == nil {
                context.error(node, path, "\"gid\" must be specified if \"uid\" is specified")
            } else if efs.uid == nil && efs.gid != nil {
                context.error(node, path, "\"uid\" must be specified if \"gid\" is specified")
            } else if efs.uid == 0 {
                context.error(node, path, "\"uid\" must not be 0")
            } else if efs.accessPointId != nil, !((efs.rootDirectory ?? "").isEmpty || efs.rootDirectory == "/") || efs.iamAuthorization == false {
                context.error(node, path, "\"root_dir\" must be either empty or \"/\" and \"auth.iam\" must be true when \"access_point_id\" is used")
            } else if efs.fileSystemId == nil && !uidConfig {
                context.error(node, path, "\"id\" must be specified")
            }
            if efs.fileSystemId == nil && uidConfig { efs.managed = true }
            return .efs(efs)
        }

        func readHTTP(_ node: DocumentNode, service: inout Service) {
            if case .bool? = node.value { return }
            guard var http = Fields(node, path: "http", context: context) else { return }
            let snake = http.string("target_container")
            let camel = http.string("targetContainer")
            if snake != nil && camel != nil {
                context.error(node, "http", "must specify one, not both, of \"target_container\" and \"targetContainer\"")
            }
            if let target = snake ?? camel {
                let key = snake != nil ? "target_container" : "targetContainer"
                service.trafficTarget = TrafficTarget(
                    container: target, origin: Origin(path: FieldPath.child("http", key), location: context.at(http.node(key))))
            }
            if let port = http.int("target_port") { service.trafficTarget?.port = port }
            for key in [
                "path", "alias", "healthcheck", "stickiness", "deregistration_delay", "allowed_source_ips", "additional_rules",
                "hosted_zone", "redirect_to_https", "version", "main", "alb", "certificate", "private",
            ] {
                _ = http.node(key)
            }
            http.reportUnknown()
        }
    }
}

/// Copilot's environment override merge: mappings merge key by key, anything else (lists included) is
/// replaced; for a main `image`, setting `build` drops `location` and the other way round.
enum ManifestMerge {
    static func merge(base: DocumentNode, override: DocumentNode, path: [String] = []) -> DocumentNode {
        guard var baseEntries = base.entries, let overrideEntries = override.entries else { return override }
        for entry in overrideEntries {
            if let index = baseEntries.firstIndex(where: { $0.key == entry.key }) {
                var current = baseEntries[index].value
                if path == [] && entry.key == "image", var imageEntries = current.entries {
                    let keys = Set(entry.value.entries?.map(\.key) ?? [])
                    if keys.contains("build") { imageEntries.removeAll { $0.key == "location" } }
                    if keys.contains("location") { imageEntries.removeAll { $0.key == "build" } }
                    current = DocumentNode(.mapping(imageEntries), at: current.position)
                }
                baseEntries[index].value = merge(base: current, override: entry.value, path: path + [entry.key])
            } else {
                baseEntries.append(entry)
            }
        }
        return DocumentNode(.mapping(baseEntries), at: base.position)
    }
}
