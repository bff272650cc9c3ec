import Foundation
import TandemCore

/// One entry of a buildpack's `launch.yml`, a Procfile line, or a release default.
public struct LaunchProcess: Sendable, Hashable {
    public var type: String
    public var command: String
    /// MB reserved for a sidecar (`limits.memory`).
    public var memory: Int?
    /// Non-empty makes the entry a sidecar of these process types.
    public var sidecarFor: [String]
    public var origin: Origin

    public init(type: String, command: String, memory: Int? = nil, sidecarFor: [String] = [], origin: Origin = .unknown) {
        self.type = type
        self.command = command
        self.memory = memory
        self.sidecarFor = sidecarFor
        self.origin = origin
    }
}

/// Cloud Foundry's inputs: buildpack `launch.yml` files, a staged app folder (`deps/<index>/launch.yml`
/// and a `Procfile`) merged exactly as the buildpack lifecycle does, and app manifests with `sidecars`.
public struct CloudFoundryReader: Sendable {
    /// CF's default memory for a process whose manifest does not say.
    public static let defaultProcessMemory = 1024
    /// The port CF gives the `web` process and health-checks by default.
    public static let webPort = 8080
    /// The port given to `web` ($PORT, and its default health check): Cloud Foundry's, unless a run on one
    /// machine needs another (two apps side by side).
    public var port = CloudFoundryReader.webPort

    public init(port: Int? = nil) {
        if let port { self.port = port }
    }

    // MARK: launch.yml

    /// Reads `processes:` of one launch.yml. Unknown keys and other platforms are ignored by CF: warnings here.
    public func readLaunchFile(_ root: DocumentNode, file: String) -> (processes: [LaunchProcess], diagnostics: [Diagnostic]) {
        let context = ReadContext(file: file, strictTypes: false)
        var processes: [LaunchProcess] = []
        guard var fields = Fields(root, path: "", context: context) else { return ([], context.diagnostics) }
        if let list = fields.value("processes") {
            if let items = list.items {
                for (index, item) in items.enumerated() {
                    if let process = readLaunchEntry(item, path: FieldPath.index("processes", index), context: context) {
                        processes.append(process)
                    }
                }
            } else {
                context.error(list, "processes", "expected a list of processes, found \(Fields.describe(list))")
            }
        }
        fields.reportUnknown(.warning)
        return (processes, context.diagnostics)
    }

    private func readLaunchEntry(_ node: DocumentNode, path: String, context: ReadContext) -> LaunchProcess? {
        guard var fields = Fields(node, path: path, context: context) else { return nil }
        let type = fields.string("type", required: true)
        let command = fields.string("command") ?? ""
        var memory: Int?
        if let limitsNode = fields.value("limits"), var limits = Fields(limitsNode, path: FieldPath.child(path, "limits"), context: context) {
            memory = limits.int("memory")
            if let value = memory, value < 0, let memoryNode = limits.node("memory") {
                context.error(memoryNode, FieldPath.child(FieldPath.child(path, "limits"), "memory"), "expected a memory limit in MB, 0 or more")
            }
            limits.reportUnknown(.warning)
        }
        var sidecarFor: [String] = []
        if let platformsNode = fields.value("platforms"), var platforms = Fields(platformsNode, path: FieldPath.child(path, "platforms"), context: context) {
            if let cfNode = platforms.value("cloudfoundry"),
                var cloudFoundry = Fields(cfNode, path: FieldPath.child(FieldPath.child(path, "platforms"), "cloudfoundry"), context: context)
            {
                sidecarFor = cloudFoundry.stringList("sidecar_for") ?? []
                cloudFoundry.reportUnknown(.warning)
            }
            // Other platforms' keys are for other platforms: read by nobody here, and no cause for warning.
            for key in platforms.keys { _ = platforms.node(key) }
        }
        fields.reportUnknown(.warning)
        guard let type else { return nil }
        if memory == 0 { memory = nil }
        return LaunchProcess(type: type, command: command, memory: memory, sidecarFor: sidecarFor, origin: Origin(path: path, location: context.at(node)))
    }

    /// The lifecycle's merge: an entry whose type is already present replaces it in place, others append.
    public static func merge(_ lists: [[LaunchProcess]]) -> [LaunchProcess] {
        var merged: [LaunchProcess] = []
        for list in lists {
            for process in list {
                if let index = merged.firstIndex(where: { $0.type == process.type }) {
                    merged[index] = process
                } else {
                    merged.append(process)
                }
            }
        }
        return merged
    }

    /// What a final buildpack's `bin/release` prints (kept as `release.yml` in a staged folder): its
    /// `default_process_types`; `addons` and `config_vars` are read by nobody today.
    public func readRelease(_ root: DocumentNode, file: String) -> (processes: [LaunchProcess], diagnostics: [Diagnostic]) {
        let context = ReadContext(file: file, strictTypes: false)
        var defaults: [LaunchProcess] = []
        if var fields = Fields(root, path: "", context: context) {
            for (type, command, node) in fields.stringMap("default_process_types") ?? [] {
                defaults.append(LaunchProcess(type: type, command: command, origin: Origin(path: "default_process_types.\(type)", location: context.at(node))))
            }
            for key in ["addons", "config_vars"] { _ = fields.node(key) }
            fields.reportUnknown(.warning)
        }
        return (defaults, context.diagnostics)
    }

    /// `type: command` lines; blank lines and `#` comments are skipped.
    public func readProcfile(_ text: String, file: String) -> (processes: [LaunchProcess], diagnostics: [Diagnostic]) {
        var processes: [LaunchProcess] = []
        var diagnostics: [Diagnostic] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let location = SourceLocation(file: file, line: index + 1, column: 1)
            guard let colon = line.firstIndex(of: ":") else {
                diagnostics.append(Diagnostic(.error, at: location, file: file, path: "", message: "expected \"TYPE: COMMAND\", found \"\(line)\""))
                continue
            }
            let type = line[..<colon].trimmingCharacters(in: .whitespaces)
            let command = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !type.isEmpty, type.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                diagnostics.append(
                    Diagnostic(.error, at: location, file: file, path: "", message: "process type \"\(type)\" may only hold letters, digits, \"_\" and \"-\""))
                continue
            }
            processes.append(LaunchProcess(type: type, command: command, origin: Origin(path: type, location: location)))
        }
        return (processes, diagnostics)
    }

    /// A staged app folder: `deps/<index>/launch.yml` (supply buildpacks, then the final one), else the
    /// final buildpack's release defaults (`release.yml`, the output of its `bin/release`), then `Procfile`.
    public func readAppFolder(_ folder: String, limits: DocumentLoader.Limits = .standard) -> (service: Service?, diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let fileManager = FileManager.default
        let depsFolder = (folder as NSString).appendingPathComponent("deps")
        let indices = ((try? fileManager.contentsOfDirectory(atPath: depsFolder)) ?? []).compactMap(Int.init).sorted()
        var lists: [[LaunchProcess]] = []
        var finalHasLaunch = false
        for index in indices {
            // The lifecycle looks for the unpadded index even where DEPS_IDX is zero-padded (10+ buildpacks).
            let path = (depsFolder as NSString).appendingPathComponent("\(index)/launch.yml")
            guard fileManager.fileExists(atPath: path) else { continue }
            let display = "deps/\(index)/launch.yml"
            let loaded = DocumentLoader.load(path: path, displayName: relative(path, to: folder, fallback: display), limits: limits)
            diagnostics += loaded.diagnostics
            guard let root = loaded.root else { continue }
            let (processes, more) = readLaunchFile(root, file: relative(path, to: folder, fallback: display))
            diagnostics += more
            lists.append(processes)
            if index == indices.last { finalHasLaunch = true }
        }
        let releasePath = (folder as NSString).appendingPathComponent("release.yml")
        if !finalHasLaunch, fileManager.fileExists(atPath: releasePath) {
            let display = relative(releasePath, to: folder, fallback: "release.yml")
            let loaded = DocumentLoader.load(path: releasePath, displayName: display, limits: limits)
            diagnostics += loaded.diagnostics
            if let root = loaded.root {
                let (defaults, more) = readRelease(root, file: display)
                diagnostics += more
                lists.append(defaults)
            }
        }
        for name in ["Procfile", "app/Procfile"] {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = fileManager.contents(atPath: path) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                diagnostics.append(Diagnostic(.error, file: relative(path, to: folder, fallback: name), path: "", message: "the file is not valid UTF-8"))
                break
            }
            let (processes, more) = readProcfile(text, file: relative(path, to: folder, fallback: name))
            diagnostics += more
            lists.append(processes)
            break
        }
        // A droplet (what the lifecycle leaves in /home/vcap): `staging_info.yml` holds the staged web
        // command, which is what Diego starts for web.
        let droplet = Self.isDroplet(folder)
        let resultPath = (folder as NSString).appendingPathComponent(CloudFoundryStagingResult.fileName)
        if droplet, fileManager.fileExists(atPath: resultPath) {
            // `tandem stage` left the lifecycle's own merge: it is the droplet's processes, whole.
            let display = relative(resultPath, to: folder, fallback: CloudFoundryStagingResult.fileName)
            let loaded = DocumentLoader.load(path: resultPath, displayName: display, limits: limits)
            diagnostics += loaded.diagnostics
            if let root = loaded.root {
                let (processes, more) = readStagingResult(root, file: display)
                diagnostics += more
                lists = [processes]
            }
        } else if droplet {
            let path = (folder as NSString).appendingPathComponent(Self.stagingInfoFile)
            let loaded = DocumentLoader.load(path: path, displayName: relative(path, to: folder, fallback: Self.stagingInfoFile), limits: limits)
            diagnostics += loaded.diagnostics
            if let root = loaded.root, case .string(let command)? = root["start_command"]?.value, !command.isEmpty {
                let origin = Origin(
                    path: "start_command",
                    location: root["start_command"].map { $0.position.location(in: relative(path, to: folder, fallback: Self.stagingInfoFile)) })
                lists.append([LaunchProcess(type: "web", command: command, origin: origin)])
            }
        } else if fileManager.fileExists(atPath: releasePath), finalHasLaunch {
            diagnostics.append(
                Diagnostic(
                    .warning, file: relative(releasePath, to: folder, fallback: "release.yml"), path: "",
                    message:
                        "not used: the final buildpack (deps/\(indices.last ?? 0)) wrote a launch.yml, which the lifecycle takes instead of the release defaults; give the final buildpack an empty deps folder if it is another"
                ))
        }
        let merged = Self.merge(lists)
        let name = (folder as NSString).lastPathComponent
        guard var service = makeService(name: name, processes: merged, memory: [:], file: folder, diagnostics: &diagnostics) else {
            return (nil, diagnostics)
        }
        if droplet { Self.launchAsDiego(&service, folder: folder) }
        diagnostics += ServiceValidator().validate(service, file: folder)
        return (service, diagnostics)
    }

    public static let stagingInfoFile = "staging_info.yml"

    /// The lifecycle's staging result (`processes` in order, else `process_types`, then `sidecars`).
    public func readStagingResult(_ root: DocumentNode, file: String) -> (processes: [LaunchProcess], diagnostics: [Diagnostic]) {
        let context = ReadContext(file: file, strictTypes: false)
        var processes: [LaunchProcess] = []
        guard var fields = Fields(root, path: "", context: context) else { return ([], context.diagnostics) }
        if let list = fields.value("processes"), let items = list.items {
            for (index, item) in items.enumerated() {
                let path = FieldPath.index("processes", index)
                guard var process = Fields(item, path: path, context: context), let type = process.string("type", required: true) else { continue }
                processes.append(LaunchProcess(type: type, command: process.string("command") ?? "", origin: Origin(path: path, location: context.at(item))))
                process.reportUnknown(.warning)
            }
        } else {
            for (type, command, node) in fields.stringMap("process_types") ?? [] {
                processes.append(LaunchProcess(type: type, command: command, origin: Origin(path: "process_types.\(type)", location: context.at(node))))
            }
        }
        if let list = fields.value("sidecars"), let items = list.items {
            for (index, item) in items.enumerated() {
                let path = FieldPath.index("sidecars", index)
                guard var sidecar = Fields(item, path: path, context: context), let name = sidecar.string("name", required: true) else { continue }
                let memory = sidecar.int("memory")
                processes.append(
                    LaunchProcess(
                        type: name, command: sidecar.string("command") ?? "", memory: memory == 0 ? nil : memory,
                        sidecarFor: sidecar.stringList("process_types") ?? [], origin: Origin(path: path, location: context.at(item))))
                sidecar.reportUnknown(.warning)
            }
        }
        for key in ["process_types", "lifecycle_metadata", "execution_metadata", "lifecycle_type"] { _ = fields.node(key) }
        fields.reportUnknown(.warning)
        return (processes, context.diagnostics)
    }

    /// The lifecycle's droplet: `app/` beside `staging_info.yml` (and usually `deps/`).
    public static func isDroplet(_ folder: String) -> Bool {
        var isDirectory: ObjCBool = false
        let app = (folder as NSString).appendingPathComponent("app")
        return FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(stagingInfoFile))
            && FileManager.default.fileExists(atPath: app, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The buildpack lifecycle's launcher, for every process of a droplet: in `app/`, with `HOME` and
    /// `DEPS_DIR` as Diego sets them, after sourcing `../profile.d/*`, `.profile.d/*` and `.profile`; then
    /// the command under `bash -c` (launcher/launcher_unix.go).
    static func launchAsDiego(_ service: inout Service, folder: String) {
        let root = folder.hasPrefix("/") ? folder : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(folder)
        let absolute = (root as NSString).standardizingPath
        let script = """
            cd "$1" || exit 1
            for env_file in ../profile.d/* .profile.d/*; do
              [ -f "$env_file" ] && . "$env_file"
            done
            [ -f .profile ] && . ./.profile
            shift
            exec bash -c "$@"
            """
        for index in service.containers.indices {
            guard case .shell(let command)? = service.containers[index].command else { continue }
            service.containers[index].command = .exec(["/bin/bash", "-c", script, "launcher", absolute + "/app", command])
            for (name, value) in [("HOME", absolute + "/app"), ("DEPS_DIR", absolute + "/deps")]
            where !service.containers[index].environment.contains(where: { $0.name == name }) {
                service.containers[index].environment.append(
                    EnvironmentVariable(name: name, value: .plain(value), origin: service.containers[index].origin))
            }
        }
    }

    private func relative(_ path: String, to folder: String, fallback: String) -> String {
        path.hasPrefix(folder) ? path : fallback
    }

    /// Builds the service from merged processes: sidecars (non-empty `sidecar_for`) and process types.
    /// `memory` gives each process type's memory in MB where the manifest says.
    func makeService(
        name: String, processes: [LaunchProcess], memory: [String: Int], healthChecks: [String: Probe?] = [:], file: String, diagnostics: inout [Diagnostic]
    ) -> Service? {
        var service = Service(name: name, origin: Origin(path: "", location: nil))
        var mains: [Container] = []
        var sidecars: [Container] = []
        let processTypes = processes.filter { $0.sidecarFor.isEmpty }.map(\.type)
        for process in processes where process.sidecarFor.isEmpty {
            var main = Container(name: process.type, role: .main, command: .shell(process.command), essential: true, origin: process.origin)
            // Diego's codependent processes: the platform's behaviour, which a CF app relies on.
            main.stated.append("essential")
            if process.command.isEmpty {
                diagnostics.append(
                    Diagnostic(
                        .warning, origin: process.origin, file: file,
                        message: "process type \"\(process.type)\" has no command; it will not start unless a command is provided at runtime"))
                main.command = nil
            }
            main.resources.memoryLimit = .value(memory[process.type] ?? Self.defaultProcessMemory)
            if let probe = healthChecks[process.type] {
                main.probes.readiness = probe
            } else if process.type == "web" {
                // CF's default health check for web is `port`: a TCP connect to $PORT.
                main.probes.readiness = Probe(action: .tcp(port: .number(port)), origin: process.origin)
                main.environment.append(EnvironmentVariable(name: "PORT", value: .plain(String(port)), origin: process.origin))
            }
            mains.append(main)
        }
        for process in processes where !process.sidecarFor.isEmpty {
            var sidecar = Container(
                name: process.type, role: .sidecar, command: .shell(process.command), essential: true, sidecarFor: process.sidecarFor, origin: process.origin)
            sidecar.stated.append("essential")
            if let memory = process.memory { sidecar.resources.memoryLimit = .value(memory) }
            // The seed's rule: a sidecar starts once every process type it serves passes its health check.
            for served in process.sidecarFor {
                guard processTypes.contains(served) else { continue }
                let hasCheck = mains.first { $0.name == served }?.hasHealthCheck ?? false
                sidecar.dependsOn.append(Dependency(container: served, condition: hasCheck ? .healthy : .start, origin: process.origin))
            }
            sidecars.append(sidecar)
        }
        service.containers = mains + sidecars
        // Cloud Controller applies its memory policy when the app is started or scaled, not when the
        // manifest is read: a warning here, an error where Tandem starts or renders it for Cloud Foundry.
        diagnostics += Self.memoryPolicy(service, file: file).map { diagnostic in
            var warning = diagnostic
            warning.severity = .warning
            warning.message += "; Cloud Controller refuses to start or scale the app so"
            return warning
        }
        return service
    }

    /// Cloud Controller's policy: a process's sidecars together must reserve strictly less than its memory.
    public static func memoryPolicy(_ service: Service, file: String) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        checkMemory(service, file: file, diagnostics: &diagnostics)
        return diagnostics
    }

    static func checkMemory(_ service: Service, file: String, diagnostics: inout [Diagnostic]) {
        for main in service.mainContainers {
            guard let processMemory = main.resources.memoryLimit?.value else { continue }
            let serving = service.sidecars.filter { $0.sidecarFor.contains(main.name) }
            let total = serving.compactMap { $0.resources.memoryLimit?.value }.reduce(0, +)
            if !serving.isEmpty && total > 0 && total >= processMemory {
                let origin = serving.last { $0.resources.memoryLimit != nil }?.origin ?? main.origin
                diagnostics.append(
                    Diagnostic(
                        .error, origin: origin, file: file,
                        message:
                            "The memory allocation defined is too large to run with the dependent \"\(main.name)\" process (\(total) MB of sidecars for \(processMemory) MB)"
                    ))
            }
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: CharacterSet) -> String { String(self).trimmingCharacters(in: set) }
}
