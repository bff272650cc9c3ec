import Foundation
import Synchronization
import TandemCore

public enum InputFormat: String, Sendable, CaseIterable {
    case tandem
    case mia
    case copilot
    case cfLaunch = "cf-launch"
    case cfManifest = "cf-manifest"
    case cfApp = "cf-app"

    public var title: String {
        switch self {
        case .tandem: "Tandem manifest"
        case .mia: "Mia-Platform Marketplace sidecar item"
        case .copilot: "AWS Copilot manifest"
        case .cfLaunch: "Cloud Foundry launch.yml"
        case .cfManifest: "Cloud Foundry app manifest"
        case .cfApp: "Cloud Foundry app folder"
        }
    }
}

/// One input file (or app folder), read and checked.
public struct LoadedInput: Sendable {
    public var file: String
    public var format: InputFormat?
    public var services: [Service]
    public var miaItem: MiaItem?
    public var launchProcesses: [LaunchProcess]
    /// A Copilot manifest's load balancers, topics and storage, read as deployed to one environment.
    public var copilot: CopilotWorkload?
    /// The Copilot application the manifest was read in (given, or from `copilot/.workspace`).
    public var copilotApplication: String?
    /// A Cloud Foundry manifest's apps, with the fields Tandem keeps for Cloud Foundry only.
    public var cloudFoundryApps: [CloudFoundryAppFields] = []

    /// What the input says beyond its services, for the renderers and writers of its own platform.
    public var extras: SourceExtras { SourceExtras(copilot: copilot, cloudFoundry: cloudFoundryApps.first, miaDocument: miaItem?.document) }
    public var diagnostics: [Diagnostic]
    /// What was read, in a line: the format and the containers (kept when the models are not).
    public var summary: String

    public var isValid: Bool { !diagnostics.hasErrors }

    init(
        file: String, format: InputFormat?, services: [Service] = [], miaItem: MiaItem? = nil, launchProcesses: [LaunchProcess] = [], diagnostics: [Diagnostic]
    ) {
        self.file = file
        self.format = format
        self.services = services
        self.miaItem = miaItem
        self.launchProcesses = launchProcesses
        self.diagnostics = Diagnostic.ordered(diagnostics)
        self.summary = Self.summarize(format: format, services: services, miaItem: miaItem)
    }

    /// Drops the models and documents, keeping the file, format, diagnostics and summary.
    func withoutModels() -> LoadedInput {
        var light = self
        light.services = []
        light.miaItem = nil
        light.launchProcesses = []
        light.copilot = nil
        light.cloudFoundryApps = []
        return light
    }

    static func summarize(format: InputFormat?, services: [Service], miaItem: MiaItem?) -> String {
        let title = format?.title ?? "unknown format"
        if let item = miaItem {
            return "\(title) \(item.itemId ?? "?"), sidecar \(item.container?.name ?? "?")"
        }
        let described = services.map { service in
            let sidecars = service.sidecars.map(\.name)
            let mains = service.mainContainers.map(\.name).joined(separator: ", ")
            return mains + (sidecars.isEmpty ? " (no sidecars)" : " with \(sidecars.joined(separator: ", "))")
        }
        return described.isEmpty ? title : "\(title): \(described.joined(separator: "; "))"
    }
}

/// What an input says beyond Tandem's model, kept for its own platform: a Copilot workload's load
/// balancers and storage, a Cloud Foundry app's buildpacks, stack, instances, routes...
public struct SourceExtras: Sendable {
    public var copilot: CopilotWorkload?
    public var cloudFoundry: CloudFoundryAppFields?
    /// A Mia item as written, so a Mia item written back keeps its fields.
    public var miaDocument: DocumentNode?

    public init(copilot: CopilotWorkload? = nil, cloudFoundry: CloudFoundryAppFields? = nil, miaDocument: DocumentNode? = nil) {
        self.copilot = copilot
        self.cloudFoundry = cloudFoundry
        self.miaDocument = miaDocument
    }
}

/// Finds inputs under paths, detects their format and reads them with the right reader.
public struct InputLoader: Sendable {
    public var format: InputFormat?
    /// Copilot: read the manifest as deployed to this environment; nil checks the base and every environment.
    public var environment: String?
    public var miaProfile: MiaSchemaProfile
    /// Mia items: check only the item schema's rules, not the service rules beyond it (for comparisons
    /// with JSON Schema validators).
    public var miaSchemaOnly: Bool
    /// Whether results keep the models and documents read; checking many files needs only diagnostics.
    public var keepsModels = true
    public var limits: DocumentLoader.Limits
    /// Copilot: the application (`${COPILOT_APPLICATION_NAME}`); nil looks for `copilot/.workspace`.
    public var application: String?
    /// Cloud Foundry: the name of a manifest's only app when it has none (`cf push APP`).
    public var cloudFoundryName: String?
    /// Cloud Foundry: the port web listens on (nil: 8080, as Cloud Foundry gives it).
    public var cloudFoundryPort: Int?
    /// Copilot: what `${NAME}` reads (the process's environment by default).
    public var variables: [String: String] = ProcessInfo.processInfo.environment

    public init(
        format: InputFormat? = nil, environment: String? = nil, miaProfile: MiaSchemaProfile = .standard, miaSchemaOnly: Bool = false,
        limits: DocumentLoader.Limits = .standard
    ) {
        self.format = format
        self.environment = environment
        self.miaProfile = miaProfile
        self.miaSchemaOnly = miaSchemaOnly
        self.limits = limits
    }

    public static let fileExtensions = ["yml", "yaml", "json"]

    /// Every input under `paths`. Paths that do not exist or cannot be read are returned separately:
    /// they are usage errors, not invalid inputs.
    enum Job: Sendable {
        case file(String)
        case app(String)
    }

    public func load(paths: [String]) -> (inputs: [LoadedInput], unreadable: [Diagnostic]) {
        var jobs: [Job] = []
        var unreadable: [Diagnostic] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                unreadable.append(Diagnostic(.error, file: path, path: "", message: "no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                if format == .cfApp || (format == nil && Self.isAppFolder(path)) {
                    jobs.append(.app(path))
                } else if format == .cfApp {
                    unreadable.append(Diagnostic(.error, file: path, path: "", message: "not a Cloud Foundry app folder (no deps/ and no Procfile)"))
                } else {
                    let found = walk(path, depth: 0)
                    if found.isEmpty {
                        unreadable.append(Diagnostic(.error, file: path, path: "", message: "no .yml, .yaml or .json files in this folder"))
                    }
                    jobs += found
                }
            } else if !FileManager.default.isReadableFile(atPath: path) {
                unreadable.append(Diagnostic(.error, file: path, path: "", message: "permission denied"))
            } else {
                jobs.append(.file(path))
            }
        }
        // Inputs are independent: read them on every core, keeping their order in the result.
        let work = jobs
        let results = Mutex<[LoadedInput?]>(Array(repeating: nil, count: jobs.count))
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let input: LoadedInput
            switch work[index] {
            case .file(let path): input = loadFile(path)
            case .app(let path): input = loadAppFolder(path)
            }
            let kept = keepsModels ? input : input.withoutModels()
            results.withLock { $0[index] = kept }
        }
        let loaded = results.withLock { slots in
            var loaded: [LoadedInput] = []
            loaded.reserveCapacity(slots.count)
            for index in slots.indices {
                if let input = slots[index] { loaded.append(input) }
                slots[index] = nil
            }
            return loaded
        }
        return (loaded, unreadable)
    }

    static func isAppFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        let deps = (path as NSString).appendingPathComponent("deps")
        if FileManager.default.fileExists(atPath: deps, isDirectory: &isDirectory), isDirectory.boolValue { return true }
        if CloudFoundryReader.isDroplet(path) { return true }
        return FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("Procfile"))
    }

    /// A Cloud Foundry buildpack: a folder with one of the lifecycle's scripts in `bin/`.
    static func isBuildpackFolder(_ path: String) -> Bool {
        ["supply", "finalize", "compile", "detect"].contains { FileManager.default.fileExists(atPath: path + "/bin/" + $0) }
    }

    /// Input files under a folder, in lexical order, depth first; app folders are returned whole.
    /// Entry types come from readdir, so a file costs no extra system call.
    private func walk(_ folder: String, depth: Int) -> [Job] {
        guard depth < 32, let directory = opendir(folder) else { return [] }
        var entries: [(name: String, isDirectory: Bool)] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            var isDirectory = Int32(entry.pointee.d_type) == DT_DIR
            if Int32(entry.pointee.d_type) == DT_UNKNOWN || Int32(entry.pointee.d_type) == DT_LNK {
                var flag: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(name), isDirectory: &flag)
                isDirectory = flag.boolValue
            }
            entries.append((name, isDirectory))
        }
        closedir(directory)
        var result: [Job] = []
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            let path = folder.hasSuffix("/") ? folder + entry.name : folder + "/" + entry.name
            if entry.isDirectory {
                if Self.isAppFolder(path) {
                    result.append(.app(path))
                } else if !Self.isBuildpackFolder(path) {
                    // A buildpack's manifest.yml is the buildpack's own (`tandem stage` runs it), not an input.
                    result += walk(path, depth: depth + 1)
                }
            } else if entry.name.hasSuffix(".schema.json") {
                // JSON Schemas beside items (the public catalog's manifest.schema.json) are not inputs.
                continue
            } else if let dot = entry.name.lastIndex(of: "."), Self.fileExtensions.contains(entry.name[entry.name.index(after: dot)...].lowercased()) {
                result.append(.file(path))
            }
        }
        return result
    }

    public func loadAppFolder(_ path: String) -> LoadedInput {
        let (service, diagnostics) = CloudFoundryReader(port: cloudFoundryPort).readAppFolder(path, limits: limits)
        return LoadedInput(file: path, format: .cfApp, services: service.map { [$0] } ?? [], diagnostics: diagnostics)
    }

    public func loadFile(_ path: String) -> LoadedInput {
        let loaded = DocumentLoader.load(path: path, limits: limits)
        guard let root = loaded.root else {
            return LoadedInput(file: path, format: format, diagnostics: loaded.diagnostics)
        }
        return read(root, file: path, extra: loaded.diagnostics)
    }

    public func load(text: String, file: String) -> LoadedInput {
        let loaded = DocumentLoader.load(text: text, file: file, limits: limits)
        guard let root = loaded.root else { return LoadedInput(file: file, format: format, diagnostics: loaded.diagnostics) }
        return read(root, file: file, extra: loaded.diagnostics)
    }

    public func read(_ root: DocumentNode, file: String, extra: [Diagnostic] = []) -> LoadedInput {
        guard let format = format ?? Self.detect(root, file: file) else {
            return LoadedInput(
                file: file, format: nil,
                diagnostics: extra + [
                    Diagnostic(
                        .error, file: file, path: "",
                        message:
                            "cannot tell which format this is; expected a Tandem manifest (tandem: v1), a Mia sidecar item (type: sidecar), a Copilot manifest, a launch.yml or a cf manifest (use --format to say)"
                    )
                ])
        }
        switch format {
        case .tandem:
            let (service, diagnostics) = TandemManifestReader().read(root, file: file)
            return LoadedInput(file: file, format: format, services: service.map { [$0] } ?? [], diagnostics: extra + diagnostics)
        case .mia:
            let (item, diagnostics) = MiaItemReader(profile: miaProfile).read(root, file: file, serviceRules: !miaSchemaOnly)
            return LoadedInput(file: file, format: format, services: item.map { [$0.service] } ?? [], miaItem: item, diagnostics: extra + diagnostics)
        case .copilot:
            let reader = CopilotManifestReader(application: application ?? Self.copilotApplication(near: file), variables: variables)
            var input: LoadedInput
            if let environment {
                let result = reader.readWorkload(root, file: file, environment: environment)
                input = LoadedInput(file: file, format: format, services: result.service.map { [$0] } ?? [], diagnostics: extra + result.diagnostics)
                input.copilot = result.workload
            } else {
                let (service, diagnostics) = reader.readAll(root, file: file)
                input = LoadedInput(file: file, format: format, services: service.map { [$0] } ?? [], diagnostics: extra + diagnostics)
                input.copilot = reader.readWorkload(root, file: file).workload
            }
            input.copilotApplication = reader.application
            return input
        case .cfLaunch:
            let reader = CloudFoundryReader(port: cloudFoundryPort)
            var (processes, diagnostics) = reader.readLaunchFile(root, file: file)
            let service = reader.makeService(name: "app", processes: processes, memory: [:], file: file, diagnostics: &diagnostics)
            return LoadedInput(file: file, format: format, services: service.map { [$0] } ?? [], launchProcesses: processes, diagnostics: extra + diagnostics)
        case .cfManifest:
            let (services, apps, diagnostics) = CloudFoundryReader(port: cloudFoundryPort).readManifestApps(root, file: file, name: cloudFoundryName)
            var input = LoadedInput(file: file, format: format, services: services, diagnostics: extra + diagnostics)
            input.cloudFoundryApps = apps
            return input
        case .cfApp:
            return LoadedInput(
                file: file, format: format,
                diagnostics: extra + [Diagnostic(.error, file: file, path: "", message: "a Cloud Foundry app is a folder, not a file")])
        }
    }

    /// The application named by the Copilot workspace (`copilot/.workspace`: `application: NAME`) that
    /// holds `file`, as Copilot finds it from the manifest's folder upwards.
    static func copilotApplication(near file: String) -> String? {
        var folder = ((file as NSString).deletingLastPathComponent as NSString).standardizingPath
        if folder.isEmpty { folder = FileManager.default.currentDirectoryPath }
        for _ in 0..<16 {
            for candidate in [(folder as NSString).appendingPathComponent(".workspace"), (folder as NSString).appendingPathComponent("copilot/.workspace")] {
                if let text = try? String(contentsOfFile: candidate, encoding: .utf8) {
                    for line in text.split(separator: "\n") where line.hasPrefix("application:") {
                        let name = line.dropFirst("application:".count).trimmingCharacters(in: .whitespaces)
                        if !name.isEmpty { return name.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
                    }
                }
            }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder || parent.isEmpty { break }
            folder = parent
        }
        return nil
    }

    /// Decides the format from the file's name and its top-level keys.
    public static func detect(_ root: DocumentNode, file: String) -> InputFormat? {
        let name = (file as NSString).lastPathComponent.lowercased()
        guard let entries = root.entries else { return nil }
        let keys = Set(entries.map(\.key))
        if keys.contains("tandem") { return .tandem }
        if case .string("sidecar")? = root["type"]?.value { return .mia }
        if case .string("sidecar")? = root["itemTypeDefinitionRef"]?["name"]?.value { return .mia }
        if keys.contains("itemId") || (keys.contains("resources") && keys.contains("tenantId")) { return .mia }
        if keys.contains("applications") { return .cfManifest }
        if name == "launch.yml" || name == "launch.yaml" || (keys.contains("processes") && root["processes"]?.items != nil) { return .cfLaunch }
        if let type = root["type"]?.scalar?.text, CopilotManifestReader.serviceTypes.contains(type) { return .copilot }
        if !keys.isDisjoint(with: ["sidecars", "image", "http", "logging", "storage"]) && keys.contains("name") { return .copilot }
        // A Copilot manifest with a mistyped `type`: read it, so Copilot's own message says what is wrong.
        if keys.contains("name"), let type = root["type"]?.scalar?.text, type.contains(" ") || type.hasSuffix("Service") || type.hasSuffix("Job") {
            return .copilot
        }
        return nil
    }
}
