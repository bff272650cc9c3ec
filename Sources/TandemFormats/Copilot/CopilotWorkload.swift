import TandemCore

/// What a Copilot manifest says beyond its containers: the load balancers and where they send traffic,
/// the topics and queues, the task's storage. Tandem's service model holds the containers; this holds
/// the rest, so the CloudFormation render can follow Copilot's own templates.
public struct CopilotWorkload: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case loadBalancedWebService = "Load Balanced Web Service"
        case backendService = "Backend Service"
        case workerService = "Worker Service"
        case scheduledJob = "Scheduled Job"
        case requestDrivenWebService = "Request-Driven Web Service"
        case staticSite = "Static Site"
    }

    /// `http` and each of `http.additional_rules`: where an ALB rule sends traffic.
    public struct RoutingRule: Sendable, Hashable {
        public var targetContainer: String?
        public var targetPort: Int?
        public var origin: Origin
    }

    /// `nlb` and each of `nlb.additional_listeners`.
    public struct Listener: Sendable, Hashable {
        public var port: Int
        /// TCP, UDP, TLS or TCP_UDP, as written (upper-cased).
        public var transport: String
        public var targetContainer: String?
        public var targetPort: Int?
        public var origin: Origin
    }

    public struct Topic: Sendable, Hashable {
        public var name: String
        public var fifo: Bool
        public var contentBasedDeduplication: Bool
    }

    /// A `subscribe.topics` entry: another service's topic, with a queue of its own when it has `queue`.
    public struct Subscription: Sendable, Hashable {
        public var service: String
        public var name: String
        public var hasQueue: Bool
        public var fifo: Bool
    }

    public var name: String
    public var kind: Kind
    /// The ALB rules, the main one first; empty when `http` is absent, empty or `false`.
    public var routingRules: [RoutingRule] = []
    /// `http: false`.
    public var httpDisabled = false
    /// `http.alb`: an existing ALB (name or ARN) to attach to instead of the environment's.
    public var importedLoadBalancer: String?
    public var listeners: [Listener] = []
    public var topics: [Topic] = []
    public var subscriptions: [Subscription] = []
    /// GiB of task storage (`storage.ephemeral`); Copilot leaves out Fargate's default of 20.
    public var ephemeralStorage: Int?
    public var readonlyRootFilesystem: Bool?

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The ports each container exposes, as Copilot computes them: a sidecar's `port`, the ALB rules'
    /// and NLB listeners' target ports, then the main container's `image.port`.
    public struct ExposedPort: Sendable, Hashable {
        public var port: Int
        /// Lower case: tcp or udp.
        public var transport: String
        public var container: String
        /// The container declares this port itself (not only a load balancer's target).
        public var declared: Bool
    }

    public struct PortIndex: Sendable, Hashable {
        public var main: String
        /// Per container, by port number.
        public var byContainer: [String: [ExposedPort]]
        public var containerForPort: [Int: String]

        public func ports(of container: String) -> [ExposedPort] { byContainer[container] ?? [] }
        public func declaredPort(of container: String) -> ExposedPort? { ports(of: container).first(where: \.declared) }
    }

    /// The index of exposed ports, and the clashes Copilot refuses (in its words).
    public func exposedPorts(of service: Service) -> (index: PortIndex, problems: [(Origin, String)]) {
        var exposed: [Int: ExposedPort] = [:]
        var problems: [(Origin, String)] = []
        let mainName = service.mainContainers.first?.name ?? name
        // Copilot's validation, its own pass over the same sources.
        // Clashes between containers' own ports are the service validator's; these involve a balancer.
        var claimed: [Int: (container: String, transport: String, balancer: Bool)] = [:]
        func claim(_ port: Int, _ transport: String, _ container: String, _ origin: Origin, balancer: Bool = false) {
            let transport = transport.uppercased()
            guard let existing = claimed[port] else {
                claimed[port] = (container, transport, balancer)
                return
            }
            guard balancer || existing.balancer else { return }
            if existing.container != container {
                problems.append((origin, "containers \"\(container)\" and \"\(existing.container)\" are exposing the same port \(port)"))
            } else if existing.transport != transport {
                problems.append((origin, "container \"\(container)\" is exposing the same port \(port) with protocol \(transport) and \(existing.transport)"))
            }
        }
        for sidecar in service.containers where sidecar.role != .main {
            guard let port = sidecar.ports.first, let number = port.containerPort.number else { continue }
            let transport = port.transport == .udp ? "udp" : "tcp"
            claim(number, transport, sidecar.name, port.origin)
            exposed[number] = ExposedPort(port: number, transport: transport, container: sidecar.name, declared: true)
        }
        let balanced = kind == .loadBalancedWebService || kind == .backendService
        if balanced {
            for rule in routingRules {
                guard let port = rule.targetPort else { continue }
                claim(port, "tcp", rule.targetContainer ?? claimed[port]?.container ?? mainName, rule.origin, balancer: true)
                if exposed[port] == nil {
                    exposed[port] = ExposedPort(port: port, transport: "tcp", container: rule.targetContainer ?? mainName, declared: false)
                }
            }
        }
        if kind == .loadBalancedWebService {
            for listener in listeners {
                let port = listener.targetPort ?? listener.port
                let transport = listener.transport == "TLS" ? "tcp" : listener.transport.lowercased()
                claim(port, transport, listener.targetContainer ?? claimed[port]?.container ?? mainName, listener.origin, balancer: true)
                if exposed.values.contains(where: { $0.port == port && $0.transport == transport }) { continue }
                exposed[port] = ExposedPort(port: port, transport: transport, container: listener.targetContainer ?? mainName, declared: false)
            }
        }
        if balanced, let main = service.mainContainers.first, let port = main.ports.first, let number = port.containerPort.number {
            claim(number, claimed[number]?.transport ?? "tcp", main.name, port.origin)
            if exposed[number] != nil {
                exposed[number]?.declared = true
            } else {
                exposed[number] = ExposedPort(port: number, transport: "tcp", container: main.name, declared: true)
            }
        }
        var index = PortIndex(main: mainName, byContainer: [:], containerForPort: [:])
        for port in exposed.keys.sorted() {
            let entry = exposed[port]!
            index.byContainer[entry.container, default: []].append(entry)
            index.containerForPort[port] = entry.container
        }
        return (index, problems)
    }

    /// Where an ALB rule sends traffic: Copilot's `RoutingRule.Target`.
    public func target(of rule: RoutingRule, in index: PortIndex) -> (container: String, port: Int?) {
        var container = index.main
        var port = index.declaredPort(of: index.main)?.port
        if let chosen = explicitTarget(container: rule.targetContainer, port: rule.targetPort, in: index) {
            if let chosenContainer = chosen.container { container = chosenContainer }
            if let chosenPort = chosen.port { port = chosenPort }
        }
        return (container, port)
    }

    /// Copilot's `exposedContainerAndPort`: nil when the rule names neither.
    func explicitTarget(container: String?, port: Int?, in index: PortIndex) -> (container: String?, port: Int?)? {
        switch (container, port) {
        case (nil, nil):
            return nil
        case (let container?, nil):
            guard container != index.main else { return nil }
            return (container, index.declaredPort(of: container)?.port)
        case (nil, let port?):
            return (index.containerForPort[port], port)
        case (let container?, let port?):
            return (container, port)
        }
    }

    /// Where an NLB listener sends traffic: Copilot's `NetworkLoadBalancerListener.Target`.
    public func target(of listener: Listener, in index: PortIndex) -> (container: String, port: Int) {
        switch (listener.targetContainer, listener.targetPort) {
        case (nil, nil):
            return (index.main, listener.port)
        case (let container?, nil):
            guard container != index.main else { return (index.main, listener.port) }
            return (container, index.declaredPort(of: container)?.port ?? listener.port)
        case (nil, let port?):
            return (index.containerForPort[port] ?? index.main, port)
        case (let container?, let port?):
            return (container, port)
        }
    }

    /// The container and port ECS Service Connect serves (the port Copilot names `target`), if any.
    public func serviceConnectTarget(in index: PortIndex) -> (container: String, port: Int)? {
        guard kind == .loadBalancedWebService || kind == .backendService else { return nil }
        var container = index.main
        var port = index.declaredPort(of: index.main)?.port
        var transport = index.declaredPort(of: index.main)?.transport ?? "tcp"
        if let main = routingRules.first, let chosen = explicitTarget(container: main.targetContainer, port: main.targetPort, in: index),
            let chosenContainer = chosen.container, let chosenPort = chosen.port
        {
            container = chosenContainer
            port = chosenPort
            transport = "tcp"
        }
        guard transport != "udp", let port else { return nil }
        return (container, port)
    }
}
