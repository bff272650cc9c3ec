import Foundation

/// The contexts of `tandem marketplace`: named catalog endpoints with a company and a token, in
/// `$XDG_CONFIG_HOME/tandem/config.json` (else `~/.config/tandem/config.json`), written 0600 since it
/// holds tokens.
struct ContextConfig: Codable, Equatable {
    struct Context: Codable, Equatable {
        var endpoint: String
        var companyId: String?
        var token: String?
    }

    var current: String?
    var contexts: [String: Context] = [:]

    static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let base = environment["XDG_CONFIG_HOME"], !base.isEmpty { return base + "/tandem/config.json" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/tandem/config.json"
    }

    /// The context named `name`, else the current one; nil when there is no such context.
    func context(named name: String?) -> (name: String, context: Context)? {
        guard let name = name ?? current, let context = contexts[name] else { return nil }
        return (name, context)
    }

    static func load(path: String) throws -> ContextConfig {
        guard let data = FileManager.default.contents(atPath: path) else { return ContextConfig() }
        do {
            return try JSONDecoder().decode(ContextConfig.self, from: data)
        } catch {
            throw CLIError("\(path): not a Tandem context file: \(error)")
        }
    }

    func save(path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw CLIError("cannot replace \(path): \(String(cString: strerror(errno)))") }
    }
}

/// A failure of a command, printed as `Error: MESSAGE` with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
