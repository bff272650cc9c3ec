/// A port number, or a `{{VARIABLE}}` placeholder filled in when a catalog sidecar is instantiated.
public enum PortNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Int)
    case placeholder(String)

    public var number: Int? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case .number(let value): String(value)
        case .placeholder(let name): "{{\(name)}}"
        }
    }
}

public enum TransportProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    case tcp = "TCP"
    case udp = "UDP"
}

public struct Port: Sendable, Hashable, Codable {
    public var name: String?
    /// The port the process listens on inside its container.
    public var containerPort: PortNumber
    /// The port the service exposes for it (Mia `from`); nil means the same as `containerPort`.
    public var exposedPort: PortNumber?
    public var transport: TransportProtocol
    public var origin: Origin

    public init(
        name: String? = nil, containerPort: PortNumber, exposedPort: PortNumber? = nil,
        transport: TransportProtocol = .tcp, origin: Origin = .unknown
    ) {
        self.name = name
        self.containerPort = containerPort
        self.exposedPort = exposedPort
        self.transport = transport
        self.origin = origin
    }
}
