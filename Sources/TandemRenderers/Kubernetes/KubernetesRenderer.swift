import TandemCore
import TandemFormats

/// A Deployment (with ConfigMaps and a Service) whose sidecars are native sidecars: init containers with
/// `restartPolicy: Always`, ordered by their dependencies, with a startup probe where something waits for
/// them to be HEALTHY. Below Kubernetes 1.28 sidecars fall back to plain containers, and say so.
struct KubernetesRenderer {
    let service: Service
    let options: RenderOptions

    private var nativeSidecars: Bool { options.kubernetesVersion >= (1, 28) }

    private enum Placement {
        case app
        case sidecar
        /// Runs to completion before the next init container: what others wait for with COMPLETE or SUCCESS.
        case job
        case plainSidecar
    }

    func render(_ losses: inout Losses) -> [RenderedFile] {
        var names = [String: String]()
        var taken = Set<String>()
        for container in service.containers {
            var name = RenderSupport.dnsLabel(container.name)
            while taken.contains(name) { name += "-x" }
            taken.insert(name)
            names[container.name] = name
            if name != container.name {
                losses.lose("renamed", container.origin, "container \"\(container.name)\" is named \"\(name)\" (Kubernetes names are DNS labels)")
            }
        }
        let volumeNames = Dictionary(uniqueKeysWithValues: service.volumes.map { ($0.name, RenderSupport.dnsLabel($0.name)) })

        if options.kubernetesVersion < (1, 28), !service.sidecars.isEmpty {
            losses.lose(
                "no-native-sidecars", service.origin,
                "Kubernetes \(options.kubernetesVersion.major).\(options.kubernetesVersion.minor) has no native sidecars: sidecars are plain containers, so they neither start before the app nor stop after it"
            )
        } else if options.kubernetesVersion == (1, 28), !service.sidecars.isEmpty {
            losses.lose("sidecar-feature-gate", service.origin, "Kubernetes 1.28 runs native sidecars only with the SidecarContainers feature gate on")
        }

        // What each container becomes.
        var placement: [String: Placement] = [:]
        let completions = Set(service.containers.flatMap { $0.dependsOn.filter { $0.condition == .complete || $0.condition == .success }.map(\.container) })
        for container in service.containers {
            if container.role == .main {
                placement[container.name] = .app
            } else if completions.contains(container.name) && !container.essential {
                placement[container.name] = .job
            } else {
                placement[container.name] = nativeSidecars ? .sidecar : .plainSidecar
            }
        }

        // Who must pass a startup probe before the next container starts.
        var needsStartupProbe = Set<String>()
        for container in service.containers {
            for dependency in container.dependsOn {
                guard let target = placement[dependency.container], let mine = placement[container.name] else { continue }
                if dependency.timeout != nil {
                    losses.lose("dependency-timeout", dependency.origin, "Kubernetes has no deadline for a start dependency; the timeout is dropped")
                }
                switch (mine, target) {
                case (.sidecar, .app), (.job, .app):
                    losses.lose(
                        "sidecar-waits-for-app", dependency.origin,
                        "\(container.name) is an init container and starts before the app containers, so it cannot wait for \(dependency.container) (\(dependency.condition.rawValue))"
                    )
                case (.app, .app), (.plainSidecar, _), (_, .plainSidecar):
                    losses.lose(
                        "no-start-order", dependency.origin,
                        "containers of a Pod start together: \(container.name)'s wait for \(dependency.container) (\(dependency.condition.rawValue)) is not kept"
                    )
                default:
                    if dependency.condition == .healthy { needsStartupProbe.insert(dependency.container) }
                    if dependency.condition == .complete {
                        losses.lose(
                            "complete-condition", dependency.origin,
                            "Kubernetes has no COMPLETE condition: \(dependency.container) runs as an init container that must succeed (SUCCESS)")
                    }
                }
            }
        }

        let order = RenderSupport.startOrder(service)
        var initContainers: [YAMLValue] = []
        for container in order {
            guard let kind = placement[container.name] else { continue }
            guard kind == .sidecar || kind == .job else { continue }
            let spec = containerSpec(
                container, kind: kind, names: names, volumeNames: volumeNames, startupProbe: needsStartupProbe.contains(container.name), losses: &losses)
            if kind == .sidecar || kind == .job { initContainers.append(spec) }
        }
        // Kubernetes needs one regular container; the main processes come in declaration order.
        let containers = service.containers.filter { placement[$0.name] == .app || placement[$0.name] == .plainSidecar }.compactMap { container in
            let kind = placement[container.name] ?? .app
            return containerSpec(
                container, kind: kind, names: names, volumeNames: volumeNames, startupProbe: needsStartupProbe.contains(container.name), losses: &losses)
        }
        if containers.isEmpty {
            losses.fail(service.origin, "a Pod needs an app container, and the service has none (a catalog item alone is a sidecar; attach it to a service)")
        }

        reportCoupling(&losses)

        let appName = RenderSupport.dnsLabel(service.name)
        let labels: YAMLValue = .map([("app.kubernetes.io/name", .string(appName))])
        var podSpec = MapBuilder()
        if let grace = service.containers.compactMap(\.stopGracePeriod).max() {
            podSpec.set("terminationGracePeriodSeconds", RenderSupport.seconds(grace, minimum: 0))
        }
        podSpec.set("initContainers", .list(initContainers))
        podSpec.set("containers", .list(containers))
        podSpec.set("volumes", .list(service.volumes.compactMap { volume(for: $0, name: volumeNames[$0.name] ?? $0.name, losses: &losses) }))

        var metadata = MapBuilder()
        metadata.set("name", appName)
        metadata.set(
            "labels", .map([("app.kubernetes.io/name", .string(appName))] + service.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        var spec = MapBuilder()
        spec.set("replicas", options.replicas)
        spec.set("selector", .map([("matchLabels", labels)]))
        spec.set("template", .map([("metadata", .map([("labels", labels)])), ("spec", podSpec.value)]))
        let deployment: YAMLValue = .map([
            ("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")), ("metadata", metadata.value), ("spec", spec.value),
        ])

        var documents: [YAMLValue] = service.configMaps.map { configMap(for: $0, losses: &losses) }
        documents.append(deployment)
        if let serviceDocument = kubernetesService(appName: appName, labels: labels) { documents.append(serviceDocument) }
        let text = documents.map { "---\n" + $0.yaml() }.joined()
        return [RenderedFile(name: RenderTarget.kubernetes.fileName, contents: text)]
    }

    private func reportCoupling(_ losses: inout Losses) {
        // Only what the input said: Tandem's defaults are no one's meaning to lose.
        let essentialSidecars = service.sidecars.filter { $0.essential && $0.stated.contains("essential") }.map(\.name)
        if !essentialSidecars.isEmpty {
            losses.lose(
                "essential-sidecar", service.origin,
                "Kubernetes restarts a failed sidecar instead of stopping the Pod: essential is not kept for \(essentialSidecars.joined(separator: ", "))")
        }
        let notRestarted = service.mainContainers.filter { $0.restart != .always && $0.stated.contains("restart") }.map(\.name)
        if !notRestarted.isEmpty {
            losses.lose(
                "restart-policy", service.origin,
                "a Deployment restarts every container: restart \"never\"/\"on-failure\" is not kept for \(notRestarted.joined(separator: ", "))")
        }
        if let logging = service.logging {
            losses.lose(
                "log-routing", logging.origin,
                "Kubernetes keeps each container's output for the cluster's log agent: the log router runs as a sidecar, but no container's logs are routed to it"
            )
        }
        for container in service.containers where !container.labels.isEmpty {
            losses.lose("container-labels", container.origin, "Kubernetes has no per-container labels: the labels of \(container.name) are dropped")
        }
        for container in service.containers where !container.environmentFiles.isEmpty {
            losses.lose("env-file", container.origin, "environment files are not read in Kubernetes: use a ConfigMap with envFrom")
        }
        for container in service.containers where container.registryCredentials != nil {
            losses.lose(
                "registry-credentials", container.origin,
                "registry credentials are a Pod's imagePullSecrets in Kubernetes: create one and add it; the reference \(container.registryCredentials ?? "") is not rendered"
            )
        }
    }

    private func containerSpec(
        _ container: Container, kind: Placement, names: [String: String], volumeNames: [String: String], startupProbe: Bool, losses: inout Losses
    ) -> YAMLValue {
        var spec = MapBuilder()
        spec.set("name", names[container.name] ?? container.name)
        if let image = container.image {
            spec.set("image", image)
        } else if let build = container.imageBuild {
            losses.fail(
                container.origin,
                "\(container.name) is built from \(build): build and push the image, then give its reference with --image \(container.name)=REF (or as its image in the manifest)"
            )
        } else {
            losses.fail(
                container.origin,
                "\(container.name) has no image, and Kubernetes runs images (give it one with --image \(container.name)=REF, or as its image in the manifest)")
        }
        if kind == .sidecar { spec.set("restartPolicy", "Always") }
        let process = RenderSupport.process(container)
        if let entrypoint = process.entrypoint { spec.set("command", .list(entrypoint.map(YAMLValue.string))) }
        spec.set("args", .list(process.arguments.map(YAMLValue.string)))
        spec.set("workingDir", container.workingDirectory)
        spec.set(
            "ports",
            .list(
                RenderSupport.numberedPorts(container, losses: &losses).map { port, number in
                    var entry = MapBuilder()
                    if let name = port.name, Self.isPortName(name) { entry.set("name", name) }
                    entry.set("containerPort", number)
                    if port.transport == .udp { entry.set("protocol", "UDP") }
                    return entry.value
                }))
        spec.set("env", .list(container.environment.compactMap { environmentVariable($0, names: names, losses: &losses) }))
        spec.set("resources", resources(container, losses: &losses))
        spec.set(
            "volumeMounts",
            .list(
                container.mounts.flatMap { mount -> [YAMLValue] in
                    let name = volumeNames[mount.volume] ?? RenderSupport.dnsLabel(mount.volume)
                    func entry(_ path: String, subPath: String?) -> YAMLValue {
                        var entry = MapBuilder()
                        entry.set("name", name)
                        entry.set("mountPath", path)
                        entry.set("subPath", subPath)
                        if mount.readOnly { entry.set("readOnly", .bool(true)) }
                        return entry.value
                    }
                    // A config map sharing its folder with another volume: one mount per file.
                    let shared = mount.subPath == nil && container.mounts.filter { $0.path == mount.path && $0.subPath == nil }.count > 1
                    if shared, case .configMap(let mapName)? = service.volume(named: mount.volume)?.kind, let configMap = service.configMap(named: mapName) {
                        let folder = mount.path.hasSuffix("/") ? mount.path : mount.path + "/"
                        return configMap.files.map { entry(folder + $0.name, subPath: $0.name) }
                    }
                    return [entry(mount.path, subPath: mount.subPath)]
                }))
        if kind == .job {
            if !container.probes.isEmpty {
                losses.lose("init-probes", container.origin, "\(container.name) runs to completion as an init container, which takes no probes")
            }
        } else {
            var startup = container.probes.startup
            if startup == nil && startupProbe {
                // What waits for HEALTHY starts only after this passes; the readiness check is that signal.
                startup = container.probes.readiness ?? container.probes.liveness
            }
            spec.set("startupProbe", startup.flatMap { probe($0, container: container, losses: &losses) })
            spec.set("readinessProbe", container.probes.readiness.flatMap { probe($0, container: container, losses: &losses) })
            spec.set("livenessProbe", container.probes.liveness.flatMap { probe($0, container: container, losses: &losses) })
        }
        return spec.value
    }

    /// IANA service names: 1-15 lower-case letters, digits and inner dashes, with at least one letter.
    static func isPortName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard (1...15).contains(scalars.count), scalars.first != "-", scalars.last != "-", !name.contains("--") else { return false }
        return scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" } && scalars.contains { ("a"..."z").contains($0) }
    }

    private func probe(_ probe: Probe, container: Container, losses: inout Losses) -> YAMLValue? {
        var spec = MapBuilder()
        let fallbackPort = container.ports.first?.containerPort.number
        func port(_ value: PortNumber?) -> Int? {
            if let number = value?.number ?? fallbackPort { return number }
            losses.lose("probe-port", probe.origin, "the probe names no port and \(container.name) exposes none; it is dropped")
            return nil
        }
        switch probe.action {
        case .exec(let argv): spec.set("exec", .map([("command", .list(argv.map(YAMLValue.string)))]))
        case .shell(let line): spec.set("exec", .map([("command", .list(["/bin/sh", "-c", line].map(YAMLValue.string)))]))
        case .http(let path, let value):
            guard let number = port(value) else { return nil }
            spec.set("httpGet", .map([("path", .string(path.isEmpty ? "/" : path)), ("port", .int(number))]))
        case .tcp(let value):
            guard let number = port(value) else { return nil }
            spec.set("tcpSocket", .map([("port", .int(number))]))
        }
        // Kubernetes counts whole seconds: every rounding of what the user wrote is named, and a period
        // that rounds up takes a smaller failure threshold so that the probe's budget stays what it was.
        func rounded(_ value: Double?, _ field: String, _ kubernetesField: String, minimum: Int = 1) -> Int? {
            guard let value, let seconds = RenderSupport.seconds(value, minimum: minimum) else { return nil }
            if Double(seconds) != value {
                losses.lose(
                    "probe-rounding", probe.origin,
                    "\(container.name): \(field) \(GoDuration.format(value)) becomes \(kubernetesField) \(seconds) (Kubernetes counts whole seconds)")
            }
            return seconds
        }
        spec.set("initialDelaySeconds", rounded(probe.initialDelay, "initial delay", "initialDelaySeconds", minimum: 0))
        let period = rounded(probe.period, "period", "periodSeconds")
        spec.set("periodSeconds", period)
        spec.set("timeoutSeconds", rounded(probe.timeout, "timeout", "timeoutSeconds"))
        spec.set("successThreshold", probe.successThreshold)
        var threshold = probe.failureThreshold
        if let written = probe.period, let period, Double(period) > written, let failures = probe.failureThreshold {
            let budget = written * Double(failures)
            let kept = max(1, Int((budget / Double(period)).rounded(.up)))
            if kept != failures {
                losses.lose(
                    "probe-rounding", probe.origin,
                    "\(container.name): failure threshold \(failures) becomes \(kept), to keep the \(GoDuration.format(budget)) the probe was given (\(failures) × \(GoDuration.format(written)))"
                )
                threshold = kept
            }
        }
        spec.set("failureThreshold", threshold)
        return spec.value
    }

    private func environmentVariable(_ variable: EnvironmentVariable, names: [String: String], losses: inout Losses) -> YAMLValue? {
        var entry = MapBuilder()
        entry.set("name", variable.name)
        switch variable.value {
        case .plain(let value):
            entry.set("value", .string(value))
        case .secretKey(let secret, let key):
            entry.set("valueFrom", .map([("secretKeyRef", .map([("name", .string(secret)), ("key", .string(key))]))]))
        case .configMapFile(let configMap, let file):
            entry.set("valueFrom", .map([("configMapKeyRef", .map([("name", .string(RenderSupport.dnsLabel(configMap))), ("key", .string(file))]))]))
        case .field(let path, let container):
            if path.hasPrefix("resource.") {
                var reference = MapBuilder()
                if let container { reference.set("containerName", names[container] ?? container) }
                reference.set("resource", String(path.dropFirst("resource.".count)))
                entry.set("valueFrom", .map([("resourceFieldRef", reference.value)]))
            } else {
                entry.set("valueFrom", .map([("fieldRef", .map([("fieldPath", .string(path))]))]))
            }
        case .secretReference(let source):
            let secretName = RenderSupport.dnsLabel(service.name) + "-secrets"
            let key = variable.name
            losses.lose(
                "external-secret", variable.origin,
                "\(variable.name) comes from \(source); in Kubernetes it is read from Secret \(secretName), key \(key), which you create (no value is rendered)"
            )
            entry.set("valueFrom", .map([("secretKeyRef", .map([("name", .string(secretName)), ("key", .string(key))]))]))
        case .cloudFormationExport(let export):
            losses.lose(
                "cloudformation-export", variable.origin,
                "\(variable.name) is the CloudFormation export \(export), which exists only in AWS: give it a value (it is left out)")
            return nil
        }
        return entry.value
    }

    private func resources(_ container: Container, losses: inout Losses) -> YAMLValue {
        func quantity(_ value: Quantity?, unit: String) -> YAMLValue? {
            guard let value else { return nil }
            guard let amount = value.value else {
                losses.lose("resource-placeholder", container.origin, "resource \(value) is a placeholder: fill it in before rendering")
                return nil
            }
            return .string("\(amount)\(unit)")
        }
        var requests = MapBuilder()
        requests.set("cpu", quantity(container.resources.cpuRequest, unit: "m"))
        requests.set("memory", quantity(container.resources.memoryRequest, unit: "Mi"))
        var limits = MapBuilder()
        limits.set("cpu", quantity(container.resources.cpuLimit, unit: "m"))
        limits.set("memory", quantity(container.resources.memoryLimit, unit: "Mi"))
        var result = MapBuilder()
        result.set("requests", requests.value)
        result.set("limits", limits.value)
        return result.value
    }

    private func volume(for volume: Volume, name: String, losses: inout Losses) -> YAMLValue? {
        var entry = MapBuilder()
        entry.set("name", name)
        switch volume.kind {
        case .scratch: entry.setKeepingEmpty("emptyDir", .map([]))
        case .hostPath(let path): entry.set("hostPath", .map([("path", .string(path))]))
        case .configMap(let configMap): entry.set("configMap", .map([("name", .string(RenderSupport.dnsLabel(configMap)))]))
        case .secret(let secret): entry.set("secret", .map([("secretName", .string(secret))]))
        case .efs(let efs):
            losses.lose(
                "efs-volume", volume.origin,
                "EFS file system \(efs.fileSystemId ?? "(created by Copilot)") becomes PersistentVolumeClaim \(name), which you bind to it (the EFS CSI driver)"
            )
            entry.set("persistentVolumeClaim", .map([("claimName", .string(name))] + (volume.readOnly ? [("readOnly", .bool(true))] : [])))
        }
        return entry.value
    }

    private func configMap(for configMap: ConfigMap, losses: inout Losses) -> YAMLValue {
        var data: [(String, YAMLValue)] = []
        for file in configMap.files {
            if file.name.allSatisfy({ $0.isLetter || $0.isNumber || "-._".contains($0) }) {
                data.append((file.name, .string(file.content)))
            } else {
                losses.lose(
                    "config-file-name", file.origin, "\"\(file.name)\" is not a valid ConfigMap key (letters, digits, \"-\", \"_\", \".\"); it is dropped")
            }
        }
        return .map([
            ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")),
            ("metadata", .map([("name", .string(RenderSupport.dnsLabel(configMap.name)))])), ("data", .map(data)),
        ])
    }

    private func kubernetesService(appName: String, labels: YAMLValue) -> YAMLValue? {
        let target = service.trafficTarget.flatMap { service.container(named: $0.container) } ?? service.mainContainers.first
        let ports = (target?.ports ?? []).compactMap { port -> YAMLValue? in
            guard let number = port.containerPort.number else { return nil }
            var entry = MapBuilder()
            if let name = port.name, Self.isPortName(name) { entry.set("name", name) }
            entry.set("port", port.exposedPort?.number ?? number)
            entry.set("targetPort", number)
            if port.transport == .udp { entry.set("protocol", "UDP") }
            return entry.value
        }
        guard !ports.isEmpty else { return nil }
        return .map([
            ("apiVersion", .string("v1")), ("kind", .string("Service")), ("metadata", .map([("name", .string(appName))])),
            ("spec", .map([("selector", labels), ("ports", .list(ports))])),
        ])
    }
}
