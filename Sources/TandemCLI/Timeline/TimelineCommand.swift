import ArgumentParser
import Foundation
import TandemRuntime

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Draw a run's timeline as SVG from the report tandem run --report saved (as tandem run --timeline does).")

    @Argument(help: "A report written by tandem run --report.", completion: .file(extensions: ["json"]))
    var report: String

    @Option(name: .customLong("out"), help: "Write the SVG to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: "The picture's title (default: the report's file name).")
    var title: String?

    func run() throws {
        guard let data = FileManager.default.contents(atPath: report) else {
            writeError("Error: \(report): no such file")
            throw ExitStatus.usage
        }
        let decoded: UnitReport
        do {
            decoded = try JSONDecoder().decode(UnitReport.self, from: data)
        } catch {
            writeError("Error: \(report): not a report of tandem run --report (\(error.localizedDescription))")
            throw ExitStatus.invalid
        }
        if decoded.processes.allSatisfy({ $0.timeline == nil }) {
            writeError("Error: \(report) has no timeline: it was written by an earlier version of tandem run")
            throw ExitStatus.invalid
        }
        let svg = TimelinePicture.svg(decoded, title: title ?? ((report as NSString).lastPathComponent as NSString).deletingPathExtension)
        try writeResult(svg, to: output)
    }
}
