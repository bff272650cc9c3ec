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

    /// Variables a process inherits from Tandem's own environment; everything else is set explicitly.
    public static let inheritedVariables = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TERM", "TMPDIR", "SHELL"]

    public static func make(
        _ service: Service, file: String, directory: String, hostEnvironment: [String: String] = processEnvironment()
    ) -> (plan: RunPlan?, diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var processes: [Process] = []
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
            if let limit = memoryLimit(of: container, in: service) { environment["MEMORY_LIMIT"] = "\(limit)m" }
            environment["TANDEM_SERVICE"] = service.name
            environment["TANDEM_PROCESS"] = container.name
            var workingDirectory = directory
            if let relative = container.workingDirectory {
                workingDirectory = resolvedPath(relative, in: directory)
            }
            let arguments = (container.entrypoint ?? []) + command.argv + container.args
            processes.append(Process(container: container, request: SpawnRequest(arguments: arguments, environment: environment, directory: workingDirectory)))
        }
        guard !diagnostics.hasErrors else { return (nil, diagnostics) }
        return (RunPlan(service: service, processes: processes), diagnostics)
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
