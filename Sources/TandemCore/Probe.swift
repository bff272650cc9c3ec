/// A container's three probes. Held in a box: three probes inline were half of a `Container` (504 of 992
/// bytes), which the runtime holds a few copies of per process; most containers have none, and then no box.
public struct Probes: Sendable, Hashable, Codable {
    private final class Box: Sendable {
        let startup: Probe?
        let readiness: Probe?
        let liveness: Probe?

        init(startup: Probe?, readiness: Probe?, liveness: Probe?) {
            self.startup = startup
            self.readiness = readiness
            self.liveness = liveness
        }
    }

    private var box: Box?

    public init(startup: Probe? = nil, readiness: Probe? = nil, liveness: Probe? = nil) {
        box = startup == nil && readiness == nil && liveness == nil ? nil : Box(startup: startup, readiness: readiness, liveness: liveness)
    }

    public var startup: Probe? {
        get { box?.startup }
        set { self = Probes(startup: newValue, readiness: readiness, liveness: liveness) }
    }

    public var readiness: Probe? {
        get { box?.readiness }
        set { self = Probes(startup: startup, readiness: newValue, liveness: liveness) }
    }

    public var liveness: Probe? {
        get { box?.liveness }
        set { self = Probes(startup: startup, readiness: readiness, liveness: newValue) }
    }

    public var isEmpty: Bool { box == nil }

    public static func == (left: Probes, right: Probes) -> Bool {
        left.startup == right.startup && left.readiness == right.readiness && left.liveness == right.liveness
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(startup)
        hasher.combine(readiness)
        hasher.combine(liveness)
    }

    private enum CodingKeys: String, CodingKey {
        case startup, readiness, liveness
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            startup: try container.decodeIfPresent(Probe.self, forKey: .startup),
            readiness: try container.decodeIfPresent(Probe.self, forKey: .readiness),
            liveness: try container.decodeIfPresent(Probe.self, forKey: .liveness))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(startup, forKey: .startup)
        try container.encodeIfPresent(readiness, forKey: .readiness)
        try container.encodeIfPresent(liveness, forKey: .liveness)
    }
}

/// A health check with Kubernetes' semantics: it first runs after `initialDelay`, then every `period`;
/// `failureThreshold` consecutive failures fail it and `successThreshold` consecutive successes pass it.
public struct Probe: Sendable, Hashable, Codable {
    public enum Action: Sendable, Hashable, Codable {
        case exec([String])
        /// A shell command line (Docker's `CMD-SHELL`).
        case shell(String)
        case http(path: String, port: PortNumber?)
        case tcp(port: PortNumber?)
    }

    public var action: Action
    /// Seconds; nil means the default of the engine the service runs on.
    public var initialDelay: Double?
    public var period: Double?
    public var timeout: Double?
    public var successThreshold: Int?
    public var failureThreshold: Int?
    public var origin: Origin

    public init(
        action: Action, initialDelay: Double? = nil, period: Double? = nil, timeout: Double? = nil,
        successThreshold: Int? = nil, failureThreshold: Int? = nil, origin: Origin = .unknown
    ) {
        self.action = action
        self.initialDelay = initialDelay
        self.period = period
        self.timeout = timeout
        self.successThreshold = successThreshold
        self.failureThreshold = failureThreshold
        self.origin = origin
    }
}

/// CPU in millicores and memory in MiB; `request` is what is reserved, `limit` the most a container may use.
public struct Resources: Sendable, Hashable, Codable {
    public var cpuRequest: Quantity?
    public var cpuLimit: Quantity?
    public var memoryRequest: Quantity?
    public var memoryLimit: Quantity?

    public init(cpuRequest: Quantity? = nil, cpuLimit: Quantity? = nil, memoryRequest: Quantity? = nil, memoryLimit: Quantity? = nil) {
        self.cpuRequest = cpuRequest
        self.cpuLimit = cpuLimit
        self.memoryRequest = memoryRequest
        self.memoryLimit = memoryLimit
    }

    public var isEmpty: Bool { cpuRequest == nil && cpuLimit == nil && memoryRequest == nil && memoryLimit == nil }
}

/// An amount in the unit of its field, or a `{{VARIABLE}}` placeholder.
public enum Quantity: Sendable, Hashable, Codable, CustomStringConvertible {
    case value(Int)
    case placeholder(String)

    public var value: Int? {
        if case .value(let amount) = self { return amount }
        return nil
    }

    public var description: String {
        switch self {
        case .value(let amount): String(amount)
        case .placeholder(let name): "{{\(name)}}"
        }
    }
}

public struct Dependency: Sendable, Hashable, Codable {
    public enum Condition: String, Sendable, Hashable, Codable, CaseIterable {
        /// The dependency has started.
        case start = "START"
        /// The dependency's health check (readiness or startup probe) passes.
        case healthy = "HEALTHY"
        /// The dependency has exited, with any code.
        case complete = "COMPLETE"
        /// The dependency has exited with code 0.
        case success = "SUCCESS"
    }

    public var container: String
    public var condition: Condition
    /// Seconds to wait for the condition before the dependent is reported blocked.
    public var timeout: Double?
    public var origin: Origin

    public init(container: String, condition: Condition, timeout: Double? = nil, origin: Origin = .unknown) {
        self.container = container
        self.condition = condition
        self.timeout = timeout
        self.origin = origin
    }
}
