import ArgumentParser
import TandemRuntime

struct RestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart one process of a running unit: SIGTERM, SIGKILL after its grace, then start it again at once.")

    @Argument(help: "The process to restart.", completion: .custom(Completions.processes))
    var process: String

    @OptionGroup var target: ControlOptions

    func run() throws {
        _ = try target.send(.restart(process: process))
        writeOutput("\(process): restarting")
    }
}
