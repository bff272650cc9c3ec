import Foundation
import Testing

/// `tandem run --timeline` on real processes, and `tandem timeline` drawing the same from the saved report.
@Suite struct TimelineTests {
    @Test(.timeLimit(.minutes(1))) func aRunDrawsItsTimelineAndTheReportDrawsTheSame() async throws {
        let folder = NSTemporaryDirectory() + "tandem-timeline-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // flaky fails once, then stays; agent waits for it to start.
        try """
        tandem: v1
        name: timed
        command: "if [ -f \(folder)/once ]; then exec sleep 30; else touch \(folder)/once; exit 3; fi"
        restart: on-failure
        sidecars:
          agent:
            command: [sleep, "30"]
            depends_on:
              timed: start
        """.write(toFile: folder + "/tandem.yml", atomically: true, encoding: .utf8)
        let run = try await GoldenTests.run([
            "run", "--no-control", "--stop-after", "2s", "--report", folder + "/report.json", "--timeline", folder + "/run.svg", folder + "/tandem.yml",
        ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let svg = try String(contentsOfFile: folder + "/run.svg", encoding: .utf8)
        #expect(svg.contains("exited at") && svg.contains("exited with code 3"), "\(svg)")
        #expect(svg.contains("agent started after timed (start)"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/report.json"))) as? [String: Any])
        let processes = try #require(report["processes"] as? [[String: Any]])
        let kinds = (processes.first?["timeline"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
        #expect(kinds.starts(with: ["ready", "exited", "restarting", "ready"]) || kinds.starts(with: ["starting", "exited", "restarting"]), "\(kinds)")
        #expect(kinds.suffix(3) == ["stopping", "exited", "ended"], "\(kinds)")

        let drawn = try await GoldenTests.run(["timeline", folder + "/report.json", "--title", "timed"])
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect(drawn.stdout == svg)
        let old = try await GoldenTests.run(["timeline", "Tests/TandemCLITests/Fixtures/report-without-timeline.json"])
        #expect(old.status == 1 && old.stderr.contains("has no timeline"), "\(old.stderr)")
    }
}
