import Foundation
import TandemRuntime

/// Dynamic shell completion (`tandem --generate-completion-script SHELL`): the names of what is running
/// or configured here, read when the shell asks. `words` are the command line so far, so that a
/// `--unit`, `--control` or `--config` given earlier on it is followed.
enum Completions {
    /// Running units (their control sockets in the default folder).
    @Sendable static func units(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        ControlSocket.runningUnits().filter { $0.hasPrefix(prefix) }
    }

    /// The processes of the unit the command line names, or of the only running unit.
    @Sendable static func processes(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        let path: String
        if let control = value(of: "--control", in: words) {
            path = control
        } else if let unit = value(of: "--unit", in: words) {
            path = ControlSocket.defaultPath(service: unit)
        } else {
            let units = ControlSocket.runningUnits()
            guard units.count == 1 else { return [] }
            path = ControlSocket.defaultPath(service: units[0])
        }
        guard let status = try? ControlSocket.status(at: path) else { return [] }
        return status.processes.map(\.name).filter { $0.hasPrefix(prefix) }
    }

    /// The contexts of the context file (the one given with -c/--config, else the default).
    @Sendable static func contexts(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        let path = value(of: "--config", in: words) ?? value(of: "-c", in: words) ?? ContextConfig.defaultPath()
        guard let config = try? ContextConfig.load(path: path) else { return [] }
        return config.contexts.keys.sorted().filter { $0.hasPrefix(prefix) }
    }

    /// What follows `option` on the command line (`--unit web` or `--unit=web`).
    static func value(of option: String, in words: [String]) -> String? {
        for (index, word) in words.enumerated() {
            if word == option, index + 1 < words.count { return words[index + 1] }
            if word.hasPrefix(option + "=") { return String(word.dropFirst(option.count + 1)) }
        }
        return nil
    }
}
