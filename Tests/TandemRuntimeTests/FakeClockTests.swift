import Glibc
import TandemCore
import Testing

@testable import TandemRuntime

/// The supervisor's timing logic on a manual clock, with simulated processes and scripted probes: each
/// deadline, period, threshold and backoff is checked at the exact instant it should act, and a few
/// milliseconds before, without waiting for it in real time.
@Suite(.timeLimit(.minutes(1))) struct FakeClockTests {
    @Test func readinessThresholdsSetReadyAndGateTheDependent() async throws {
        // Passes until 40 s, fails until 100 s, passes again: ready at the 2nd success in a row (10 s), not
        // ready at the 3rd failure in a row (60 s), ready again at 110 s.
        let unit = try SimulatedUnit(
            """
            name: app
            command: app
            probes:
              readiness: {exec: [ready], period: 10s, success_threshold: 2, failure_threshold: 3}
            sidecars:
              proxy:
                command: proxy
                depends_on: {app: healthy}
            """, probes: { _, _, at in at < .seconds(40) || at >= .seconds(100) })
        await unit.clock.advance(to: .milliseconds(9_999))
        #expect(unit.spawner.starts(of: "proxy").isEmpty)
        await unit.clock.advance(to: .seconds(120))
        let probes = try #require(unit.probes)
        #expect(probes.times("app", "ready") == stride(from: 0, through: 120, by: 10).map { .seconds($0) })
        #expect(unit.sink.times(of: "app: ready") == [.seconds(10), .seconds(110)])
        #expect(unit.sink.times(of: "app: not ready") == [.seconds(60)])
        #expect(unit.spawner.starts(of: "proxy") == [.seconds(10)])
        let report = await unit.stop()
        #expect(report.exitCode == 0)
        #expect(report.processes.map(\.reason) == [.stopped, .stopped])
    }

    @Test func livenessFailuresKillAfterTheThresholdAndTheGrace() async throws {
        // Alive until 20 s; failures at 20, 25 and 30 s kill it. It ignores SIGTERM, so SIGKILL comes after
        // its 7 s grace, and it is restarted at once (its first restart).
        let unit = try SimulatedUnit(
            """
            name: app
            command: app
            restart: always
            stop_grace_period: 7s
            probes:
              liveness: {exec: [alive], period: 5s, failure_threshold: 3}
            """,
            behaviour: { _, start in .init(ignoresSIGTERM: start == 0) },
            probes: { _, _, at in at < .seconds(20) || at >= .seconds(37) })
        await unit.clock.advance(to: .milliseconds(29_999))
        #expect(unit.sink.time(of: "app: liveness_killed") == nil)
        await unit.clock.advance(to: .seconds(40))
        #expect(unit.sink.time(of: "app: liveness_killed: stopping") == .seconds(30))
        let first = try #require(unit.spawner.processes(of: "app").first)
        #expect(first.signals == [SIGTERM, SIGKILL])
        #expect(unit.spawner.starts(of: "app") == [.zero, .seconds(37)])
        #expect(Array(try #require(unit.probes).times("app", "alive").prefix(7)) == [0, 5, 10, 15, 20, 25, 30].map { Duration.seconds($0) })
        let report = await unit.stop()
        #expect(report.processes.first?.restarts == 1)
    }

    @Test func aDependencyThatIsNeverMetBlocksAtItsDeadline() async throws {
        let unit = try SimulatedUnit(
            """
            name: app
            command: app
            probes:
              readiness: {exec: [ready], period: 1s}
            sidecars:
              proxy:
                command: proxy
                essential: true
                depends_on: {app: {condition: healthy, timeout: 5s}}
            """, probes: { _, _, _ in false })
        await unit.clock.advance(to: .milliseconds(4_999))
        #expect(unit.sink.time(of: "proxy: not started") == nil)
        await unit.clock.advance(to: .seconds(6))
        #expect(unit.sink.time(of: "proxy: not started: waited 5.0s for app to be healthy") == .seconds(5), "\(unit.sink.events)")
        // The proxy is essential: the unit stops (the app gets SIGTERM at once) and exits 1.
        let report = await unit.run.value
        #expect(report.exitCode == 1)
        #expect(report.processes.map(\.reason) == [.stopped, .dependencyBlocked])
        #expect(unit.spawner.starts(of: "proxy").isEmpty)
        #expect(unit.spawner.processes(of: "app").first?.signals == [SIGTERM])
    }

    @Test func crashLoopBacksOffExponentiallyResetsAfterAStableRunAndGivesUp() async throws {
        // Each run fails after 0.2 s, but the 4th lasts 2 s (stable: the backoff starts over).
        let unit = try SimulatedUnit(
            """
            name: app
            command: app
            restart: on-failure
            """,
            options: RuntimeOptions(backoff: RestartBackoff(jitter: 0, budget: 5, window: .seconds(60))),
            behaviour: { _, start in .init(endsAfter: start == 3 ? .seconds(2) : .milliseconds(200), status: .exited(1)) })
        await unit.clock.advance(to: .seconds(4))
        let report = await unit.run.value
        // 0 | ends 0.2, at once | ends 0.4, 100 ms | ends 0.7, 200 ms | ends 2.9 (stable), at once | ends 3.1, 100 ms.
        #expect(unit.spawner.starts(of: "app") == [0, 200, 500, 900, 2_900, 3_200].map { .milliseconds($0) })
        #expect(unit.sink.time(of: "app: gave up") == .milliseconds(3_400))
        #expect(report.exitCode == 1)
        #expect(report.processes.first?.restarts == 5)
        #expect(report.processes.first?.reason == .exited)
    }

    @Test func thePollingMemoryWatcherKillsAtTheFirstCheckAboveTheLimit() async throws {
        let clock = ManualClock()
        let unit = try SimulatedUnit(
            """
            name: app
            command: app
            memory: 64Mi
            """,
            clock: clock,
            options: RuntimeOptions(
                memoryControl: .polling(period: .milliseconds(100)),
                residentMemory: { _ in (clock.elapsed >= .milliseconds(1_250) ? 300 : 10) << 20 }))
        await clock.advance(to: .milliseconds(1_299))
        #expect(unit.sink.time(of: "app: memory") == nil)
        await clock.advance(to: .milliseconds(1_400))
        // The app is essential and not restarted: the kill ends the unit.
        let report = await unit.run.value
        #expect(unit.sink.time(of: "app: memory 300 MiB above its limit of 64 MiB: killed") == .milliseconds(1_300))
        #expect(unit.spawner.processes(of: "app").first?.signals.first == SIGKILL)
        #expect(report.processes.first?.reason == .oomKilled)
        #expect(report.processes.first?.signal == SIGKILL)
        #expect(report.exitCode == 128 + SIGKILL)
    }

    @Test func theShutdownDeadlineCutsLongGracePeriods() async throws {
        let unit = try SimulatedUnit(
            """
            name: app
            command: app
            stop_grace_period: 60s
            sidecars:
              agent:
                command: agent
            """,
            options: RuntimeOptions(stopGrace: .seconds(10), stopDeadline: .seconds(30)),
            behaviour: { _, _ in .init(ignoresSIGTERM: true) })
        await unit.clock.advance(to: .seconds(1))
        let report = await unit.stop()
        // Every phase fits in the unit's 30 s: the app's 60 s grace is cut so that the agent's phase keeps
        // its grace up to a fifth of the timeout (6 s), and the agent is killed at the deadline itself.
        #expect(unit.sink.time(of: "app: stopping") == .seconds(1))
        #expect(unit.sink.time(of: "app: did not stop within 24.0s (what the unit's stop timeout left of its grace): killing") == .seconds(25))
        #expect(unit.sink.time(of: "agent: stopping") == .seconds(25))
        #expect(unit.sink.time(of: "agent: did not stop within 6.0s (what the unit's stop timeout left of its grace): killing") == .seconds(31))
        #expect(unit.spawner.processes(of: "agent").first?.signals == [SIGTERM, SIGKILL])
        #expect(report.processes.map(\.reason) == [.stopped, .stopped])
    }

    /// The processes of one level stop as one: each is killed when its own grace has passed, and the level
    /// (here the last) ends when its last process has.
    @Test func aLevelKillsEachOfItsProcessesAtItsOwnGrace() async throws {
        let unit = try SimulatedUnit(
            """
            name: app
            command: app
            sidecars:
              quick:
                command: quick
              slow:
                command: slow
                stop_grace_period: 2s
              slower:
                command: slower
                stop_grace_period: 5s
            """,
            options: RuntimeOptions(stopGrace: .seconds(10), stopDeadline: .seconds(30)),
            behaviour: { command, _ in .init(ignoresSIGTERM: command.hasPrefix("slow")) })
        await unit.clock.advance(to: .seconds(1))
        let report = await unit.stop()
        #expect(unit.sink.times(of: "quick: stopping") == [.seconds(1)])
        #expect(unit.sink.time(of: "slow: did not stop within 2.0s: killing") == .seconds(3))
        #expect(unit.sink.time(of: "slower: did not stop within 5.0s: killing") == .seconds(6))
        #expect(unit.sink.time(of: "quick: did not stop") == nil)
        #expect(unit.spawner.processes(of: "quick").first?.signals == [SIGTERM])
        #expect(unit.spawner.processes(of: "slow").first?.signals == [SIGTERM, SIGKILL])
        #expect(unit.spawner.processes(of: "slower").first?.signals == [SIGTERM, SIGKILL])
        #expect(report.processes.map(\.reason) == [.stopped, .stopped, .stopped, .stopped])
    }

    /// Before its first success a TCP or HTTP check runs every 100 ms, whatever its period: what waits for
    /// the process to be healthy starts within 100 ms of its accepting (Cloud Foundry's own start-up check
    /// runs every 2 s). After it, the period holds.
    @Test func aConnectCheckIsQuickUntilItsFirstSuccess() async throws {
        let unit = try SimulatedUnit(
            """
            name: web
            command: web
            probes:
              readiness: {tcp: {port: 8080}, period: 10s}
            sidecars:
              agent:
                command: agent
                depends_on: {web: healthy}
            """, probes: { _, _, at in at >= .milliseconds(350) })
        await unit.clock.advance(to: .milliseconds(399))
        #expect(unit.spawner.starts(of: "agent").isEmpty)
        await unit.clock.advance(to: .seconds(21))
        #expect(try #require(unit.probes).times("web", "") == [0, 100, 200, 300, 400, 10_400, 20_400].map { .milliseconds($0) })
        #expect(unit.spawner.starts(of: "agent") == [.milliseconds(400)])
        _ = await unit.stop()
    }

    /// `restart_limit` sets a process's own budget and backoff cap: 4 restarts, the waits capped at 150 ms,
    /// then given up.
    @Test func aRestartLimitSetsTheBudgetAndTheCap() async throws {
        let unit = try SimulatedUnit(
            """
            name: app
            command: app
            restart: always
            restart_limit: {restarts: 4, within: 1m, backoff_max: 150ms}
            """,
            options: RuntimeOptions(backoff: RestartBackoff(jitter: 0)),
            behaviour: { _, _ in .init(endsAfter: .zero, status: .exited(1)) })
        await unit.clock.advance(to: .seconds(2))
        let report = await unit.run.value
        // At once, then 100 ms, then 150 ms twice (200 and 400 are capped).
        #expect(unit.spawner.starts(of: "app") == [0, 0, 100, 250, 400].map { .milliseconds($0) })
        #expect(unit.sink.time(of: "app: gave up: restarted 4 times within 60.0s") == .milliseconds(400))
        #expect(report.processes.first?.restarts == 4)
    }
}
