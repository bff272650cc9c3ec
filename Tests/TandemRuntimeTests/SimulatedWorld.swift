import Foundation
import Glibc
import Synchronization
import TandemCore
import TandemFormats
import Testing

@testable import TandemRuntime

/// A clock that moves only when the test says so. `advance(to:)` jumps from one sleeper's deadline to the
/// next, letting the supervisor settle in between, so what happens at 30 s happens at exactly 30 s of
/// this clock, after a few milliseconds of real time.
final class ManualClock: RuntimeClock {
    private struct Sleeper {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: ContinuousClock.Instant
        var sleepers: [Int: Sleeper] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
        /// Bumped by every sleep, wake-up and cancellation, and by the simulated processes and probes: a
        /// count that stops moving means the supervisor has nothing left to do at this instant.
        var activity = 0
    }

    let origin: ContinuousClock.Instant
    private let state: Mutex<State>

    init() {
        let start = ContinuousClock.now
        origin = start
        state = Mutex(State(now: start))
    }

    var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// Time since the clock was made.
    var elapsed: Duration { now - origin }

    func touch() { state.withLock { $0.activity += 1 } }

    func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { state in
            state.activity += 1
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                state.activity += 1
                guard let sleeper = state.sleepers.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return Sleeper?.none
                }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves to `origin + offset`, waking each sleeper at its own deadline, in order.
    func advance(to offset: Duration) async {
        let target = origin + offset
        while true {
            await settle()
            let due: [Sleeper] = state.withLock { state in
                guard let next = state.sleepers.values.map(\.deadline).min(), next <= target else {
                    state.now = max(state.now, target)
                    return []
                }
                state.now = max(state.now, next)
                let due = state.sleepers.filter { $0.value.deadline <= next }
                for id in due.keys { state.sleepers.removeValue(forKey: id) }
                state.activity += 1
                return Array(due.values)
            }
            if due.isEmpty { break }
            for sleeper in due { sleeper.continuation.resume() }
        }
        await settle()
    }

    func advance(by duration: Duration) async { await advance(to: elapsed + duration) }

    /// Waits (in real time) until nothing has moved for 20 ms.
    func settle() async {
        var last = -1
        var quiet = 0
        while quiet < 10 {
            try? await Task.sleep(for: .milliseconds(2))
            let activity = state.withLock { $0.activity }
            quiet = activity == last ? quiet + 1 : 0
            last = activity
        }
    }
}

/// A process that is not one: it runs until told to end, ends at a time set when it starts, and takes
/// signals as its script says. Its output pipes are real, and close when it ends.
final class SimulatedProcess: ProcessHandle {
    private struct State {
        var ended: TerminationStatus?
        var waiters: [CheckedContinuation<TerminationStatus, Never>] = []
        var writeEnds: [Int32]
        var signals: [Int32] = []
    }

    let ignoresSIGTERM: Bool
    private let state: Mutex<State>
    private let clock: ManualClock

    init(writeEnds: [Int32], ignoresSIGTERM: Bool, clock: ManualClock) {
        self.ignoresSIGTERM = ignoresSIGTERM
        self.clock = clock
        state = Mutex(State(writeEnds: writeEnds))
    }

    var signals: [Int32] { state.withLock { $0.signals } }

    func signalGroup(_ signal: Int32) {
        let ends = state.withLock { state in
            guard state.ended == nil else { return false }
            state.signals.append(signal)
            return signal == SIGKILL || (signal == SIGTERM && !ignoresSIGTERM)
        }
        if ends { end(.signaled(signal)) }
    }

    func end(_ status: TerminationStatus) {
        let waiters = state.withLock { state -> [CheckedContinuation<TerminationStatus, Never>] in
            guard state.ended == nil else { return [] }
            state.ended = status
            for descriptor in state.writeEnds { close(descriptor) }
            state.writeEnds = []
            defer { state.waiters = [] }
            return state.waiters
        }
        clock.touch()
        for waiter in waiters { waiter.resume(returning: status) }
    }

    func exit() async -> TerminationStatus {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state -> TerminationStatus? in
                if let ended = state.ended { return ended }
                state.waiters.append(continuation)
                return nil
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }
}

/// Starts simulated processes, and records when (on the manual clock) each command started.
final class SimulatedSpawner: ProcessSpawner {
    /// What a started process does: run until signalled, or end with `status` after `after`.
    struct Behaviour {
        var endsAfter: Duration?
        var status: TerminationStatus = .exited(0)
        var ignoresSIGTERM = false
    }

    private let clock: ManualClock
    private let behaviour: @Sendable (_ command: String, _ start: Int) -> Behaviour
    private let started = Mutex<[(command: String, at: Duration, process: SimulatedProcess)]>([])

    init(clock: ManualClock, behaviour: @escaping @Sendable (_ command: String, _ start: Int) -> Behaviour = { _, _ in Behaviour() }) {
        self.clock = clock
        self.behaviour = behaviour
    }

    /// The start times of `command`, as offsets from the clock's origin.
    func starts(of command: String) -> [Duration] { started.withLock { $0.filter { $0.command == command }.map(\.at) } }

    func processes(of command: String) -> [SimulatedProcess] { started.withLock { $0.filter { $0.command == command }.map(\.process) } }

    func spawn(_ request: SpawnRequest, withInput: Bool) throws -> SpawnedProcess {
        let command = request.arguments.last ?? ""
        var output: [Int32] = [-1, -1]
        var error: [Int32] = [-1, -1]
        guard pipe(&output) == 0, pipe(&error) == 0 else { throw SpawnError(command: command, errno: errno) }
        let count = started.withLock { list in list.filter { $0.command == command }.count }
        let plan = behaviour(command, count)
        let process = SimulatedProcess(writeEnds: [output[1], error[1]], ignoresSIGTERM: plan.ignoresSIGTERM, clock: clock)
        started.withLock { $0.append((command, clock.elapsed, process)) }
        clock.touch()
        if let after = plan.endsAfter {
            let clock = self.clock
            Task {
                try? await clock.sleep(for: after)
                process.end(plan.status)
            }
        }
        return SpawnedProcess(pid: 4_000_000 + pid_t(count), output: output[0], error: error[0], handle: process)
    }
}

/// Probe results chosen by the test from the process, the probe's command and the clock's time; every
/// call is recorded.
final class ScriptedProbes: ProbeRunner {
    private let clock: ManualClock
    private let result: @Sendable (_ process: String, _ command: String, _ at: Duration) -> Bool
    private let calls = Mutex<[(process: String, command: String, at: Duration)]>([])

    init(clock: ManualClock, result: @escaping @Sendable (_ process: String, _ command: String, _ at: Duration) -> Bool) {
        self.clock = clock
        self.result = result
    }

    func times(_ process: String, _ command: String) -> [Duration] {
        calls.withLock { $0.filter { $0.process == process && $0.command == command }.map(\.at) }
    }

    func check(_ probe: Probe, of target: ProbeTarget) async -> ProbeResult {
        let command: String =
            switch probe.action {
            case .exec(let argv): argv.joined(separator: " ")
            case .shell(let line): line
            default: ""
            }
        let at = clock.elapsed
        calls.withLock { $0.append((target.name, command, at)) }
        clock.touch()
        return ProbeResult(passed: result(target.name, command, at), output: "scripted at \(at)")
    }
}

/// Events with the manual clock's time at which they were written.
final class TimedSink: LogSink {
    private let clock: ManualClock
    private let records = Mutex<[(at: Duration, text: String)]>([])

    init(clock: ManualClock) { self.clock = clock }

    func write(_ batch: [LogRecord]) {
        let at = clock.elapsed
        records.withLock { list in
            for record in batch where record.stream == .event { list.append((at, "\(record.process): \(record.text)")) }
        }
        clock.touch()
    }

    /// When the first event starting with `prefix` was written, if it was.
    func time(of prefix: String) -> Duration? { records.withLock { $0.first { $0.text.hasPrefix(prefix) }?.at } }

    func times(of prefix: String) -> [Duration] { records.withLock { $0.filter { $0.text.hasPrefix(prefix) }.map(\.at) } }

    var events: [String] { records.withLock { $0.map { "\(Supervisor.format($0.at)) \($0.text)" } } }
}

/// A supervisor over simulated processes and probes, on a manual clock.
struct SimulatedUnit {
    let clock: ManualClock
    let spawner: SimulatedSpawner
    let sink: TimedSink
    let probes: ScriptedProbes?
    let supervisor: Supervisor
    let run: Task<UnitReport, Never>

    init(
        _ manifest: String, clock: ManualClock = ManualClock(), options: RuntimeOptions = RuntimeOptions(),
        behaviour: @escaping @Sendable (_ command: String, _ start: Int) -> SimulatedSpawner.Behaviour = { _, _ in .init() },
        probes: (@Sendable (_ process: String, _ command: String, _ at: Duration) -> Bool)? = nil
    ) throws {
        let input = InputLoader().load(text: "tandem: v1\n" + manifest, file: "unit.yml")
        #expect(input.isValid, "\(input.diagnostics)")
        let service = try #require(input.services.first)
        let (plan, problems) = RunPlan.make(
            service, file: "unit.yml", directory: NSTemporaryDirectory(), hostEnvironment: ["PATH": "/usr/bin:/bin"], checkCommands: false)
        #expect(problems.errors.isEmpty, "\(problems)")
        var options = options
        options.clock = clock
        // Simulated processes are not on this machine: nothing to contain.
        options.containment = .none
        self.probes = probes.map { ScriptedProbes(clock: clock, result: $0) }
        options.probes = self.probes
        self.clock = clock
        spawner = SimulatedSpawner(clock: clock, behaviour: behaviour)
        sink = TimedSink(clock: clock)
        supervisor = Supervisor(plan: try #require(plan), options: options, spawner: spawner, sink: sink)
        let supervisor = self.supervisor
        run = Task { await supervisor.run() }
    }

    /// Stops the unit and returns its report, moving the clock as far as the shutdown needs.
    func stop(advancingUpTo limit: Duration = .seconds(60)) async -> UnitReport {
        await supervisor.stop()
        await clock.advance(by: limit)
        return await run.value
    }
}
