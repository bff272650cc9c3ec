import ArgumentParser
import Foundation
import TandemCore
import TandemFormats
import TandemRuntime

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a running unit's recent lines and events; -f follows new ones until the unit ends.",
        discussion: "The unit keeps its last 1,000 lines (at most 256 KiB); older ones are on its console or with its log router."
    )

    @Argument(help: "Only this process's lines and events.", completion: .custom(Completions.processes))
    var process: String?

    @Flag(name: .shortAndLong, help: "Keep printing new lines until the unit ends.")
    var follow = false

    @Option(name: [.customShort("n"), .long], help: "How many recent lines to print first.")
    var lines = 100

    @Option(
        name: .shortAndLong,
        help: "table (prefixed lines, exactly as the unit's console; also: text), json (one JSON object per line) or yaml (one document per line).")
    var output: DataFormat = .table

    @Option(help: "Only lines of the last DURATION (30s, 5m, 1h), among those the unit keeps (all of them unless -n is given).")
    var since: String?

    @Flag(name: [.customShort("t"), .long], help: "Start each text line with its time (UTC, milliseconds).")
    var timestamps = false

    @OptionGroup var target: ControlOptions

    /// One line as the unit sends it (`--log-format json`).
    struct Line: Decodable {
        var time: Double
        var process: String
        var stream: String
        var line: String
        var continues: Bool?
        var unterminated: Bool?

        var record: LogRecord? {
            OutputStream(rawValue: stream).map {
                LogRecord(process: process, stream: $0, text: line, continues: continues ?? false, unterminated: unterminated ?? false, time: time)
            }
        }
    }

    func validate() throws {
        if lines < 0 { throw ValidationError("--lines takes a count of 0 or more; found \(lines)") }
        if let since, GoDuration.seconds(since) == nil {
            throw ValidationError("--since takes a duration such as 30s, 5m or 1h; found \"\(since)\"")
        }
    }

    /// `2026-12-02T00:33:40.123Z`, for `--timestamps`.
    static func stamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    func run() throws {
        let path = try target.socketPath()
        // Printed by the console's own formatter, given the unit's names so that columns and colors
        // are those of the unit's console.
        var names = process.map { [$0] } ?? []
        if output == .table, let status = try? ControlSocket.status(at: path) {
            names = status.processes.map(\.name)
        }
        let console = ConsoleSink(format: .text, processNames: names)
        // With --since and no -n, every line the unit keeps is asked for, then filtered by its time.
        let asked = since != nil && !CommandLine.arguments.contains(where: { $0 == "-n" || $0 == "--lines" || $0.hasPrefix("--lines=") }) ? 1000 : lines
        let oldest = since.flatMap(GoDuration.seconds).map { Date().timeIntervalSince1970 - $0 }
        let request = ControlRequest.logs(count: asked, process: process, follow: follow).line
        do {
            try ControlSocket.stream(request, to: path) { text in
                let line = try? JSONDecoder().decode(Line.self, from: Data(text.utf8))
                if let oldest, let line, line.time < oldest { return }
                if output == .json { return writeOutput(text) }
                if output == .yaml { return writeOutput("---\n" + DataFormat.yaml(fromJSON: text)) }
                guard var record = line?.record else { return writeOutput(text) }
                if timestamps { record.text = Self.stamp(record.time) + " " + record.text }
                console.write([record])
            }
        } catch {
            writeError("Error: \(error.message)")
            throw ExitStatus.invalid
        }
    }
}
