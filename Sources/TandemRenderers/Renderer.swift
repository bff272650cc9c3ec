import TandemCore
import TandemFormats

public enum RenderTarget: String, Sendable, CaseIterable {
    case kubernetes
    case ecs
    case cloudformation
    case compose
    case cloudfoundry

    /// The file each target writes.
    public var fileName: String {
        switch self {
        case .kubernetes: "kubernetes.yaml"
        case .ecs: "ecs-task-definition.json"
        case .cloudformation: "cloudformation.yaml"
        case .compose: "compose.yaml"
        case .cloudfoundry: "manifest.yml"
        }
    }
}

public struct RenderOptions: Sendable {
    /// The Kubernetes API level: native sidecars from 1.29 (1.28 behind a feature gate).
    public var kubernetesVersion: (major: Int, minor: Int)
    public var replicas: Int
    /// Where ECS logs go (the awslogs driver's region) and the region CloudFormation templates assume.
    public var awsRegion: String
    /// The ECS task execution role; without one, the task definition names a role to create.
    public var executionRoleARN: String?
    /// The AWS account, for the ARNs a task definition needs written out.
    public var awsAccount: String?
    /// Copilot: the application and environment the workload is deployed in (the stack's parameters).
    public var application: String?
    public var environment: String?

    public init(kubernetesVersion: (major: Int, minor: Int) = (1, 33), replicas: Int = 1, awsRegion: String = "us-east-1", executionRoleARN: String? = nil) {
        self.kubernetesVersion = kubernetesVersion
        self.replicas = replicas
        self.awsRegion = awsRegion
        self.executionRoleARN = executionRoleARN
    }
}

public struct RenderedFile: Sendable, Hashable {
    public var name: String
    public var contents: String
}

/// What a render produced: its files, and every meaning the target could not express, each a named
/// warning (`[kubernetes/complete-condition] ...`), or errors when nothing sensible can be written.
public struct RenderResult: Sendable {
    public var files: [RenderedFile]
    public var diagnostics: [Diagnostic]
}

public enum Renderers {
    /// `extras` is what the input says beyond the service: with a Copilot workload, CloudFormation follows
    /// Copilot's own templates; a Cloud Foundry app's own settings are written back for Cloud Foundry and
    /// named as lost elsewhere.
    public static func render(
        _ service: Service, target: RenderTarget, options: RenderOptions = RenderOptions(), extras: SourceExtras = SourceExtras(), file: String
    ) -> RenderResult {
        var losses = Losses(file: file, target: target)
        let copilot = extras.copilot
        if let kept = extras.cloudFoundry, !kept.isEmpty, target != .cloudfoundry {
            losses.lose(
                "cloudfoundry-settings", kept.origin,
                "\(kept.names.joined(separator: ", ")) \(kept.names.count == 1 ? "is" : "are") Cloud Foundry's own: not kept for \(target.rawValue)")
        }
        for container in service.containers where container.notifiesReadiness {
            let channel = container.notifyDescriptor.map { "on descriptor \($0)" } ?? "on NOTIFY_SOCKET"
            losses.lose(
                "notify-ready", container.origin,
                "\(container.name) says when it is ready \(channel), which only tandem run provides; here its probes decide")
        }
        for container in service.containers {
            if let signals = container.forwardSignals {
                losses.lose(
                    "forward-signals", container.origin,
                    "\(container.name) is set to receive \(signals.isEmpty ? "no signals" : signals.joined(separator: ", ")) from tandem run; \(target.rawValue) signals its containers itself"
                )
            }
            if container.restartLimit != nil {
                losses.lose(
                    "restart-limit", container.origin,
                    "\(container.name)'s restart limit is kept by tandem run only; \(target.rawValue) restarts by its own rules")
            }
        }
        if let timeout = service.stopTimeout {
            losses.lose(
                "stop-timeout", service.origin,
                "the unit's stop timeout (\(GoDuration.format(timeout))) is kept by tandem run only; set the engine's own stop grace")
        }
        let files: [RenderedFile]
        switch target {
        case .kubernetes: files = KubernetesRenderer(service: service, options: options).render(&losses)
        case .ecs:
            if let copilot {
                files = CopilotStackRenderer(service: service, workload: copilot, options: options).renderTaskDefinition(&losses)
            } else {
                files = ECSRenderer(service: service, options: options).renderTaskDefinition(&losses)
            }
        case .cloudformation:
            if let copilot {
                files = CopilotStackRenderer(service: service, workload: copilot, options: options).render(&losses)
            } else {
                files = ECSRenderer(service: service, options: options).renderCloudFormation(&losses)
            }
        case .compose: files = ComposeRenderer(service: service).render(&losses)
        case .cloudfoundry: files = CloudFoundryRenderer(service: service, kept: extras.cloudFoundry).render(&losses, file: file)
        }
        return RenderResult(files: losses.hasErrors ? [] : files, diagnostics: Diagnostic.ordered(losses.diagnostics))
    }
}

/// Collects what a target loses. Each loss has a stable code, so users can grep for it and `--strict`
/// can refuse it.
struct Losses {
    let file: String
    let target: RenderTarget
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, target: RenderTarget) {
        self.file = file
        self.target = target
    }

    var hasErrors: Bool { diagnostics.hasErrors }

    mutating func lose(_ code: String, _ origin: Origin, _ message: String) {
        let diagnostic = Diagnostic(.warning, origin: origin, file: file, message: "[\(target.rawValue)/\(code)] \(message)")
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    /// A diagnostic another render step made, kept as it is.
    mutating func append(_ diagnostic: Diagnostic) {
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    /// A problem found by a rule of the input's platform (its position already resolved).
    mutating func refuse(_ diagnostic: Diagnostic) {
        var error = diagnostic
        error.severity = .error
        diagnostics.append(error)
    }

    /// Something the user should know that loses nothing (a value to give at deploy time): a note,
    /// which `--strict` does not refuse.
    mutating func note(_ code: String, _ origin: Origin, _ message: String) {
        let diagnostic = Diagnostic(.note, origin: origin, file: file, message: "[\(target.rawValue)/\(code)] \(message)")
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    mutating func fail(_ origin: Origin, _ message: String) {
        diagnostics.append(Diagnostic(.error, origin: origin, file: file, message: message))
    }
}

/// Helpers every engine needs.
enum RenderSupport {
    /// Containers in an order where each comes after what it depends on (declaration order otherwise).
    static func startOrder(_ service: Service) -> [Container] {
        let order = DependencyGraph(service).startOrder() ?? service.containers.map(\.name)
        return order.compactMap(service.container(named:))
    }

    /// The probe that gates HEALTHY: startup, else readiness, else liveness.
    static func healthProbe(_ container: Container) -> Probe? {
        container.probes.startup ?? container.probes.readiness ?? container.probes.liveness
    }

    /// A probe as a command for engines with command health checks only (ECS, Compose).
    static func healthCommand(_ probe: Probe, container: Container, losses: inout Losses) -> [String] {
        switch probe.action {
        case .exec(let argv): return ["CMD"] + argv
        case .shell(let line): return ["CMD-SHELL", line]
        case .http(let path, let port):
            let number = port?.number ?? container.ports.first?.containerPort.number ?? 80
            losses.lose(
                "http-probe", probe.origin,
                "HTTP probes become a curl command (curl -f http://localhost:\(number)\(path)); the image must provide curl")
            return ["CMD-SHELL", "curl -f http://localhost:\(number)\(path) || exit 1"]
        case .tcp(let port):
            let number = port?.number ?? container.ports.first?.containerPort.number ?? 80
            losses.lose("tcp-probe", probe.origin, "TCP probes become a shell check with nc -z localhost \(number); the image must provide nc")
            return ["CMD-SHELL", "nc -z localhost \(number) || exit 1"]
        }
    }

    /// The container's ports that have numbers; a `{{PLACEHOLDER}}` port is a named loss.
    static func numberedPorts(_ container: Container, losses: inout Losses) -> [(port: Port, number: Int)] {
        container.ports.compactMap { port in
            guard let number = port.containerPort.number else {
                losses.lose("port-placeholder", port.origin, "port \(port.containerPort) is a placeholder: fill it in before rendering")
                return nil
            }
            return (port, number)
        }
    }

    /// Whole seconds, rounded up, at least `minimum`.
    static func seconds(_ value: Double?, minimum: Int = 1) -> Int? {
        value.map { max(minimum, Int($0.rounded(.up))) }
    }

    /// What engines that run images take: an entrypoint override and the arguments. A list command is
    /// the image's CMD (as in Copilot and Docker); a shell command line replaces the entrypoint with
    /// `/bin/sh -c`, since it cannot be handed to an arbitrary entrypoint as arguments.
    static func process(_ container: Container) -> (entrypoint: [String]?, arguments: [String]) {
        if let entrypoint = container.entrypoint {
            return (entrypoint, (container.command?.argv ?? []) + container.args)
        }
        switch container.command {
        case .shell(let line)?: return (["/bin/sh", "-c"], [line] + container.args)
        case .exec(let argv)?: return (nil, argv + container.args)
        case nil: return (nil, container.args)
        }
    }

    /// Lower-case letters, digits and single dashes, starting with a letter (DNS-1123 labels).
    static func dnsLabel(_ name: String) -> String { ContainerNames.dnsLabel(name) }
}
