import TandemCore
import TandemFormats

/// A Compose file where every container is a service, and all share one network namespace (held by a
/// small `<service>-net` service, as Copilot's local runs hold it with a pause container), so sidecars
/// still reach the app on localhost.
struct ComposeRenderer {
    let service: Service

    static let networkImage = "registry.k8s.io/pause:3.10"

    var networkHolder: String { ComposeRenderer.serviceName(service.name) + "-net" }

    /// Compose service names: letters, digits, `.`, `_` and `-`.
    static func serviceName(_ name: String) -> String {
        String(
            name.lowercased().unicodeScalars.map { scalar -> Character in
                let allowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" || scalar == "-"
                return allowed ? Character(scalar) : "-"
            })
    }

    func render(_ losses: inout Losses) -> [RenderedFile] {
        let names = Dictionary(uniqueKeysWithValues: service.containers.map { ($0.name, Self.serviceName($0.name)) })
        var services = MapBuilder()
        var secrets = MapBuilder()
        var configs = MapBuilder()

        // Ports are published on the namespace holder: services that share its network cannot publish.
        let published = service.containers.flatMap { container in
            container.ports.compactMap { port -> YAMLValue? in
                guard let number = port.containerPort.number else {
                    losses.lose("port-placeholder", port.origin, "port \(port.containerPort) is a placeholder: fill it in before rendering")
                    return nil
                }
                let exposed = port.exposedPort?.number ?? number
                return .string("\(exposed):\(number)" + (port.transport == .udp ? "/udp" : ""))
            }
        }
        var holder = MapBuilder()
        holder.set("image", Self.networkImage)
        holder.set("ports", .list(published))
        services.set(networkHolder, holder.value)

        for container in RenderSupport.startOrder(service) {
            services.set(
                names[container.name] ?? container.name,
                serviceDefinition(container, names: names, secrets: &secrets, configs: &configs, losses: &losses))
        }

        let essentials = service.containers.filter { $0.essential && $0.stated.contains("essential") }.map(\.name)
        if essentials.count > 0 {
            losses.lose(
                "essential", service.origin,
                "Compose has no essential containers: one stopping leaves the others running (use docker compose up --abort-on-container-exit)")
        }
        if let logging = service.logging {
            losses.lose(
                "log-routing", logging.origin, "Compose sends each service's output to its logging driver: no container's logs are routed to the log router")
        }

        var root = MapBuilder()
        root.set("name", Self.serviceName(service.name))
        root.set("services", services.value)
        var volumes = MapBuilder()
        for volume in service.volumes {
            switch volume.kind {
            case .scratch: volumes.setKeepingEmpty(volume.name, .map([]))
            case .efs:
                losses.lose("efs-volume", volume.origin, "the EFS file system \(volume.name) becomes a local named volume")
                volumes.setKeepingEmpty(volume.name, .map([]))
            default: break
            }
        }
        root.set("volumes", volumes.value)
        root.set("secrets", secrets.value)
        root.set("configs", configs.value)
        return [RenderedFile(name: RenderTarget.compose.fileName, contents: root.value.yaml())]
    }

    private func serviceDefinition(
        _ container: Container, names: [String: String], secrets: inout MapBuilder, configs: inout MapBuilder, losses: inout Losses
    ) -> YAMLValue {
        var definition = MapBuilder()
        if let image = container.image {
            definition.set("image", image)
        } else if let build = container.imageBuild {
            let folder = build.split(separator: "/").dropLast().joined(separator: "/")
            definition.set(
                "build",
                .map([("context", .string(folder.isEmpty ? "." : folder)), ("dockerfile", .string(String(build.split(separator: "/").last ?? "Dockerfile")))]))
        } else {
            losses.fail(
                container.origin,
                "\(container.name) has no image, and Compose runs images (give it one with --image \(container.name)=REF, or as its image in the manifest)")
        }
        let process = RenderSupport.process(container)
        if let entrypoint = process.entrypoint { definition.set("entrypoint", .list(entrypoint.map(YAMLValue.string))) }
        definition.set("command", .list(process.arguments.map(YAMLValue.string)))
        definition.set("working_dir", container.workingDirectory)
        definition.set("network_mode", "service:\(networkHolder)")

        var environment = MapBuilder()
        var serviceSecrets: [YAMLValue] = []
        for variable in container.environment {
            switch variable.value {
            case .plain(let value): environment.set(variable.name, .string(value))
            case .secretReference(.file(let path)):
                let name = ComposeRenderer.serviceName(variable.name)
                secrets.set(name, .map([("file", .string(path))]))
                serviceSecrets.append(.map([("source", .string(name)), ("target", .string(variable.name))]))
                losses.lose(
                    "secret-as-file", variable.origin, "Compose mounts secret \(variable.name) as the file /run/secrets/\(variable.name), not as a variable")
            case .secretReference(.hostEnvironment(let host)):
                let name = ComposeRenderer.serviceName(variable.name)
                secrets.set(name, .map([("environment", .string(host))]))
                serviceSecrets.append(.map([("source", .string(name)), ("target", .string(variable.name))]))
                losses.lose(
                    "secret-as-file", variable.origin, "Compose mounts secret \(variable.name) as the file /run/secrets/\(variable.name), not as a variable")
            case .secretReference(let source):
                losses.lose(
                    "cloud-secret", variable.origin,
                    "\(variable.name) comes from \(source), which Compose cannot read: give it a file or an environment variable")
            case .secretKey(let secret, let key):
                losses.lose("kubernetes-secret", variable.origin, "\(variable.name) comes from Kubernetes secret \(secret)/\(key), which Compose cannot read")
            case .configMapFile(let configMap, let file):
                losses.lose(
                    "config-map-variable", variable.origin,
                    "\(variable.name) comes from config map file \(configMap)/\(file): Compose sets variables from values or env files")
            case .field(let path, _):
                losses.lose("downward-api", variable.origin, "\(variable.name) comes from the instance field \(path), which Compose does not provide")
            case .cloudFormationExport(let export):
                losses.lose(
                    "cloudformation-export", variable.origin,
                    "\(variable.name) is the CloudFormation export \(export), which exists only in AWS: give it a value (it is left out)")
            }
        }
        definition.set("environment", environment.value)
        definition.set("env_file", .list(container.environmentFiles.map(YAMLValue.string)))
        definition.set("secrets", .list(serviceSecrets))

        var volumeMounts: [YAMLValue] = []
        var serviceConfigs: [YAMLValue] = []
        for mount in container.mounts {
            guard let volume = service.volume(named: mount.volume) else { continue }
            switch volume.kind {
            case .scratch, .efs:
                volumeMounts.append(.string("\(mount.volume):\(mount.path)\(mount.readOnly ? ":ro" : "")"))
            case .hostPath(let path):
                volumeMounts.append(.string("\(path):\(mount.path)\(mount.readOnly ? ":ro" : "")"))
            case .configMap(let name):
                for file in service.configMap(named: name)?.files ?? [] {
                    let configName = ComposeRenderer.serviceName("\(name)-\(file.name)")
                    configs.set(configName, .map([("content", .string(file.content))]))
                    serviceConfigs.append(.map([("source", .string(configName)), ("target", .string(mount.path + "/" + file.name))]))
                }
            case .secret(let name):
                losses.lose("kubernetes-secret", mount.origin, "the Kubernetes secret volume \(name) cannot be mounted by Compose")
            }
        }
        definition.set("volumes", .list(volumeMounts))
        definition.set("configs", .list(serviceConfigs))

        var dependsOn = MapBuilder()
        dependsOn.set(networkHolder, .map([("condition", .string("service_started"))]))
        for dependency in container.dependsOn {
            let condition: String
            switch dependency.condition {
            case .start: condition = "service_started"
            case .healthy: condition = "service_healthy"
            case .success: condition = "service_completed_successfully"
            case .complete:
                condition = "service_completed_successfully"
                losses.lose(
                    "complete-condition", dependency.origin, "Compose has no COMPLETE condition: \(container.name) waits for \(dependency.container) to succeed"
                )
            }
            if dependency.timeout != nil {
                losses.lose("dependency-timeout", dependency.origin, "Compose has no deadline for a start dependency; the timeout is dropped")
            }
            dependsOn.set(names[dependency.container] ?? dependency.container, .map([("condition", .string(condition))]))
        }
        definition.set("depends_on", dependsOn.value)

        if let probe = RenderSupport.healthProbe(container) {
            var check = MapBuilder()
            check.set("test", .list(RenderSupport.healthCommand(probe, container: container, losses: &losses).map(YAMLValue.string)))
            check.set("interval", probe.period.map(GoDuration.format))
            check.set("timeout", probe.timeout.map(GoDuration.format))
            check.set("retries", probe.failureThreshold)
            if let delay = probe.initialDelay, delay > 0 { check.set("start_period", GoDuration.format(delay)) }
            definition.set("healthcheck", check.value)
            let distinct = Set([container.probes.startup, container.probes.readiness, container.probes.liveness].compactMap { $0?.action })
            if distinct.count > 1 {
                losses.lose("single-health-check", probe.origin, "Compose has one health check per service: \(container.name)'s other probes are dropped")
            }
        }
        switch container.restart {
        case .always: definition.set("restart", "always")
        case .onFailure: definition.set("restart", "on-failure")
        case .never: definition.set("restart", "no")
        }
        if let grace = container.stopGracePeriod { definition.set("stop_grace_period", GoDuration.format(grace)) }
        var limits = MapBuilder()
        limits.set("cpus", container.resources.cpuLimit?.value.map { Self.cpus($0) })
        limits.set("memory", container.resources.memoryLimit?.value.map { "\($0)M" })
        var reservations = MapBuilder()
        reservations.set("cpus", container.resources.cpuRequest?.value.map { Self.cpus($0) })
        reservations.set("memory", container.resources.memoryRequest?.value.map { "\($0)M" })
        var resources = MapBuilder()
        resources.set("limits", limits.value)
        resources.set("reservations", reservations.value)
        if !resources.entries.isEmpty { definition.set("deploy", .map([("resources", resources.value)])) }
        definition.set("labels", .map(container.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        if container.registryCredentials != nil {
            losses.lose("registry-credentials", container.origin, "Compose pulls with the host's docker login: the registry credentials reference is dropped")
        }
        return definition.value
    }

    /// Millicores as Compose's decimal `cpus`.
    static func cpus(_ millicores: Int) -> String {
        let whole = millicores / 1000
        let fraction = millicores % 1000
        if fraction == 0 { return String(whole) }
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
