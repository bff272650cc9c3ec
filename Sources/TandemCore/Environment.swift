public struct EnvironmentVariable: Sendable, Hashable, Codable {
    public var name: String
    public var value: EnvironmentValue
    public var origin: Origin

    public init(name: String, value: EnvironmentValue, origin: Origin = .unknown) {
        self.name = name
        self.value = value
        self.origin = origin
    }
}

/// Where an environment variable's value comes from. Secret values are never held in the model:
/// only references to them, so printing a model can never leak one.
public enum EnvironmentValue: Sendable, Hashable, Codable {
    case plain(String)
    /// A key of a secret known to the platform (a Kubernetes Secret).
    case secretKey(secret: String, key: String)
    /// A secret held outside: an SSM parameter or Secrets Manager ARN (Copilot), a file or a host variable (local runs).
    case secretReference(SecretSource)
    /// A file of a config map, as the variable's value.
    case configMapFile(configMap: String, file: String)
    /// A field of the running instance (Kubernetes downward API), such as `metadata.name`.
    case field(path: String, container: String?)
    /// The value another CloudFormation stack exports under this name (Copilot `from_cfn`); it exists only
    /// once deployed.
    case cloudFormationExport(String)

    public var isSecret: Bool {
        switch self {
        case .secretKey, .secretReference: true
        default: false
        }
    }
}

public enum SecretSource: Sendable, Hashable, Codable, CustomStringConvertible {
    case ssmParameter(String)
    case secretsManager(String)
    case file(String)
    case hostEnvironment(String)
    /// An SSM parameter name or secret ARN that another CloudFormation stack exports under this name
    /// (Copilot `from_cfn`).
    case cloudFormationExport(String)

    public var description: String {
        switch self {
        case .ssmParameter(let name): "ssm:\(name)"
        case .secretsManager(let arn): "secretsmanager:\(arn)"
        case .file(let path): "file:\(path)"
        case .hostEnvironment(let name): "env:\(name)"
        case .cloudFormationExport(let name): "cfn-export:\(name)"
        }
    }
}
