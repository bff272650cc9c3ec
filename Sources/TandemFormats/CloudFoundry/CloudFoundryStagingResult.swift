/// What the lifecycle writes when a staging succeeds (`result.json`, which Cloud Controller reads: its
/// `StagingResult`), with the same keys and shapes.
public struct CloudFoundryStagingResult: Codable, Sendable, Equatable {
    public struct Buildpack: Codable, Sendable, Equatable {
        public var key: String
        public var name: String
        public var version: String?

        public init(key: String, name: String, version: String? = nil) {
            self.key = key
            self.name = name
            self.version = version
        }
    }

    public struct LifecycleMetadata: Codable, Sendable, Equatable {
        public var buildpackKey: String?
        public var detectedBuildpack: String
        public var buildpacks: [Buildpack]

        public init(buildpackKey: String?, detectedBuildpack: String, buildpacks: [Buildpack]) {
            self.buildpackKey = buildpackKey
            self.detectedBuildpack = detectedBuildpack
            self.buildpacks = buildpacks
        }

        enum CodingKeys: String, CodingKey {
            case buildpackKey = "buildpack_key"
            case detectedBuildpack = "detected_buildpack"
            case buildpacks
        }
    }

    public struct Process: Codable, Sendable, Equatable {
        public var type: String
        public var command: String

        public init(type: String, command: String) {
            self.type = type
            self.command = command
        }
    }

    public struct Sidecar: Codable, Sendable, Equatable {
        public var name: String
        public var processTypes: [String]
        public var command: String
        public var memory: Int?

        public init(name: String, processTypes: [String], command: String, memory: Int? = nil) {
            self.name = name
            self.processTypes = processTypes
            self.command = command
            self.memory = memory
        }

        enum CodingKeys: String, CodingKey {
            case name
            case processTypes = "process_types"
            case command, memory
        }
    }

    public var lifecycleMetadata: LifecycleMetadata
    public var processTypes: [String: String]
    public var processes: [Process]?
    public var sidecars: [Sidecar]?
    public var executionMetadata: String = ""
    public var lifecycleType: String = "buildpack"

    public init(lifecycleMetadata: LifecycleMetadata, processTypes: [String: String], processes: [Process]?, sidecars: [Sidecar]?) {
        self.lifecycleMetadata = lifecycleMetadata
        self.processTypes = processTypes
        self.processes = processes
        self.sidecars = sidecars
    }

    enum CodingKeys: String, CodingKey {
        case lifecycleMetadata = "lifecycle_metadata"
        case processTypes = "process_types"
        case processes, sidecars
        case executionMetadata = "execution_metadata"
        case lifecycleType = "lifecycle_type"
    }

    /// The name under which `tandem stage` leaves it in the droplet folder (the lifecycle writes it
    /// outside the droplet, for Cloud Controller); readers of a droplet take the processes from it.
    public static let fileName = "result.json"
}

/// The droplet's `staging_info.yml`: JSON under a YAML name, as the lifecycle writes it.
public struct CloudFoundryStagingInfo: Codable, Sendable, Equatable {
    public var detectedBuildpack: String
    public var startCommand: String

    public init(detectedBuildpack: String, startCommand: String) {
        self.detectedBuildpack = detectedBuildpack
        self.startCommand = startCommand
    }

    enum CodingKeys: String, CodingKey {
        case detectedBuildpack = "detected_buildpack"
        case startCommand = "start_command"
    }
}

extension CloudFoundryStagingResult {
    /// The lifecycle's ConvertToResult: processes without `sidecar_for` are process types (in order, and
    /// by type), the others sidecars of the types they name.
    public init(merged: [LaunchProcess], metadata: LifecycleMetadata) {
        var types: [String: String] = [:]
        var processes: [Process] = []
        var sidecars: [Sidecar] = []
        for process in merged {
            if process.sidecarFor.isEmpty {
                processes.append(Process(type: process.type, command: process.command))
                types[process.type] = process.command
            } else {
                sidecars.append(Sidecar(name: process.type, processTypes: process.sidecarFor, command: process.command, memory: process.memory))
            }
        }
        self.init(lifecycleMetadata: metadata, processTypes: types, processes: processes.isEmpty ? nil : processes, sidecars: sidecars.isEmpty ? nil : sidecars)
    }
}
