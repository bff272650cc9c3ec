public struct Volume: Sendable, Hashable, Codable {
    public enum Kind: Sendable, Hashable, Codable {
        /// Scratch space shared by the containers of one instance.
        case scratch
        case hostPath(String)
        case efs(EFSVolume)
        case configMap(String)
        case secret(String)
    }

    public var name: String
    public var kind: Kind
    /// Where the main container mounts it (Copilot `storage.volumes.<name>.path`), if anywhere.
    public var mainMountPath: String?
    public var readOnly: Bool
    public var origin: Origin

    public init(name: String, kind: Kind, mainMountPath: String? = nil, readOnly: Bool = true, origin: Origin = .unknown) {
        self.name = name
        self.kind = kind
        self.mainMountPath = mainMountPath
        self.readOnly = readOnly
        self.origin = origin
    }
}

public struct EFSVolume: Sendable, Hashable, Codable {
    /// Nil with `managed` means the file system is created for the service.
    public var fileSystemId: String?
    /// The id is the value another CloudFormation stack exports under `fileSystemId` (Copilot `from_cfn`).
    public var fileSystemIdIsExport: Bool = false
    public var rootDirectory: String?
    public var accessPointId: String?
    public var iamAuthorization: Bool?
    public var uid: Int?
    public var gid: Int?
    public var managed: Bool

    public init(
        fileSystemId: String? = nil, rootDirectory: String? = nil, accessPointId: String? = nil,
        iamAuthorization: Bool? = nil, uid: Int? = nil, gid: Int? = nil, managed: Bool = false
    ) {
        self.fileSystemId = fileSystemId
        self.rootDirectory = rootDirectory
        self.accessPointId = accessPointId
        self.iamAuthorization = iamAuthorization
        self.uid = uid
        self.gid = gid
        self.managed = managed
    }
}

public struct Mount: Sendable, Hashable, Codable {
    public var volume: String
    public var path: String
    public var readOnly: Bool
    public var subPath: String?
    public var origin: Origin

    public init(volume: String, path: String, readOnly: Bool = true, subPath: String? = nil, origin: Origin = .unknown) {
        self.volume = volume
        self.path = path
        self.readOnly = readOnly
        self.subPath = subPath
        self.origin = origin
    }
}

/// Named configuration files, mounted as a folder (a Kubernetes ConfigMap, Mia `defaultConfigMaps`).
public struct ConfigMap: Sendable, Hashable, Codable {
    public var name: String
    public var files: [ConfigFile]
    public var origin: Origin

    public init(name: String, files: [ConfigFile], origin: Origin = .unknown) {
        self.name = name
        self.files = files
        self.origin = origin
    }
}

public struct ConfigFile: Sendable, Hashable, Codable {
    public var name: String
    public var content: String
    public var origin: Origin

    public init(name: String, content: String, origin: Origin = .unknown) {
        self.name = name
        self.content = content
        self.origin = origin
    }
}
