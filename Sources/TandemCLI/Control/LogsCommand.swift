import ArgumentParser
import Foundation
import TandemRuntime

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a running unit's recent lines and events; -f follows new ones until the unit ends.",
        discussion: "The unit keeps its last 1,000 lines (at most 256 KiB); older ones are on its console or with its log router."
    )

    @Argument(help: "Only this process's lines and events.")
    var process: String?

    @Flag(name: .shortAndLong, help: "Keep printing new lines until the unit ends.")
    var follow = false

    @Option(name: [.customShort("n"), .long], help: "How many recent lines to print first.")
    var lines = 100

    @Option(name: .shortAndLong, help: "text (prefixed lines, as the unit's console) or json (one JSON object per line).")
    var output: OutputFormat = .text

    @OptionGroup var target: ControlOptions

    struct Line: Decodable {
        var process: String
        var stream: String
        var line: String
    }

    func validate() throws {
        if lines < 0 { throw ValidationError("--lines takes a count of 0 or more; found \(lines)") }
    }

    func run() throws {
        let path = try target.socketPath()
        // The width of the unit's longest name, so columns line up as on its console.
        var width = process?.count ?? 0
        if output == .text, process == nil, let reply = try? ControlSocket.send("ps", to: path),
            let rows = try? JSONDecoder().decode([PsCommand.Row].self, from: Data(reply.utf8))
        {
            width = max(rows.map(\.name.count).max() ?? 0, "tandem".count)
        }
        let request = "logs" + (follow ? " -f" : "") + " \(lines)" + (process.map { " \($0)" } ?? "")
        do {
            try ControlSocket.stream(request, to: path) { text in
                guard output == .text else { return writeOutput(text) }
                guard let line = try? JSONDecoder().decode(Line.self, from: Data(text.utf8)) else { return writeOutput(text) }
                let name = line.process.padding(toLength: max(width, line.process.count), withPad: " ", startingAt: 0)
                writeOutput("\(name) | " + (line.stream == "event" ? "* " : "") + line.line)
            }
        } catch {
            writeError("Error: \(error.message)")
            throw ExitStatus.invalid
        }
    }
}
