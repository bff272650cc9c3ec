import Glibc
import TandemCore

/// A service made ready to run on this machine: every container's argument vector, environment and
/// working directory, resolved before anything starts, so a missing secret stops the run up front.
public struct RunPlan: Sendable, Codable {
    public struct Process: Sendable, Codable {
        public var container: Container
        public var request: SpawnRequest
    }

    public var service: Service
    public var processes: [Process]
    /// The config-map files the processes mount, to be written before they start; nil when none.
    public var configFiles: ConfigFiles?
    /// The folder of the NOTIFY_SOCKETs of processes that say when they are ready; nil when none do.
    public var notifyFolder: String?
    /// Where lines go when the log router has no command here but names a destination Tandem delivers to itself.
    public var logDestination: LogDestination?

    /// Variables a process inherits from Tandem's own environment; everything else is set explicitly.
    public static let inheritedVariables = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TERM", "TMPDIR", "SHELL"]

    /// `configRoot`: the private folder (not yet existing) where mounted config maps' files go.
    public static func make(
        _ service: Service, file: String, directory: String, hostEnvironment: [String: String] = processEnvironment(),
        configRoot: String? = nil, notifyFolder: String? = nil, checkCommands: Bool = true
    ) -> (plan: RunPlan?, diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var processes: [Process] = []
        var configFiles: [ConfigFiles.File] = []
        var service = service
        var logDestination: LogDestination?
        if let logging = service.logging, let router = service.container(named: logging.router), router.command == nil {
            // No router process to run here: Tandem delivers to a file or over HTTP itself, or the lines
            // stay on the console.
            let (destination, problems) = LogDestination.parse(logging.destination, directory: directory, service: service.name)
            for problem in problems {
                diagnostics.append(
                    Diagnostic(
                        problem.isError ? .error : .warning, origin: Origin(path: "logging.destination." + problem.key, location: logging.origin.location),
                        file: file, message: problem.message))
            }
            logDestination = destination
            if destination == nil && problems.isEmpty {
                let name = logging.destination.first { $0.key.lowercased() == "name" }?.value
                diagnostics.append(
                    Diagnostic(
                        .warning, origin: logging.origin, file: file,
                        message:
                            "the log router has no command to run on this machine\(name.map { " and tandem run does not deliver to \"\($0)\" itself" } ?? ""); the lines stay on the console (give logging a command, or a destination with Name file or http)"
                    ))
            }
            service.containers.removeAll { $0.name == router.name }
            for index in service.containers.indices { service.containers[index].dependsOn.removeAll { $0.container == router.name } }
            service.logging = nil
        }
        for container in service.containers {
            guard let command = container.command else {
                diagnostics.append(
                    Diagnostic(
                        .error, origin: container.origin, file: file,
                        message: "\(container.name) has no command to run on this machine (an image runs with tandem render)"))
                continue
            }
            var environment: [String: String] = [:]
            for name in inheritedVariables { if let value = hostEnvironment[name] { environment[name] = value } }
            for path in container.environmentFiles {
                guard let bytes = readFile(resolvedPath(path, in: directory)) else {
                    diagnostics.append(Diagnostic(.error, origin: container.origin, file: file, message: "cannot read environment file \(path)"))
                    continue
                }
                for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                    let start = line.firstIndex { !$0.isWhitespace } ?? line.endIndex
                    let end = line.lastIndex { !$0.isWhitespace }.map(line.index(after:)) ?? start
                    let trimmed = line[start..<max(start, end)]
                    guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
                    environment[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
                }
            }
            for variable in container.environment {
                if let value = resolve(
                    variable, service: service, hostEnvironment: hostEnvironment, directory: directory, file: file, diagnostics: &diagnostics)
                {
                    environment[variable.name] = value
                }
            }
            for mount in container.mounts {
                guard let volume = service.volume(named: mount.volume), case .configMap(let mapName) = volume.kind else { continue }
                guard let root = configRoot, let map = service.configMap(named: mapName) else {
                    diagnostics.append(
                        Diagnostic(
                            .error, origin: mount.origin, file: file,
                            message:
                                "\(container.name) mounts config map \(mapName), which \(configRoot == nil ? "this run has no folder for" : "the service does not define")"
                        ))
                    continue
                }
                guard ConfigFiles.isPlainName(volume.name) else {
                    diagnostics.append(Diagnostic(.error, origin: mount.origin, file: file, message: "volume name \"\(volume.name)\" must be a plain name"))
                    continue
                }
                environment[ConfigFiles.variable(volume: volume.name)] = root + "/" + volume.name
                for configFile in map.files where !configFiles.contains(where: { $0.relativePath == volume.name + "/" + configFile.name }) {
                    guard ConfigFiles.isPlainName(configFile.name) else {
                        diagnostics.append(
                            Diagnostic(
                                .error, origin: configFile.origin, file: file,
                                message: "config file name \"\(configFile.name)\" must be a plain file name, without \"/\" or \"..\""))
                        continue
                    }
                    configFiles.append(
                        ConfigFiles.File(relativePath: volume.name + "/" + configFile.name, content: configFile.content, readOnly: volume.readOnly))
                }
            }
            if let limit = memoryLimit(of: container, in: service) { environment["MEMORY_LIMIT"] = "\(limit)m" }
            if container.notifyReady {
                guard let notifyFolder else {
                    diagnostics.append(
                        Diagnostic(
                            .error, origin: container.origin, file: file, message: "\(container.name) waits for NOTIFY_SOCKET, which this run does not offer"))
                    continue
                }
                environment["NOTIFY_SOCKET"] = notifyFolder + "/" + fileNameComponent(container.name)
            }
            environment["TANDEM_SERVICE"] = service.name
            environment["TANDEM_PROCESS"] = container.name
            var workingDirectory = directory
            if let relative = container.workingDirectory {
                workingDirectory = resolvedPath(relative, in: directory)
            }
            let arguments = (container.entrypoint ?? []) + command.argv + container.args
            // Checked now, so that a sidecar with a missing command stops the run before the main starts;
            // in the PATH the spawn searches (the supervisor's own, as execvpe does).
            var shellLine: String?
            if container.entrypoint == nil, case .shell(let line) = command { shellLine = line }
            if checkCommands,
                let problem = Self.commandProblem(
                    arguments, shellLine: shellLine, path: hostEnvironment["PATH"] ?? "/bin:/usr/bin", directory: workingDirectory)
            {
                diagnostics.append(Diagnostic(.error, origin: container.origin, file: file, message: "\(container.name): \(problem)"))
                continue
            }
            let request = SpawnRequest(
                arguments: arguments, environment: environment, directory: workingDirectory, notifyDescriptor: container.notifyDescriptor.map(Int32.init))
            processes.append(Process(container: container, request: request))
        }
        guard !diagnostics.hasErrors else { return (nil, diagnostics) }
        let files = configRoot.flatMap { configFiles.isEmpty ? nil : ConfigFiles(root: $0, files: configFiles) }
        let notifies = service.containers.contains { $0.notifyReady }
        let plan = RunPlan(
            service: service, processes: processes, configFiles: files, notifyFolder: notifies ? notifyFolder : nil, logDestination: logDestination)
        return (plan, diagnostics)
    }

    /// Why `arguments[0]` (or, for a shell command, the program its first word names) cannot be run, or nil.
    static func commandProblem(_ arguments: [String], shellLine: String?, path: String, directory: String) -> String? {
        guard let program = arguments.first, !program.isEmpty else { return "the command is empty" }
        if let problem = executableProblem(program, path: path, directory: directory) { return problem }
        guard let line = shellLine else { return nil }
        // Only a plain first word is looked at: no variables, quotes, redirections or assignments, and
        // not a builtin or keyword of the shell (exec names the program after it).
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.first == "exec" { words.removeFirst() }
        guard let first = words.first, !first.hasPrefix("-") else { return nil }
        let special = Set("$`'\"\\=<>|&;(){}*?[]~#!")
        guard !first.contains(where: { special.contains($0) }), !shellWords.contains(first) else { return nil }
        return executableProblem(first, path: path, directory: directory)
    }

    private static let shellWords: Set<String> = [
        ".", ":", "alias", "bg", "break", "case", "cd", "command", "continue", "do", "done", "echo", "elif", "else", "esac", "eval", "exec",
        "exit", "export", "false", "fc", "fg", "fi", "for", "getopts", "hash", "if", "jobs", "kill", "local", "printf", "pwd", "read",
        "readonly", "return", "set", "shift", "test", "then", "times", "trap", "true", "type", "ulimit", "umask", "unalias", "unset", "until",
        "wait", "while", "source",
    ]

    private static func executableProblem(_ program: String, path: String, directory: String) -> String? {
        if program.contains("/") {
            let resolved = resolvedPath(program, in: directory)
            var found = stat()
            guard stat(resolved, &found) == 0 else { return "command \(program) not found (\(resolved) does not exist)" }
            if found.st_mode & S_IFMT == S_IFDIR { return "command \(program) is a folder, not a program" }
            return access(resolved, X_OK) == 0 ? nil : "command \(program) is not executable (chmod +x \(resolved))"
        }
        for folder in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = resolvedPath((folder.isEmpty ? "." : String(folder)) + "/" + program, in: directory)
            var found = stat()
            if stat(candidate, &found) == 0, found.st_mode & S_IFMT != S_IFDIR, access(candidate, X_OK) == 0 { return nil }
        }
        return "command \(program) not found in its PATH (\(path.isEmpty ? "empty" : path))"
    }

    /// Cloud Foundry's rule: a process sees its memory less what its sidecars reserve; a sidecar sees its own.
    static func memoryLimit(of container: Container, in service: Service) -> Int? {
        guard let limit = container.resources.memoryLimit?.value else { return nil }
        if container.role == .main {
            let reserved = service.sidecars.filter { $0.sidecarFor.contains(container.name) }.compactMap { $0.resources.memoryLimit?.value }.reduce(0, +)
            return reserved > 0 ? limit - reserved : limit
        }
        return limit
    }

    private static func resolve(
        _ variable: EnvironmentVariable, service: Service, hostEnvironment: [String: String], directory: String, file: String,
        diagnostics: inout [Diagnostic]
    ) -> String? {
        func fail(_ message: String) -> String? {
            diagnostics.append(Diagnostic(.error, origin: variable.origin, file: file, message: message))
            return nil
        }
        switch variable.value {
        case .plain(let value):
            return value
        case .secretReference(.hostEnvironment(let name)):
            // The message names the variable, never its value.
            guard let value = hostEnvironment[name] else { return fail("\(variable.name) is read from the variable \(name), which is not set") }
            return value
        case .secretReference(.file(let path)):
            guard let bytes = readFile(resolvedPath(path, in: directory)) else {
                return fail("\(variable.name) is read from \(path), which cannot be read")
            }
            var value = String(decoding: bytes, as: UTF8.self)
            if value.hasSuffix("\n") { value.removeLast() }
            return value
        case .secretReference(let source):
            return fail("\(variable.name) comes from \(source), which cannot be read on this machine: use from_file or from_env for a local run")
        case .cloudFormationExport(let export):
            return fail("\(variable.name) is the CloudFormation export \(export), which exists only once deployed: give it a value for a local run")
        case .secretKey(let secret, let key):
            return fail("\(variable.name) comes from Kubernetes secret \(secret)/\(key), which cannot be read on this machine")
        case .configMapFile(let name, let fileName):
            guard let content = service.configMap(named: name)?.files.first(where: { $0.name == fileName })?.content else {
                return fail("\(variable.name) comes from config map file \(name)/\(fileName), which the service does not define")
            }
            return content
        case .field(let path, _):
            switch path {
            case "metadata.name": return service.name
            case "metadata.namespace": return "default"
            case "status.podIP", "status.hostIP", "status.podIPs": return "127.0.0.1"
            default: return fail("\(variable.name) comes from the field \(path), which a local run does not have")
            }
        }
    }
}

extension RunPlan {
    private enum CodingKeys: String, CodingKey {
        case service, requests, configFiles, notifyFolder, logDestination
    }

    /// A process in the hand-over: its container is named, not repeated (the service holds it), which
    /// halves what `tandem run` writes and the supervisor reads.
    private struct NamedRequest: Codable {
        var container: String
        var request: SpawnRequest
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        service = try container.decode(Service.self, forKey: .service)
        processes = try container.decode([NamedRequest].self, forKey: .requests).map { [service] named in
            guard let process = service.container(named: named.container) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .requests, in: container, debugDescription: "no container \(named.container) in service \(service.name)")
            }
            return Process(container: process, request: named.request)
        }
        configFiles = try container.decodeIfPresent(ConfigFiles.self, forKey: .configFiles)
        notifyFolder = try container.decodeIfPresent(String.self, forKey: .notifyFolder)
        logDestination = try container.decodeIfPresent(LogDestination.self, forKey: .logDestination)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(service, forKey: .service)
        try container.encode(processes.map { NamedRequest(container: $0.container.name, request: $0.request) }, forKey: .requests)
        try container.encodeIfPresent(configFiles, forKey: .configFiles)
        try container.encodeIfPresent(notifyFolder, forKey: .notifyFolder)
        try container.encodeIfPresent(logDestination, forKey: .logDestination)
    }
}
