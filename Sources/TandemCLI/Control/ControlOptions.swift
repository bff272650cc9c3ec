import ArgumentParser
import TandemCore
import TandemRuntime

/// Which running unit a control command talks to, shared by `ps`, `stop` and `restart`.
struct ControlOptions: ParsableArguments {
    @Option(name: .long, help: "The running unit's service name (its control socket in the default folder).", completion: .custom(Completions.units))
    var unit: String?

    @Option(name: .long, help: "The running unit's control socket, as given to tandem run --control.")
    var control: String?

    /// The socket to use: the one named, the unit's, or the only unit running; else a clear error.
    func socketPath() throws -> String {
        if let control { return control }
        if let unit { return ControlSocket.defaultPath(service: unit) }
        let units = ControlSocket.runningUnits()
        switch units.count {
        case 0:
            writeError("Error: no unit is running (no control socket in \(ControlSocket.folder())); start one with tandem run")
            throw ExitStatus.invalid
        case 1:
            return ControlSocket.defaultPath(service: units[0])
        default:
            writeError("Error: several units are running (\(units.joined(separator: ", "))); choose one with --unit")
            throw ExitStatus.usage
        }
    }

    /// Sends `request` and returns the reply, or ends the command with the unit's error (exit 1).
    func send(_ request: ControlRequest) throws -> String {
        let path = try socketPath()
        do {
            return try ControlSocket.send(request.line, to: path)
        } catch {
            writeError("Error: \(error.message)")
            throw ExitStatus.invalid
        }
    }

    /// The unit's status, or ends the command with why it cannot be had (exit 1).
    func status() throws -> UnitStatus {
        let path = try socketPath()
        do {
            return try ControlSocket.status(at: path)
        } catch {
            writeError("Error: \(error.message)")
            throw ExitStatus.invalid
        }
    }
}
