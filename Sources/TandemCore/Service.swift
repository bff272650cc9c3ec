/// A service: one or more main processes and the sidecars that run beside them, with everything they share.
/// Every input format reads into this model, and the runtime and renderers read only this model.
public struct Service: Sendable, Hashable, Codable {
    public var name: String
    /// Main containers first, in declaration order, then sidecars in declaration order.
    public var containers: [Container]
    public var volumes: [Volume]
    public var configMaps: [ConfigMap]
    /// The container (and port) that receives the service's inbound traffic; nil means the first main container.
    public var trafficTarget: TrafficTarget?
    /// Log routing, as Copilot's FireLens pattern: the router is also one of `containers`.
    public var logging: LogRouting?
    public var labels: [String: String]
    /// The most a whole shutdown may take, in seconds (every phase's grace fits inside it); nil for the
    /// runner's default.
    public var stopTimeout: Double?
    public var origin: Origin

    public init(
        name: String, containers: [Container] = [], volumes: [Volume] = [], configMaps: [ConfigMap] = [],
        trafficTarget: TrafficTarget? = nil, logging: LogRouting? = nil, labels: [String: String] = [:],
        origin: Origin = .unknown
    ) {
        self.name = name
        self.containers = containers
        self.volumes = volumes
        self.configMaps = configMaps
        self.trafficTarget = trafficTarget
        self.logging = logging
        self.labels = labels
        self.origin = origin
    }

    public func container(named name: String) -> Container? { containers.first { $0.name == name } }
    public var mainContainers: [Container] { containers.filter { $0.role == .main } }
    public var sidecars: [Container] { containers.filter { $0.role != .main } }
    public func volume(named name: String) -> Volume? { volumes.first { $0.name == name } }
    public func configMap(named name: String) -> ConfigMap? { configMaps.first { $0.name == name } }
}

/// One process or container of a service.
public struct Container: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        /// The application itself (Copilot's main container, a Cloud Foundry process type).
        case main
        case sidecar
        /// The log router of the FireLens pattern: it starts first and stops last.
        case logRouter = "log-router"
    }

    public var name: String
    public var role: Role
    public var image: String?
    /// A Dockerfile to build the image from (Copilot `image.build`), when there is no image reference.
    public var imageBuild: String?
    /// A secret reference (ARN, secret name) holding private registry credentials.
    public var registryCredentials: String?
    public var entrypoint: [String]?
    public var command: Command?
    /// Arguments appended to the command (Kubernetes `args`, Mia `defaultArgs`).
    public var args: [String]
    public var workingDirectory: String?
    public var ports: [Port]
    public var environment: [EnvironmentVariable]
    /// Files of `KEY=value` lines loaded into the environment (Copilot `env_file`).
    public var environmentFiles: [String]
    public var mounts: [Mount]
    public var probes: Probes
    public var resources: Resources
    public var dependsOn: [Dependency]
    /// When an essential container ends for good, the whole unit stops.
    public var essential: Bool
    public var restart: RestartPolicy
    public var labels: [String: String]
    /// Cloud Foundry: the process types this sidecar serves; it starts only once they are healthy.
    public var sidecarFor: [String]
    /// Seconds between the stop signal and SIGKILL.
    public var stopGracePeriod: Double?
    /// A catalog sidecar this container is based on; its fields here override the catalog's.
    public var catalogReference: CatalogReference?
    /// The process says when it is ready (`READY=1` on `NOTIFY_SOCKET`, as systemd's sd_notify), instead
    /// of, or before, its probes; only a local run can offer that.
    public var notifyReady: Bool = false
    /// The process writes a newline on this descriptor (3 or more) when it is ready, as s6's
    /// `notification-fd` has it; only a local run can offer that.
    public var notifyDescriptor: Int?
    /// The signals (names without `SIG`: `HUP`, `USR1`) that a local run passes on to this process when it
    /// receives them; nil for the default (every forwardable signal for a main process, none for others).
    public var forwardSignals: [String]?
    /// How often it may restart before it is given up, and the longest wait between two starts.
    public var restartLimit: RestartLimit?
    /// The fields the input set itself (`restart`, `essential`), as opposed to the format's defaults: a
    /// target that cannot hold a default loses nothing the user said.
    public var stated: [String] = []
    public var origin: Origin

    public init(
        name: String, role: Role = .sidecar, image: String? = nil, registryCredentials: String? = nil,
        entrypoint: [String]? = nil, command: Command? = nil, args: [String] = [], workingDirectory: String? = nil,
        ports: [Port] = [], environment: [EnvironmentVariable] = [], environmentFiles: [String] = [],
        mounts: [Mount] = [], probes: Probes = Probes(), resources: Resources = Resources(),
        dependsOn: [Dependency] = [], essential: Bool = true, restart: RestartPolicy = .never,
        labels: [String: String] = [:], sidecarFor: [String] = [], stopGracePeriod: Double? = nil,
        catalogReference: CatalogReference? = nil, origin: Origin = .unknown
    ) {
        self.name = name
        self.role = role
        self.image = image
        self.imageBuild = nil
        self.registryCredentials = registryCredentials
        self.entrypoint = entrypoint
        self.command = command
        self.args = args
        self.workingDirectory = workingDirectory
        self.ports = ports
        self.environment = environment
        self.environmentFiles = environmentFiles
        self.mounts = mounts
        self.probes = probes
        self.resources = resources
        self.dependsOn = dependsOn
        self.essential = essential
        self.restart = restart
        self.labels = labels
        self.sidecarFor = sidecarFor
        self.stopGracePeriod = stopGracePeriod
        self.catalogReference = catalogReference
        self.origin = origin
    }

    /// Whether the container has a check that can make it HEALTHY (a readiness or startup probe).
    public var hasHealthCheck: Bool { probes.readiness != nil || probes.startup != nil }
}

/// How a process is started: a shell command line (Cloud Foundry, Procfile) or an argument vector.
public enum Command: Sendable, Hashable, Codable {
    case shell(String)
    case exec([String])

    public var argv: [String] {
        switch self {
        case .shell(let line): ["/bin/sh", "-c", line]
        case .exec(let arguments): arguments
        }
    }
}

/// The restart budget of a process: at most `restarts` within `window` seconds, and at most `backoffMax`
/// seconds between two starts; nil fields take the runner's defaults (10 in 60 s, 30 s).
public struct RestartLimit: Sendable, Hashable, Codable {
    public var restarts: Int?
    public var window: Double?
    public var backoffMax: Double?

    public init(restarts: Int? = nil, window: Double? = nil, backoffMax: Double? = nil) {
        self.restarts = restarts
        self.window = window
        self.backoffMax = backoffMax
    }
}

public enum RestartPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case always
    case onFailure = "on-failure"
    case never
}

/// A reference from a service to a sidecar published in the catalog.
public struct CatalogReference: Sendable, Hashable, Codable {
    public var company: String?
    public var itemId: String
    public var version: String?

    public init(company: String? = nil, itemId: String, version: String? = nil) {
        self.company = company
        self.itemId = itemId
        self.version = version
    }
}

public struct TrafficTarget: Sendable, Hashable, Codable {
    public var container: String
    public var port: Int?
    public var origin: Origin

    public init(container: String, port: Int? = nil, origin: Origin = .unknown) {
        self.container = container
        self.port = port
        self.origin = origin
    }
}

/// Copilot's FireLens pattern, kept format-neutral: the router container and where it sends logs.
public struct LogRouting: Sendable, Hashable, Codable {
    public var router: String
    /// Output plugin options (`Name: cloudwatch`, `region: ...`).
    public var destination: [String: String]
    public var enableMetadata: Bool
    /// Secret references passed to the log configuration; the values stay where they are.
    public var secretOptions: [String: SecretSource]
    public var configFilePath: String?
    /// Seconds the service's own log group keeps events (Copilot `retention`).
    public var retentionDays: Int?
    public var origin: Origin

    public init(
        router: String, destination: [String: String] = [:], enableMetadata: Bool = true,
        secretOptions: [String: SecretSource] = [:], configFilePath: String? = nil, retentionDays: Int? = nil,
        origin: Origin = .unknown
    ) {
        self.router = router
        self.destination = destination
        self.enableMetadata = enableMetadata
        self.secretOptions = secretOptions
        self.configFilePath = configFilePath
        self.retentionDays = retentionDays
        self.origin = origin
    }
}

extension Container {
    /// The process itself says when it is ready (NOTIFY_SOCKET or a notify descriptor).
    public var notifiesReadiness: Bool { notifyReady || notifyDescriptor != nil }
}
