/// The rules every service must keep, whatever format it was written in. Messages follow Copilot's wording
/// where Copilot has the rule, and each names the offending field through the element's `Origin`.
public struct ServiceValidator: Sendable {
    public init() {}

    /// Mounts may share a path when every one but at most one is a config map and their files differ:
    /// each config map file is then mounted on its own (as Mia's Console mounts a config map and a
    /// secret under one folder).
    public static func canShare(_ path: String, in container: Container, service: Service) -> Bool {
        let sharing = container.mounts.filter { $0.path == path && $0.subPath == nil }
        var whole = 0
        var files = Set<String>()
        for mount in sharing {
            guard case .configMap(let name)? = service.volume(named: mount.volume)?.kind, let configMap = service.configMap(named: name) else {
                whole += 1
                continue
            }
            for file in configMap.files where !files.insert(file.name).inserted { return false }
        }
        return whole <= 1
    }

    public func validate(_ service: Service, file: String) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        func report(_ severity: Diagnostic.Severity, _ origin: Origin, _ message: String) {
            diagnostics.append(Diagnostic(severity, origin: origin, file: file, message: message))
        }

        var byName: [String: Container] = [:]
        for container in service.containers {
            if byName[container.name] != nil {
                report(.error, container.origin, "container \"\(container.name)\" is declared more than once")
            } else {
                byName[container.name] = container
            }
        }

        checkDependencies(service, byName: byName, report: report)
        checkPorts(service, report: report)
        checkStorage(service, byName: byName, report: report)
        checkProbes(service, report: report)
        checkEnvironment(service, report: report)

        if let target = service.trafficTarget {
            if let container = byName[target.container] {
                if container.ports.isEmpty {
                    report(.error, target.origin, "target container \"\(target.container)\" doesn't expose a port")
                } else if let port = container.ports.first(where: { target.port == nil || $0.containerPort.number == target.port }),
                    port.transport == .udp
                {
                    // The load balancer health-checks the target over TCP.
                    report(
                        .error, port.origin,
                        "container \"\(container.name)\" exposes port \(port.containerPort) using protocol UDP invalid for health checks. Valid protocol is \"TCP\"."
                    )
                }
            } else {
                report(.error, target.origin, "target container \"\(target.container)\" doesn't exist")
            }
        }

        for sidecar in service.containers where !sidecar.sidecarFor.isEmpty {
            for processType in sidecar.sidecarFor where byName[processType] == nil {
                report(.warning, sidecar.origin, "sidecar \"\(sidecar.name)\" serves process type \"\(processType)\", which is not declared")
            }
        }
        return diagnostics
    }

    private func checkDependencies(
        _ service: Service, byName: [String: Container], report: (Diagnostic.Severity, Origin, String) -> Void
    ) {
        for container in service.containers {
            var seenTargets = Set<String>()
            for dependency in container.dependsOn {
                if !seenTargets.insert(dependency.container).inserted {
                    report(.error, dependency.origin, "container \(dependency.container) is listed more than once")
                    continue
                }
                if dependency.container == container.name {
                    report(.error, dependency.origin, "container \(container.name) cannot depend on itself")
                    continue
                }
                guard let target = byName[dependency.container] else {
                    report(.error, dependency.origin, "container \(dependency.container) does not exist")
                    continue
                }
                if target.essential && (dependency.condition == .complete || dependency.condition == .success) {
                    report(
                        .error, dependency.origin,
                        "essential container \(target.name) can only have status START or HEALTHY")
                }
                if dependency.condition == .healthy && !target.hasHealthCheck {
                    report(
                        .error, dependency.origin,
                        "container \(target.name) has no health check, so the HEALTHY condition can never be met")
                }
                if let timeout = dependency.timeout, timeout <= 0 {
                    report(.error, dependency.origin, "the timeout must be greater than zero")
                }
            }
        }
        for cycle in DependencyGraph(service).cycles() {
            let origin = service.container(named: cycle[0])?.origin ?? service.origin
            report(
                .error, origin,
                "circular container dependency chain includes the following containers: [\(cycle.joined(separator: " "))]")
        }
    }

    private func checkPorts(_ service: Service, report: (Diagnostic.Severity, Origin, String) -> Void) {
        // Containers of one instance share a network namespace: a port number belongs to one container.
        var owners: [Int: (container: String, transport: TransportProtocol)] = [:]
        for container in service.containers {
            var seenNames = Set<String>()
            for port in container.ports {
                if let name = port.name, !seenNames.insert(name).inserted {
                    report(.error, port.origin, "port name \"\(name)\" is used twice in container \"\(container.name)\"")
                }
                guard let number = port.containerPort.number else { continue }
                if !(0...65535).contains(number) {
                    report(.error, port.origin, "port \(number) is out of range 0-65535")
                    continue
                }
                if let owner = owners[number] {
                    if owner.container != container.name {
                        report(.error, port.origin, "containers \"\(owner.container)\" and \"\(container.name)\" are exposing the same port \(number)")
                    } else if owner.transport != port.transport {
                        report(.error, port.origin, "container \"\(container.name)\" is exposing the same port \(number) with protocol TCP and UDP")
                    } else {
                        report(.error, port.origin, "container \"\(container.name)\" exposes port \(number) twice")
                    }
                } else {
                    owners[number] = (container.name, port.transport)
                }
            }
        }
    }

    private func checkStorage(
        _ service: Service, byName: [String: Container], report: (Diagnostic.Severity, Origin, String) -> Void
    ) {
        var volumeNames = Set<String>()
        for volume in service.volumes where !volumeNames.insert(volume.name).inserted {
            report(.error, volume.origin, "volume \"\(volume.name)\" is declared more than once")
        }
        var configMapNames = Set<String>()
        for configMap in service.configMaps {
            if !configMapNames.insert(configMap.name).inserted {
                report(.error, configMap.origin, "config map \"\(configMap.name)\" is declared more than once")
            }
            var fileNames = Set<String>()
            for file in configMap.files {
                if !Self.isPlainFileName(file.name) {
                    report(.error, file.origin, "config file name \"\(file.name)\" must be a plain file name, without \"/\" or \"..\"")
                }
                if !fileNames.insert(file.name).inserted {
                    report(.error, file.origin, "config file \"\(file.name)\" appears twice in config map \"\(configMap.name)\"")
                }
            }
        }
        for container in service.containers {
            var paths = Set<String>()
            for mount in container.mounts {
                if !volumeNames.contains(mount.volume) {
                    report(.error, mount.origin, "volume \"\(mount.volume)\" is not declared, so it cannot be mounted")
                }
                if !mount.path.hasPrefix("/") {
                    report(.error, mount.origin, "mount path \"\(mount.path)\" must be absolute")
                }
                if !paths.insert(mount.path).inserted && !Self.canShare(mount.path, in: container, service: service) {
                    report(.error, mount.origin, "two mounts of container \"\(container.name)\" use the path \(mount.path)")
                }
            }
            for variable in container.environment {
                if case .configMapFile(let name, let file) = variable.value {
                    if let configMap = service.configMap(named: name) {
                        if !configMap.files.contains(where: { $0.name == file }) {
                            report(.error, variable.origin, "config map \"\(name)\" has no file \"\(file)\"")
                        }
                    } else {
                        report(.error, variable.origin, "config map \"\(name)\" is not declared")
                    }
                }
            }
        }
    }

    private func checkProbes(_ service: Service, report: (Diagnostic.Severity, Origin, String) -> Void) {
        for container in service.containers {
            let probes: [(String, Probe?)] = [
                ("startup", container.probes.startup), ("readiness", container.probes.readiness),
                ("liveness", container.probes.liveness),
            ]
            for (kind, probe) in probes {
                guard let probe else { continue }
                for (field, value) in [("initial delay", probe.initialDelay), ("period", probe.period), ("timeout", probe.timeout)] {
                    if let value, value < 0 { report(.error, probe.origin, "the \(field) cannot be negative") }
                }
                if let period = probe.period, period == 0 { report(.error, probe.origin, "the period must be greater than zero") }
                if let timeout = probe.timeout, timeout == 0 { report(.error, probe.origin, "the timeout must be greater than zero") }
                if let threshold = probe.failureThreshold, threshold < 1 {
                    report(.error, probe.origin, "the failure threshold must be at least 1")
                }
                if let threshold = probe.successThreshold {
                    if threshold < 1 {
                        report(.error, probe.origin, "the success threshold must be at least 1")
                    } else if threshold != 1 && kind != "readiness" {
                        // Kubernetes' rule: only readiness may ask for several successes in a row.
                        report(.error, probe.origin, "the success threshold of a \(kind) probe must be 1")
                    }
                }
                switch probe.action {
                case .exec(let argv) where argv.isEmpty:
                    report(.error, probe.origin, "the probe command is empty")
                case .shell(let line) where line.allSatisfy(\.isWhitespace):
                    report(.error, probe.origin, "the probe command is empty")
                case .http(let path, _) where !path.isEmpty && !path.hasPrefix("/"):
                    report(.error, probe.origin, "the probe path \"\(path)\" must start with \"/\"")
                default:
                    break
                }
            }
        }
    }

    private func checkEnvironment(_ service: Service, report: (Diagnostic.Severity, Origin, String) -> Void) {
        for container in service.containers {
            var names = Set<String>()
            for variable in container.environment {
                if variable.name.isEmpty {
                    report(.error, variable.origin, "an environment variable needs a name")
                } else if !names.insert(variable.name).inserted {
                    report(.warning, variable.origin, "environment variable \(variable.name) is set twice; the last value wins")
                }
            }
        }
    }

    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }
}
