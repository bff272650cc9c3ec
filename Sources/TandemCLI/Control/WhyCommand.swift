import ArgumentParser
import TandemRuntime

struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        abstract: "Say why a process of a running unit is waiting, not ready, restarting or ended, following what it waits for.")

    @Argument(help: "The process to explain.", completion: .custom(Completions.processes))
    var process: String

    @OptionGroup var target: ControlOptions

    func run() throws {
        let status = try target.status()
        guard status.process(named: process) != nil else {
            writeError("Error: no process named \(process); this unit has \(status.processes.map(\.name).joined(separator: ", "))")
            throw ExitStatus.invalid
        }
        writeOutput(WhyExplanation.lines(for: process, in: status).joined(separator: "\n"))
    }
}
