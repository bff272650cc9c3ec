import Dispatch
import Foundation
import Synchronization
import TandemCore
import TandemFormats
import TandemTestSupport
import Testing

@testable import TandemRuntime

/// Runs a Tandem manifest (written inline) with real processes and returns the report and every record.
func runUnit(
    _ manifest: String, options: RuntimeOptions = RuntimeOptions(stopGrace: .seconds(2)), stopAfter: Duration? = nil, environment: [String: String] = [:]
)
    async throws -> (report: UnitReport, sink: MemorySink)
{
    let input = InputLoader().load(text: "tandem: v1\n" + manifest, file: "unit.yml")
    #expect(input.isValid, "\(input.diagnostics)")
    let service = try #require(input.services.first)
    var host = ProcessInfo.processInfo.environment
    host.merge(environment) { _, new in new }
    let (plan, problems) = RunPlan.make(service, file: "unit.yml", directory: NSTemporaryDirectory(), hostEnvironment: host)
    #expect(problems.errors.isEmpty, "\(problems)")
    let sink = MemorySink()
    let supervisor = Supervisor(plan: try #require(plan), options: options, sink: sink)
    if let stopAfter {
        Task {
            try? await Task.sleep(for: stopAfter)
            await supervisor.stop()
        }
    }
    // A unit that never ends would stall the whole run without a word: after 45 s the test fails with
    // what the unit did so far, and the unit is told to stop.
    let watchdog = Task {
        try await Task.sleep(for: .seconds(45))
        Issue.record("the unit has not ended after 45 s; its events so far:\n\(events(sink).joined(separator: "\n"))")
        await supervisor.stop()
    }
    defer { watchdog.cancel() }
    return (await supervisor.run(), sink)
}

func events(_ sink: MemorySink) -> [String] {
    sink.all.filter { $0.stream == .event }.map { "\($0.process): \($0.text)" }
}

func index(of event: String, in list: [String]) -> Int? {
    list.firstIndex { $0.hasPrefix(event) }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct SupervisorTests {
    init() { signal(SIGPIPE, SIG_IGN) }

    @Test func healthyGatesTheDependentAndStopsComeInOrder() async throws {
        let marker = NSTemporaryDirectory() + "tandem-ready-\(UUID().uuidString)"
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "sleep 0.3; touch \(marker); exec sleep 30"
            probes:
              readiness: {exec: [test, -f, \(marker)], period: 50ms}
            sidecars:
              proxy:
                command: "echo proxy up; exec sleep 30"
                depends_on: {app: healthy}
            """, stopAfter: .seconds(5))  // room for a loaded machine (the whole test command in parallel): the probe needs 0.3 s plus a period
        let list = events(sink)
        let ready = try #require(index(of: "app: ready", in: list))
        let proxyStarted = try #require(index(of: "proxy: started", in: list))
        #expect(ready < proxyStarted)
        // Main processes stop first, sidecars after the processes they serve.
        let appStopping = try #require(index(of: "app: stopping", in: list))
        let proxyStopping = try #require(index(of: "proxy: stopping", in: list))
        #expect(appStopping < proxyStopping)
        #expect(report.exitCode == 0)
        #expect(report.processes.map(\.reason) == [.stopped, .stopped])
        #expect(sink.lines(of: "proxy") == ["proxy up"])
        try? FileManager.default.removeItem(atPath: marker)
    }

    /// s6's notification-fd: ready at the newline on the descriptor, which the process gets at the number
    /// it asked for and no other descriptor beside its standard streams.
    @Test(arguments: [3, 7]) func aProcessSaysItIsReadyOnItsNotifyDescriptor(number: Int) async throws {
        let others = (3...9).filter { $0 != number }.map(String.init).joined(separator: " ")
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "test -e /proc/$$/fd/\(number) && echo has-\(number); for n in \(others); do test -e /proc/$$/fd/$n && echo leaked-$n; done; sleep 0.3; echo ready >&\(number); exec sleep 30"
            notify_fd: \(number)
            # HEALTHY needs a check other engines can run; locally the newline decides.
            probes:
              startup: {exec: ["true"], period: 100ms}
            sidecars:
              proxy:
                command: "exec sleep 30"
                depends_on: {app: healthy}
            """, stopAfter: .seconds(4))  // room for a loaded machine: the stop must come after proxy's start, 0.3 s plus a probe after app's
        let list = events(sink)
        #expect(sink.lines(of: "app") == ["has-\(number)"])
        let ready = try #require(index(of: "app: ready", in: list), "\(list)")
        let proxyStarted = try #require(index(of: "proxy: started", in: list), "\(list)")
        #expect(ready < proxyStarted)
        #expect(report.processes.map(\.reason) == [.stopped, .stopped])
    }

    @Test func aNotifyDescriptorClosedWithoutANewlineIsNotReadiness() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "printf 'almost' >&3; exec 3>&-; exec sleep 30"
            notify_fd: 3
            probes:
              startup: {exec: ["true"], period: 100ms}
            sidecars:
              proxy:
                command: "exec sleep 30"
                essential: true
                depends_on: {app: {condition: healthy, timeout: 500ms}}
            """, stopAfter: .seconds(3))
        let list = events(sink)
        #expect(index(of: "app: closed descriptor 3 without writing the newline that says it is ready", in: list) != nil, "\(list)")
        #expect(index(of: "app: ready", in: list) == nil)
        #expect(report.processes.map(\.reason) == [.stopped, .dependencyBlocked])
    }

    @Test func anEssentialExitEndsTheUnitWithItsCode() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "sleep 0.2; exit 3"
            sidecars:
              agent:
                command: "exec sleep 30"
            """)
        #expect(report.exitCode == 3)
        #expect(report.processes.first { $0.name == "app" }?.reason == .exited)
        #expect(report.processes.first { $0.name == "app" }?.exitCode == 3)
        #expect(report.processes.first { $0.name == "agent" }?.reason == .stopped)
        #expect(index(of: "agent: stopping", in: events(sink)) != nil)
    }

    @Test func signalsBecome128PlusTheSignal() async throws {
        let (report, _) = try await runUnit("name: app\ncommand: \"kill -9 $$\"\n")
        #expect(report.exitCode == 137)
        #expect(report.processes.first?.reason == .signaled)
        #expect(report.processes.first?.signal == 9)
    }

    @Test func successDependenciesRunJobsFirstAndBlockOnFailure() async throws {
        let (good, goodSink) = try await runUnit(
            """
            name: app
            command: "echo app ran"
            depends_on: {migrate: success}
            sidecars:
              migrate:
                command: "echo migrating; exit 0"
                essential: false
                restart: never
            """)
        #expect(good.exitCode == 0)
        #expect(goodSink.lines(of: "app") == ["app ran"])
        let (bad, badSink) = try await runUnit(
            """
            name: app
            command: "echo app ran"
            depends_on: {migrate: success}
            sidecars:
              migrate:
                command: "exit 4"
                essential: false
                restart: never
            """)
        #expect(bad.exitCode == 1)
        #expect(bad.processes.first { $0.name == "app" }?.reason == .dependencyBlocked)
        #expect(bad.processes.first { $0.name == "app" }?.message == "dependency container \"migrate\" exited with non-zero exit code 4")
        #expect(badSink.lines(of: "app").isEmpty)
    }

    @Test func aNonEssentialEndIsReportedAndTheUnitGoesOn() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "exec sleep 30"
            sidecars:
              once:
                command: "echo done"
                restart: never
            """, stopAfter: .milliseconds(600))
        #expect(report.exitCode == 0)
        #expect(report.processes.first { $0.name == "once" }?.reason == .exited)
        #expect(report.processes.first { $0.name == "app" }?.reason == .stopped)
        #expect(index(of: "once: non-essential process ended", in: events(sink)) != nil)
    }

    @Test func crashLoopsBackOffAndGiveUpWithinTheBudget() async throws {
        let backoff = RestartBackoff(initial: .milliseconds(20), multiplier: 2, cap: .milliseconds(80), jitter: 0, budget: 3, window: .seconds(30))
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "exec sleep 30"
            sidecars:
              flaky:
                command: "echo try; exit 1"
                restart: on-failure
            """, options: RuntimeOptions(stopGrace: .seconds(2), backoff: backoff), stopAfter: .seconds(2))
        let flaky = try #require(report.processes.first { $0.name == "flaky" })
        #expect(flaky.restarts == 3)
        #expect(flaky.message == "gave up after 3 restarts")
        #expect(sink.lines(of: "flaky") == ["try", "try", "try", "try"])
        #expect(
            events(sink).filter { $0.hasPrefix("flaky: restarting in") } == [
                "flaky: restarting in 0ms", "flaky: restarting in 20ms", "flaky: restarting in 40ms",
            ])
    }

    @Test func livenessFailuresRestartTheProcess() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "exec sleep 30"
            restart: always
            probes:
              liveness: {exec: ["false"], period: 50ms, failure_threshold: 2}
            """, stopAfter: .milliseconds(900))
        #expect((report.processes.first?.restarts ?? 0) >= 1)
        #expect(events(sink).contains { $0.contains("liveness_killed") })
    }

    @Test func aProcessIgnoringSIGTERMIsKilledAfterItsGrace() async throws {
        let started = ContinuousClock.now
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "trap '' TERM; while true; do sleep 0.05; done"
            stop_grace_period: 300ms
            """, stopAfter: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        #expect(report.processes.first?.signal == 9)
        #expect(events(sink).contains { $0.hasPrefix("app: did not stop within 300ms: killing") })
        #expect(elapsed < .seconds(3))
    }

    @Test func nothingIsLeftBehindByAProcessThatForksADaemon() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "sleep 300 & echo $!; exit 0"
            """)
        #expect(report.exitCode == 0)
        let pid = try #require(sink.lines(of: "app").first.flatMap { pid_t($0) })
        // The daemon was in the process group, swept when its parent ended.
        #expect(await processIsGone(pid, within: .seconds(1)))
    }

    /// A probe's output is read while it runs (it never dies of a closed pipe) and its last 4 KiB kept:
    /// a probe that prints 100 kB passes.
    @Test func aProbeThatPrintsALotPasses() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "exec sleep 30"
            probes:
              readiness: {shell: "head -c 100000 /dev/zero | tr '\\\\0' x; echo; echo done", period: 100ms}
            sidecars:
              after:
                command: "echo started; exec sleep 30"
                depends_on: {app: healthy}
            """, stopAfter: .seconds(2))
        #expect(report.exitCode == 0)
        #expect(events(sink).contains("app: ready"), "\(events(sink))")
        #expect(sink.lines(of: "after") == ["started"])
    }

    /// Every command is resolved before anything starts: a missing or non-executable one stops the run
    /// with the process and the command named, and nothing runs (not even the processes that could).
    @Test func aMissingCommandStopsTheRunBeforeAnythingStarts() throws {
        let folder = NSTemporaryDirectory() + "tandem-preflight-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/bin", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: folder + "/bin/worker", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o644])
        let input = InputLoader().load(
            text: """
                tandem: v1
                name: app
                command: ["no-such-command-anywhere"]
                processes:
                  worker:
                    command: ./bin/worker --fast
                  shell:
                    command: "exec missing-too --flag"
                  fine:
                    command: "FOO=1 echo $HOME | cat"
                sidecars:
                  agent:
                    command: [./bin]
                """, file: "unit.yml")
        let service = try #require(input.services.first)
        let (plan, problems) = RunPlan.make(service, file: "unit.yml", directory: folder, hostEnvironment: ["PATH": "/usr/bin:/bin"])
        #expect(plan == nil)
        #expect(
            problems.map(\.message) == [
                "app: command no-such-command-anywhere not found in its PATH (/usr/bin:/bin)",
                "worker: command ./bin/worker is not executable (chmod +x \(folder)/./bin/worker)",
                "shell: command missing-too not found in its PATH (/usr/bin:/bin)",
                "agent: command ./bin is a folder, not a program",
            ])
    }

    @Test func outputIsKeptWholeAndInOrder() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "seq 1 20000; printf 'last line without newline'"
            """)
        #expect(report.exitCode == 0)
        let lines = sink.all.filter { $0.process == "app" && $0.stream == .stdout }
        #expect(lines.count == 20001)
        #expect(lines.prefix(20000).map(\.text) == (1...20000).map(String.init))
        #expect(lines.last?.text == "last line without newline")
        #expect(lines.last?.unterminated == true)
    }

    @Test func secretsComeFromTheHostAndNeverReachTheLogs() async throws {
        let (report, sink) = try await runUnit(
            """
            name: app
            command: "test \\"$TOKEN\\" = s3cret-value && echo token ok"
            secrets:
              TOKEN: {from_env: TANDEM_TEST_TOKEN}
            """, environment: ["TANDEM_TEST_TOKEN": "s3cret-value"])
        #expect(report.exitCode == 0)
        #expect(sink.lines(of: "app") == ["token ok"])
        #expect(!sink.all.contains { $0.text.contains("s3cret-value") })
    }

    @Test func aLogRouterReceivesEveryLineAsJSONAndStopsLast() async throws {
        let file = NSTemporaryDirectory() + "tandem-router-\(UUID().uuidString).log"
        let (_, sink) = try await runUnit(
            """
            name: app
            command: "echo hello from app; exec sleep 30"
            logging:
              command: "cat > \(file)"
            """, stopAfter: .milliseconds(500))
        let routed = try String(contentsOfFile: file, encoding: .utf8)
        #expect(routed.contains("\"process\":\"app\",\"stream\":\"stdout\",\"line\":\"hello from app\""))
        let list = events(sink)
        #expect(try #require(index(of: "log-router: started", in: list)) < (try #require(index(of: "app: started", in: list))))
        #expect(try #require(index(of: "app: stopping", in: list)) < (try #require(index(of: "log-router: stopping", in: list))))
        try? FileManager.default.removeItem(atPath: file)
    }
}

@Suite struct RestartBackoffTests {
    @Test func delaysDoubleUpToTheCap() {
        let backoff = RestartBackoff(initial: .milliseconds(100), multiplier: 2, cap: .seconds(1), jitter: 0)
        #expect(
            (0..<7).map { backoff.delay(attempt: $0, random: 0.5) } == [
                .zero, .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
            ])
    }

    @Test func jitterStaysWithinItsFraction() {
        let backoff = RestartBackoff(initial: .seconds(1), jitter: 0.1)
        #expect(backoff.delay(attempt: 1, random: 0) == .milliseconds(900))
        #expect(backoff.delay(attempt: 1, random: 0.999_999_999) <= .milliseconds(1100))
    }

    @Test func aStableRunResetsTheBackoff() {
        let backoff = RestartBackoff(resetAfter: .seconds(10))
        #expect(backoff.nextAttempt(after: 4, lastRun: .seconds(11)) == 0)
        #expect(backoff.nextAttempt(after: 4, lastRun: .seconds(2)) == 5)
    }

    @Test func theBudgetCountsRestartsInItsWindow() {
        let backoff = RestartBackoff(budget: 3, window: .seconds(60))
        let now = ContinuousClock.now
        #expect(backoff.allows(restartAt: now, earlier: [now - .seconds(1), now - .seconds(2)]))
        #expect(!backoff.allows(restartAt: now, earlier: [now - .seconds(1), now - .seconds(2), now - .seconds(3)]))
        #expect(backoff.allows(restartAt: now, earlier: [now - .seconds(61), now - .seconds(62), now - .seconds(63)]))
    }
}

@Suite struct RunPlanTests {
    @Test func cloudFoundryMemoryIsSplitBetweenAProcessAndItsSidecars() throws {
        let input = InputLoader().loadFile(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
                + "/examples/cloudfoundry/manifest.yml")
        let service = try #require(input.services.first)
        let (plan, _) = RunPlan.make(service, file: "m.yml", directory: "/tmp", checkCommands: false)
        let processes = try #require(plan?.processes)
        // web: 1024 MB less the authenticator's 128 MB; the monitor reserves nothing and sees the whole process.
        #expect(processes.first { $0.container.name == "web" }?.request.environment["MEMORY_LIMIT"] == "896m")
        #expect(processes.first { $0.container.name == "authenticator" }?.request.environment["MEMORY_LIMIT"] == "128m")
    }

    @Test func missingSecretsStopTheRunBeforeAnythingStarts() throws {
        let input = InputLoader().load(text: "tandem: v1\nname: a\ncommand: x\nsecrets:\n  T: {from_env: NOT_SET_ANYWHERE}\n", file: "a.yml")
        let (plan, problems) = RunPlan.make(try #require(input.services.first), file: "a.yml", directory: "/tmp", hostEnvironment: [:], checkCommands: false)
        #expect(plan == nil)
        #expect(problems.map(\.message) == ["T is read from the variable NOT_SET_ANYWHERE, which is not set"])
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct SpawnerTests {
    /// Linux sends the parent-death signal when the thread that forked a child ends. Children forked for
    /// a thread that then exits must live on.
    @Test func childrenOutliveTheThreadThatAskedForThem() async throws {
        let spawned = Mutex<SpawnedProcess?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let process = try? PosixSpawner().spawn(SpawnRequest(arguments: ["sleep", "30"], environment: [:]), withInput: false)
            spawned.withLock { $0 = process }
            done.signal()
        }
        thread.start()
        done.wait()
        let process = try #require(spawned.withLock { $0 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(kill(process.pid, 0) == 0)
        process.signalGroup(SIGKILL)
        #expect(await ProcessReaper.shared.exit(of: process.pid) == .signaled(SIGKILL))
        close(process.output)
        close(process.error)
    }

    @Test func eachChildLeadsItsOwnSessionAndGroup() async throws {
        let process = try PosixSpawner().spawn(SpawnRequest(arguments: ["sleep", "30"], environment: [:]), withInput: false)
        let stat = try String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8)
        let fields = stat.split(separator: ")").last?.split(separator: " ").map(String.init) ?? []
        // After the ")" come state, ppid, pgrp, session.
        #expect(fields.count > 3 && fields[2] == String(process.pid) && fields[3] == String(process.pid))
        process.signalGroup(SIGKILL)
        _ = await ProcessReaper.shared.exit(of: process.pid)
        close(process.output)
        close(process.error)
    }
}
