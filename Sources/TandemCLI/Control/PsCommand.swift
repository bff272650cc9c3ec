import ArgumentParser
import Foundation
import TandemCore
import TandemRuntime

struct PsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "List the processes of a running unit: state, pid, restarts and uptime.")

    @OptionGroup var target: ControlOptions

    @Option(name: .shortAndLong, help: "table (also: text), json or yaml (the unit's own answer).")
    var output: DataFormat = .table

    func run() throws {
        let status = try target.status()
        if output != .table {
            // The unit's own answer, as the supervisor encoded it.
            let json = String(decoding: try JSONValueEncoder().encode(status), as: UTF8.self)
            writeOutput(output == .json ? json : DataFormat.yaml(fromJSON: json))
            return
        }
        writeOutput(Self.table(status.processes))
    }

    static func table(_ rows: [ProcessStatus]) -> String {
        let header = ["NAME", "ROLE", "STATE", "PID", "RESTARTS", "UPTIME", "LAST EXIT"]
        let cells = rows.map { row in
            [
                row.name, row.role, row.ended.map { "ended (\($0.rawValue))" } ?? row.state.rawValue, row.pid.map { String($0) } ?? "-",
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
