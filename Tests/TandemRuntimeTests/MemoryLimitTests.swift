import Foundation
import TandemCore
import Testing

@testable import TandemRuntime

/// Memory limits on real processes: a cgroup where this machine allows one (this kind has a writable
/// cgroup v1 memory controller), and the polling fallback, forced.
@Suite struct MemoryLimitTests {
    // Killed long before it ends: a poll slowed by a busy machine still catches it.
    static let hog = "exec python3 -c 'import time; b = bytearray(160 * 1024 * 1024); time.sleep(30)'"

    static func unit(memory: String, command: String = hog) -> String {
        """
        name: app
        command: "\(command)"
        memory: \(memory)
        """
    }

    @Test func aProcessAboveItsLimitIsKilledAndReportedAsOOM() async throws {
        let control = MemoryControl.detect(unit: "memory-test")
        let (report, sink) = try await runUnit(Self.unit(memory: "32Mi"), options: RuntimeOptions(stopGrace: .seconds(2), memoryControl: control))
        let app = try #require(report.processes.first)
        #expect(app.reason == .oomKilled, "\(events(sink))")
        #expect(app.signal == SIGKILL)
        #expect(report.exitCode == 128 + SIGKILL)
        // Said only where limits are polled, not when the kernel enforces them.
        #expect(events(sink).contains { $0.hasPrefix("tandem: memory limits: \(control)") } == !control.usesCgroups)
        if case .cgroupV1(let folder) = control {
            // The run's groups are gone with it.
            #expect(!FileManager.default.fileExists(atPath: folder))
        }
    }

    @Test func pollingKillsTheGroupWhereNoCgroupCanBeUsed() async throws {
        let (report, sink) = try await runUnit(
            Self.unit(memory: "32Mi"), options: RuntimeOptions(stopGrace: .seconds(2), memoryControl: .polling(period: .milliseconds(20))))
        let app = try #require(report.processes.first)
        #expect(app.reason == .oomKilled, "\(events(sink))")
        #expect(events(sink).contains { $0.hasPrefix("app: memory ") && $0.hasSuffix("above its limit of 32 MiB: killed") })
        #expect(events(sink).contains { $0.hasPrefix("tandem: memory limits: polling the resident memory every 20ms") }, "\(events(sink))")
    }

    @Test func aProcessWithinItsLimitRunsToTheEnd() async throws {
        for control in [MemoryControl.detect(unit: "memory-test"), .polling(period: .milliseconds(20))] {
            let (report, sink) = try await runUnit(
                Self.unit(memory: "256Mi", command: "exec python3 -c 'b = bytearray(16 * 1024 * 1024); print(len(b))'"),
                options: RuntimeOptions(stopGrace: .seconds(2), memoryControl: control))
            #expect(report.processes.first?.reason == .exited, "\(control): \(events(sink))")
            #expect(report.exitCode == 0)
            #expect(sink.lines(of: "app") == ["16777216"])
        }
    }
}
