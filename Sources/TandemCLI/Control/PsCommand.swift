import ArgumentParser
import Foundation
import TandemRuntime

struct PsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "List the processes of a running unit: state, pid, restarts and uptime.")

    @OptionGroup var target: ControlOptions

    @Option(name: .shortAndLong, help: "text (a table) or json (the unit's own answer).")
    var output: OutputFormat = .text

    struct Row: Decodable {
        var name: String
        var role: String
        var state: String
        var pid: Int?
        var restarts: Int
        var uptimeSeconds: Double?
        var ended: String?
        var lastExit: String?
    }

    func run() throws {
        let reply = try target.send("ps")
        if output == .json {
            writeOutput(reply)
            return
        }
        let rows = try JSONDecoder().decode([Row].self, from: Data(reply.utf8))
        writeOutput(Self.table(rows))
    }

    static func table(_ rows: [Row]) -> String {
        let header = ["NAME", "ROLE", "STATE", "PID", "RESTARTS", "UPTIME", "LAST EXIT"]
        let cells = rows.map { row in
            [
                row.name, row.role, row.ended.map { "ended (\($0))" } ?? row.state, row.pid.map(String.init) ?? "-",
                String(row.restarts), row.uptimeSeconds.map(uptime) ?? "-", row.lastExit ?? "-",
            ]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
        return ([header] + cells).map { line in
            line.enumerated().map { column, cell in
                column == line.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func uptime(_ seconds: Double) -> String {
        let whole = Int(seconds)
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(whole % 60)s" }
        return "\(whole / 3600)h\(whole % 3600 / 60)m"
    }
}
