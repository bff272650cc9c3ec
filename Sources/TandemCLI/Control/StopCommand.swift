import ArgumentParser
import TandemRuntime

struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a running unit in order, as SIGTERM would; returns once the stop has begun.")

    @OptionGroup var target: ControlOptions

    func run() throws {
        _ = try target.send(.stop)
        writeOutput("stopping")
    }
}
