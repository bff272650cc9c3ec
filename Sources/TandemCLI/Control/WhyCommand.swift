import ArgumentParser

struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        abstract: "Say why a process of a running unit is waiting, not ready, restarting or ended, following what it waits for.")

    @Argument(help: "The process to explain.")
    var process: String

    @OptionGroup var target: ControlOptions

    func run() throws {
        writeOutput(try target.send("why \(process)"))
    }
}
