import Foundation
import TandemCore
import TandemTestSupport
import Testing

@testable import TandemRuntime

/// The run's timeline picture: a golden SVG from a fixed report, valid XML by xmllint, names escaped.
@Suite struct TimelinePictureTests {
    static let report = UnitReport(
        exitCode: 0, reason: "stopped after 3.0s",
        processes: [
            ProcessReport(
                name: "web", role: "main", reason: .stopped, exitCode: nil, signal: 15, restarts: 1, message: nil,
                timeline: [
                    TimelineMark(at: 0.001, kind: .waiting, detail: "log-router start"), TimelineMark(at: 0.02, kind: .starting),
                    TimelineMark(at: 0.12, kind: .probeFailed, detail: "startup probe"), TimelineMark(at: 0.4, kind: .ready),
                    TimelineMark(at: 1.2, kind: .exited, detail: "exited with code 3"),
                    TimelineMark(at: 1.2, kind: .restarting, detail: "next start in 500ms"), TimelineMark(at: 1.7, kind: .starting),
                    TimelineMark(at: 1.9, kind: .ready), TimelineMark(at: 3.0, kind: .stopping),
                    TimelineMark(at: 3.05, kind: .exited, detail: "stopped (SIGTERM)"), TimelineMark(at: 3.05, kind: .ended),
                ], waitsFor: [TimelineDependency(process: "log-router", condition: "start")]),
            ProcessReport(
                name: "proxy <b>&\"x\"", role: "sidecar", reason: .stopped, exitCode: nil, signal: 15, restarts: 0, message: nil,
                timeline: [
                    TimelineMark(at: 0.002, kind: .waiting, detail: "web healthy"), TimelineMark(at: 0.41, kind: .ready),
                    TimelineMark(at: 3.0, kind: .stopping), TimelineMark(at: 3.01, kind: .exited, detail: "stopped (SIGTERM)"),
                    TimelineMark(at: 3.01, kind: .ended),
                ], waitsFor: [TimelineDependency(process: "web", condition: "healthy")]),
            ProcessReport(
                name: "log-router", role: "log-router", reason: .stopped, exitCode: 0, signal: nil, restarts: 0, message: nil,
                timeline: [TimelineMark(at: 0.001, kind: .ready), TimelineMark(at: 3.06, kind: .exited, detail: "exited with code 0")],
                waitsFor: []),
        ])

    @Test func aReportDrawsAsTheGoldenFileAndIsValidSVG() async throws {
        let svg = TimelinePicture.svg(Self.report, title: "shop & co")
        #expect(svg == TimelinePicture.svg(Self.report, title: "shop & co"))
        #expect(!svg.contains("<b>") && svg.contains("proxy &lt;b&gt;&amp;&quot;x&quot;") && svg.contains("shop &amp; co"))
        let file = NSTemporaryDirectory() + "tandem-timeline-\(UUID().uuidString).svg"
        try svg.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let lint = try await runTool("/usr/bin/xmllint", ["--noout", file])
        #expect(lint.status == 0, "\(lint.stderr)")
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/timeline.svg")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(svg.utf8).write(to: url)
            return
        }
        #expect(svg == (try String(contentsOf: url, encoding: .utf8)), "golden timeline.svg differs")
    }

    @Test func ticksAreRound() {
        #expect(TimelinePicture.tickStep(3.06) == 0.5)
        #expect(TimelinePicture.tickStep(0.008) == 0.001)
        #expect(TimelinePicture.tickStep(95) == 10)
    }
}
