import TandemCore

/// Readers for the container fields that Copilot's manifests and Tandem's own share (Tandem keeps
/// Copilot's names on purpose), with Copilot's rules and messages.
enum ContainerFields {
    static let healthcheckDefaultCommand = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
    static let pathCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_/")

    /// `80`, `"80"`, `"2000/udp"`.
    static func port(_ node: DocumentNode, path: String, context: ReadContext) -> (Int, TransportProtocol)? {
        let text: String
        switch node.value {
        case .int(let number)?: text = String(number)
        case .string(let value)?: text = value
        default:
            context.error(node, path, "expected a port such as 80 or \"2000/udp\", found \(Fields.describe(node))")
            return nil
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            context.error(node, path, "cannot parse port mapping from \(text)")
            return nil
        }
        guard let number = Int(parts[0]), (1...65535).contains(number) else {
            context.error(node, path, "port \"\(parts[0])\" must be a number from 1 to 65535")
            return nil
        }
        var transport = TransportProtocol.tcp
        if parts.count == 2 {
            guard let parsed = TransportProtocol(rawValue: parts[1].uppercased()) else {
                context.error(node, path, "invalid protocol \(parts[1]); valid protocols include TCP and UDP")
                return nil
            }
            transport = parsed
        }
        return (number, transport)
    }

    /// `command` / `entrypoint`: a string split like a shell command line, or a list of arguments.
    static func arguments(_ node: DocumentNode, path: String, context: ReadContext) -> [String]? {
        if let items = node.items {
            return Fields.stringList(DocumentNode(.sequence(items), at: node.position), path: path, context: context)
        }
        guard let text = Fields.string(node, path: path, context: context) else { return nil }
        guard let words = ShellWords.split(text) else {
            context.error(node, path, "unterminated quote in \"\(text)\"")
            return nil
        }
        return words
    }

    static func dependencies(_ fields: inout Fields, key: String = "depends_on", context: ReadContext) -> [Dependency] {
        guard let node = fields.value(key), let map = Fields(node, path: fields.childPath(key), context: context) else { return [] }
        var result: [Dependency] = []
        for entry in map.allEntries {
            let path = FieldPath.child(map.path, entry.key)
            var timeout: Double?
            var conditionNode = entry.value
            // Tandem's longer form: {condition: healthy, timeout: 30s}.
            if entry.value.entries != nil, var long = Fields(entry.value, path: path, context: context) {
                guard let inner = long.value("condition", required: true) else { continue }
                conditionNode = inner
                if let text = long.string("timeout") {
                    timeout = GoDuration.seconds(text)
                    if timeout == nil, let timeoutNode = long.node("timeout") {
                        context.error(timeoutNode, FieldPath.child(path, "timeout"), "expected a duration such as 30s, found \"\(text)\"")
                    }
                }
                long.reportUnknown()
            }
            guard let text = conditionNode.scalar?.text, let condition = Dependency.Condition(rawValue: text.uppercased()) else {
                context.error(conditionNode, path, "container dependency status must be one of START, COMPLETE, SUCCESS or HEALTHY")
                continue
            }
            result.append(
                Dependency(container: entry.key, condition: condition, timeout: timeout, origin: Origin(path: path, location: context.at(entry.keyPosition))))
        }
        return result
    }

    /// Copilot's container health check: any field set fills the others with Copilot's defaults.
    static func healthcheck(_ node: DocumentNode, path: String, context: ReadContext) -> Probe? {
        guard var fields = Fields(node, path: path, context: context) else { return nil }
        var command = healthcheckDefaultCommand
        if let commandNode = fields.value("command"), let list = arguments(commandNode, path: fields.childPath("command"), context: context) {
            command = list
        }
        func duration(_ key: String, _ fallback: Double) -> Double {
            guard let text = fields.string(key) else { return fallback }
            guard let seconds = GoDuration.seconds(text) else {
                context.report(.error, at: context.at(fields.node(key)), path: fields.childPath(key), "expected a duration such as 10s, found \"\(text)\"")
                return fallback
            }
            return seconds
        }
        let interval = duration("interval", 10)
        let timeout = duration("timeout", 5)
        let startPeriod = duration("start_period", 0)
        let retries = fields.int("retries") ?? 2
        fields.reportUnknown()
        let action: Probe.Action
        switch command.first {
        case "CMD-SHELL":
            action = .shell(command.dropFirst().joined(separator: " "))
        case "CMD":
            action = .exec(Array(command.dropFirst()))
        case "NONE":
            return nil
        default:
            context.error(node, FieldPath.child(path, "command"), "the health check command must start with \"CMD\" or \"CMD-SHELL\"")
            return nil
        }
        return Probe(
            action: action, initialDelay: startPeriod, period: interval, timeout: timeout, successThreshold: 1,
            failureThreshold: retries, origin: Origin(path: path, location: context.at(node)))
    }

    static func mountPoints(_ node: DocumentNode, path: String, context: ReadContext) -> [Mount] {
        guard let items = node.items else {
            context.error(node, path, "expected a list, found \(Fields.describe(node))")
            return []
        }
        var mounts: [Mount] = []
        for (index, item) in items.enumerated() {
            let itemPath = FieldPath.index(path, index)
            guard var fields = Fields(item, path: itemPath, context: context) else { continue }
            let volume = fields.string("source_volume")
            let mountPath = fields.string("path")
            let readOnly = fields.bool("read_only") ?? true
            fields.reportUnknown()
            guard let volume else {
                context.error(item, itemPath, "\"source_volume\" must be specified")
                continue
            }
            guard let mountPath else {
                context.error(item, itemPath, "\"path\" must be specified")
                continue
            }
            if !mountPath.allSatisfy(pathCharacters.contains) {
                context.report(
                    .error, at: context.at(fields.node("path")), path: FieldPath.child(itemPath, "path"), "path can only contain the characters a-zA-Z0-9.-_/")
            }
            mounts.append(Mount(volume: volume, path: mountPath, readOnly: readOnly, origin: Origin(path: itemPath, location: context.at(item))))
        }
        return mounts
    }

    /// `variables`: plain values, or `{from_cfn: export}`, the value another stack exports.
    static func variables(_ fields: inout Fields, context: ReadContext) -> [EnvironmentVariable] {
        guard let node = fields.value("variables"), let map = Fields(node, path: fields.childPath("variables"), context: context) else { return [] }
        var result: [EnvironmentVariable] = []
        for entry in map.allEntries {
            let path = FieldPath.child(map.path, entry.key)
            let origin = Origin(path: path, location: context.at(entry.keyPosition))
            if var inner = entry.value.entries != nil ? Fields(entry.value, path: path, context: context) : nil {
                if let export = inner.string("from_cfn", required: true) {
                    result.append(EnvironmentVariable(name: entry.key, value: .cloudFormationExport(export), origin: origin))
                }
                inner.reportUnknown()
                continue
            }
            switch entry.value.value {
            case .null?:
                result.append(EnvironmentVariable(name: entry.key, value: .plain(""), origin: origin))
            case .bool(let flag)?:
                result.append(EnvironmentVariable(name: entry.key, value: .plain(flag ? "true" : "false"), origin: origin))
            default:
                if let text = Fields.string(entry.value, path: path, context: context) {
                    result.append(EnvironmentVariable(name: entry.key, value: .plain(text), origin: origin))
                }
            }
        }
        return result
    }

    /// `secrets`: an SSM parameter name or ARN, `{secretsmanager: name}`, or `{from_cfn: export}`;
    /// Tandem adds `{from_file: path}` and `{from_env: NAME}` for local runs.
    static func secrets(_ fields: inout Fields, key: String = "secrets", context: ReadContext, allowLocal: Bool) -> [EnvironmentVariable] {
        secretMap(&fields, key: key, context: context, allowLocal: allowLocal).map { name, source, origin in
            EnvironmentVariable(name: name, value: .secretReference(source), origin: origin)
        }
    }

    /// A map of names to secret references (`secrets`, `logging.secretOptions`).
    static func secretMap(
        _ fields: inout Fields, key: String, context: ReadContext, allowLocal: Bool
    ) -> [(name: String, source: SecretSource, origin: Origin)] {
        guard let node = fields.value(key), let map = Fields(node, path: fields.childPath(key), context: context) else { return [] }
        var result: [(name: String, source: SecretSource, origin: Origin)] = []
        for entry in map.allEntries {
            let path = FieldPath.child(map.path, entry.key)
            let origin = Origin(path: path, location: context.at(entry.keyPosition))
            if let source = secretSource(entry.value, path: path, context: context, allowLocal: allowLocal) {
                result.append((entry.key, source, origin))
            }
        }
        return result
    }

    static func secretSource(_ node: DocumentNode, path: String, context: ReadContext, allowLocal: Bool) -> SecretSource? {
        guard node.entries != nil, var inner = Fields(node, path: path, context: context) else {
            return Fields.string(node, path: path, context: context).map(SecretSource.ssmParameter)
        }
        var source: SecretSource?
        if let name = inner.string("secretsmanager") { source = .secretsManager(name) }
        if let export = inner.string("from_cfn") { source = .cloudFormationExport(export) }
        if allowLocal {
            if let file = inner.string("from_file") { source = .file(file) }
            if let variable = inner.string("from_env") { source = .hostEnvironment(variable) }
        }
        let kinds = allowLocal ? "secretsmanager, from_cfn, from_file or from_env" : "secretsmanager or from_cfn"
        if inner.used.count != 1 {
            context.error(node, path, "a secret takes exactly one of \(kinds)")
        }
        inner.reportUnknown()
        return source
    }

    /// `storage.volumes.<name>: {path, read_only (default true), ...}`: each volume, and the main
    /// container's mount of it at `path`; `kind` reads what the format adds (`efs`, `host_path`).
    static func storage(
        _ node: DocumentNode, context: ReadContext, requirePath: Bool, ignoring: [String], service: inout Service, main: inout Container,
        kind: (inout Fields, String) -> Volume.Kind
    ) {
        guard var storage = Fields(node, path: "storage", context: context) else { return }
        for key in ignoring { _ = storage.node(key) }
        if let volumesNode = storage.value("volumes"), let volumes = Fields(volumesNode, path: "storage.volumes", context: context) {
            for entry in volumes.allEntries {
                let path = FieldPath.child("storage.volumes", entry.key)
                guard var fields = Fields(entry.value, path: path, context: context) else { continue }
                let mountPath = fields.string("path")
                let readOnly = fields.bool("read_only") ?? true
                let volumeKind = kind(&fields, path)
                fields.reportUnknown()
                let origin = Origin(path: path, location: context.at(entry.keyPosition))
                if mountPath == nil && requirePath {
                    context.error(entry.value, path, "\"path\" must be specified")
                } else if let mountPath, !mountPath.allSatisfy(pathCharacters.contains) {
                    context.report(
                        .error, at: context.at(fields.node("path")), path: FieldPath.child(path, "path"), "path can only contain the characters a-zA-Z0-9.-_/")
                }
                service.volumes.append(Volume(name: entry.key, kind: volumeKind, mainMountPath: mountPath, readOnly: readOnly, origin: origin))
                if let mountPath { main.mounts.append(Mount(volume: entry.key, path: mountPath, readOnly: readOnly, origin: origin)) }
            }
        }
        storage.reportUnknown()
    }

    static func labels(_ fields: inout Fields, key: String = "labels") -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value, _) in fields.stringMap(key) ?? [] { labels[key] = value }
        return labels
    }

    static func environmentFile(_ fields: inout Fields, context: ReadContext) -> [String] {
        guard let file = fields.string("env_file") else { return [] }
        if !file.hasSuffix(".env"), let node = fields.node("env_file") {
            context.error(node, fields.childPath("env_file"), "environment file \(file) must have a .env file extension")
        }
        return [file]
    }
}
