public struct Probes: Sendable, Hashable, Codable {
    public var startup: Probe?
    public var readiness: Probe?
    public var liveness: Probe?

    public init(startup: Probe? = nil, readiness: Probe? = nil, liveness: Probe? = nil) {
        self.startup = startup
        self.readiness = readiness
        self.liveness = liveness
    }

    public var isEmpty: Bool { startup == nil && readiness == nil && liveness == nil }
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
