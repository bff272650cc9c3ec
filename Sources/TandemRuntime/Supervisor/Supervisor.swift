import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

public struct RuntimeOptions: Sendable {
    /// Grace between SIGTERM and SIGKILL for a process that sets none.
    public var stopGrace: Duration
    /// The most a whole shutdown may take before everything left is killed.
    public var stopDeadline: Duration
    /// How long a process waits for a dependency's condition when the manifest sets no timeout.
    public var dependencyTimeout: Duration
    public var backoff: RestartBackoff
    /// How memory limits are enforced; nil finds the best this machine allows when a process has one.
    public var memoryControl: MemoryControl?
    /// What every deadline, period and backoff is measured on.
    public var clock: any RuntimeClock
    /// Runs the probes; nil runs the real ones (commands through the supervisor's spawner, TCP, HTTP).
    public var probes: (any ProbeRunner)?
    /// The resident memory of a process group, in bytes, for the polling memory watcher and the metrics.
    public var residentMemory: @Sendable (pid_t) -> Int
    /// How the unit's processes are held together (a cgroup, a PID namespace); `tandem run` asks for
    /// `.auto`, tests of simulated processes for `.none`.
    public var containment: ContainmentMode

    public init(
        stopGrace: Duration = .seconds(10), stopDeadline: Duration = .seconds(30), dependencyTimeout: Duration = .seconds(120),
        backoff: RestartBackoff = RestartBackoff(), memoryControl: MemoryControl? = nil, clock: any RuntimeClock = SystemClock(),
        probes: (any ProbeRunner)? = nil, residentMemory: @escaping @Sendable (pid_t) -> Int = residentBytes(ofGroup:),
        containment: ContainmentMode = .cgroup
    ) {
        self.containment = containment
        self.stopGrace = stopGrace
        self.stopDeadline = stopDeadline
        self.dependencyTimeout = dependencyTimeout
        self.backoff = backoff
        self.memoryControl = memoryControl
        self.clock = clock
        self.probes = probes
        self.residentMemory = residentMemory
    }
}

/// Runs a unit: the main processes and their sidecars, started in dependency order (START, HEALTHY,
/// COMPLETE, SUCCESS), probed with Kubernetes' semantics, restarted by policy with backoff, and stopped
/// in order (main processes, then sidecars, then the log router, each in reverse dependency order), with
/// a grace period each and SIGKILL to the whole process group at the end.
public actor Supervisor {
    private struct State {
        var process: SpawnedProcess?
        var generation = 0
        var everStarted = false
        var running = false
        var ready = false
        var final = false
        var lastExit: TerminationStatus?
        var reason: EndReason?
        var message: String?
        var killReason: EndReason?
        var restarts = 0
        /// The backoff step of the last restart; -1 before the first.
        var attempt = -1
        var restartTimes: [ContinuousClock.Instant] = []
        var startedAt: ContinuousClock.Instant?
        /// `tandem restart` asked for this generation to be replaced.
        var restartRequested = false
        /// The unit's shutdown has asked this process to stop.
        var stopRequested = false
        /// When the next start comes, while waiting out a backoff.
        var nextStart: ContinuousClock.Instant?
        /// For `tandem why`: the probe that last ran, whether it passed, and the failures in a row.
        var lastProbe: ProbeStatus?
        /// For `tandem why`: what the process waits for, and until when.
        var waitingFor: (dependency: Dependency, deadline: ContinuousClock.Instant)?
    }

    private let plan: RunPlan
    private let options: RuntimeOptions
    private let spawner: any ProcessSpawner
    private let clock: any RuntimeClock
    private let probes: any ProbeRunner
    private let sink: any LogSink
    private let pump: OutputPump
    private let router: RouterSink?
    private let destination: DestinationSink?
    private var states: [String: State] = [:]
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var timers: [Int: Task<Void, Never>] = [:]
    private var nextWaiter = 0
    private var stopping = false
    private var endCode: Int32?
    private var endReason = ""
    private var lifecycles: [Task<Void, Never>] = []
    private var memory: MemoryControl?
    /// The cgroup of each process with a memory limit, to remove when the unit ends.
    private var memoryGroups: [String: String] = [:]
    private var containment: Containment?

    public init(plan: RunPlan, options: RuntimeOptions = RuntimeOptions(), spawner: any ProcessSpawner = PosixSpawner(), sink: any LogSink) {
        self.plan = plan
        self.options = options
        self.spawner = spawner
        self.clock = options.clock
        self.probes = options.probes ?? ProbeCheck(spawner: spawner, clock: options.clock)
        // The log router's and the destination's own events go to the console sink only.
        let report: @Sendable (String) -> Void = { [sink] text in sink.write([LogRecord(process: "tandem", stream: .event, text: text)]) }
        let router = plan.service.logging.map { _ in RouterSink(report: report) }
        let destination = plan.logDestination.map { DestinationSink(destination: $0, report: report) }
        self.router = router
        self.destination = destination
        // With a log router, every line also goes to it as a JSON line on its standard input; with a
        // built-in destination, to that.
        let forwarders: [any LogSink] = [router as (any LogSink)?, destination].compactMap { $0 }
        self.sink = forwarders.isEmpty ? sink : FanOutSink([sink] + forwarders)
        self.pump = OutputPump(sink: self.sink)
        for process in plan.processes { states[process.container.name] = State() }
    }

    // MARK: Running

    /// Runs until an essential process ends for good, every process has, or `stop()`; then stops the unit.
    public func run() async -> UnitReport {
        let run = Self.runs.add(1, ordering: .relaxed).newValue
        let groupName = "tandem-\(fileNameComponent(plan.service.name))-\(getpid())" + (run > 1 ? "-\(run)" : "")
        let containment = Containment(mode: options.containment, groupName: groupName)
        self.containment = containment
        if plan.processes.contains(where: { RunPlan.memoryLimit(of: $0.container, in: plan.service) != nil }) {
            let memory = options.memoryControl ?? MemoryControl.detect(unit: plan.service.name, groupName: groupName)
            self.memory = memory
            event("tandem", "memory limits: \(memory)")
        }
        containment.startKeeper(removing: [containment.unitGroup, memory?.folder].compactMap { $0 })
        if containment.unitGroup == nil || containment.keeperPid == nil, options.containment != .none {
            // Said once, at start, only when the unit is less contained than it could be.
            event("tandem", containment.summary)
        }
        if let keeper = containment.keeperPid {
            ProcessReaper.shared.onExit(of: keeper) { [weak self] status in
                guard let self else { return }
                Task { await self.keeperEnded(keeper, status: status) }
            }
        }
        for process in plan.processes {
            let name = process.container.name
            lifecycles.append(Task { await self.lifecycle(name) })
        }
        if let destination { event("tandem", "logs go to \(destination.destination)") }
        while !stopping { await waitForChange(until: nil) }
        let deadline = clock.now + options.stopDeadline
        await shutdown(deadline: deadline)
        for task in lifecycles { await task.value }
        // Whatever is left of the unit (a daemon that left its process group) ends with it.
        containment.end(otherFolders: [memory?.folder].compactMap { $0 })
        memory?.removeGroups(Array(memoryGroups.values))
        var report = report()
        if let router {
            router.finish()
            report.logLinesDelivered = router.delivered
            report.logLinesDropped = router.dropped
            if router.dropped > 0 { event("tandem", "log router: \(router.dropped) lines dropped in all") }
        }
        if let destination {
            // Like a router process, the destination goes last: what is held is delivered within what is
            // left of the stop deadline (at least a second).
            let left = max(deadline - clock.now, .seconds(1))
            // finish blocks while it waits: on a Dispatch thread of its own, not the cooperative pool.
            let (delivered, dropped) = await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: destination.finish(within: left)) }
            }
            report.logLinesDelivered = delivered
            report.logLinesDropped = dropped
            event("tandem", "log destination \(destination.destination): \(delivered) lines delivered, \(dropped) dropped")
        }
        return report
    }

    /// For a program that owns every child (the `tandem` executable, PID 1 in a container): become the
    /// subreaper of every descendant and reap all of them, so no orphan is left a zombie.
    public static func adoptOrphans() {
        ProcessReaper.shared.adoptOrphans()
    }

    /// Asks the unit to stop (SIGTERM, SIGINT, `tandem stop`), in order.
    public func stop(reason: String = "stop requested") {
        finish(code: 0, reason: reason)
    }

    /// A signal sent to the supervisor: SIGTERM and SIGINT stop the unit in order; any other is passed on to
    /// each running process that takes it (`forward_signals`; by default the main
    /// processes take every one).
    public func received(signal number: Int32) {
        let name = UnitSignals.name(number)
        if UnitSignals.stopping.contains(number) {
            if stopping {
                event("tandem", "\(name) received; already stopping")
            } else {
                event("tandem", "\(name) received: stopping")
            }
            stop(reason: "signal \(number) received")
            return
        }
        var receivers: [String] = []
        for process in plan.processes {
            let container = process.container
            let takes = container.forwardSignals.map { names in names.contains { UnitSignals.numbers[$0] == number } } ?? (container.role == .main)
            guard takes, let state = states[container.name], state.running, let running = state.process else { continue }
            // To the process itself, as tini does by default: its group may hold helpers that would die of it.
            running.signal(number)
            receivers.append(container.name)
        }
        event("tandem", "\(name) received: " + (receivers.isEmpty ? "no running process takes it" : "passed on to \(receivers.joined(separator: ", "))"))
    }

    /// Names and whether each is running and ready, for `tandem ps` and tests.
    public func snapshot() -> [(name: String, running: Bool, ready: Bool, restarts: Int)] {
        plan.processes.map { process in
            let state = states[process.container.name] ?? State()
            return (process.container.name, state.running, state.ready, state.restarts)
        }
    }

    /// Numbers the runs in this process, so that two units of one process never share a cgroup.
    private static let runs = Atomic<Int>(0)

    /// The keeper ended while the unit runs: someone killed it. In a PID namespace the kernel has ended
    /// every process of the unit with it.
    private func keeperEnded(_ pid: pid_t, status: TerminationStatus) {
        guard let containment, !containment.hasEnded, !stopping else { return }
        if containment.pidNamespace {
            event("tandem", "the keeper (pid \(pid), init of the unit's PID namespace) \(status); the kernel ended every process of the unit")
            finish(code: 1, reason: "the unit's keeper ended")
        } else {
            event("tandem", "the keeper (pid \(pid)) \(status); if tandem is killed now, its cgroup stays behind")
        }
    }

    private func finish(code: Int32, reason: String) {
        guard !stopping else { return }
        stopping = true
        endCode = code
        endReason = reason
        notifyChange()
    }

    private func event(_ name: String, _ text: String) {
        sink.write([LogRecord(process: name, stream: .event, text: text)])
    }

    private func container(_ name: String) -> Container? { plan.service.container(named: name) }

    private func lifecycle(_ name: String) async {
        guard var process = plan.processes.first(where: { $0.container.name == name }) else { return }
        let container = process.container
        if let blocked = await waitForDependencies(container) {
            states[name]?.final = true
            states[name]?.reason = stopping ? .neverStarted : .dependencyBlocked
            states[name]?.message = blocked
            if !stopping {
                event(name, "not started: \(blocked)")
                if container.essential { finish(code: 1, reason: "\(name) could not start: \(blocked)") }
                endIfAllFinal()
            }
            notifyChange()
            return
        }
        let memoryLimit = RunPlan.memoryLimit(of: container, in: plan.service)
        // One group per process, made before its first start and kept across restarts.
        if let memoryLimit, let memory, memory.usesCgroups {
            memoryGroups[name] = memory.prepareGroup(for: name, mebibytes: memoryLimit)
            if memoryGroups[name] == nil { event(name, "cannot make a memory cgroup; polling its memory instead") }
        }
        let memoryGroup = memoryGroups[name]
        let leaf = containment?.leaf(for: name)
        for group in [leaf?.path, memoryGroup].compactMap({ $0 }) where !process.request.cgroups.contains(group) {
            process.request.cgroups.append(group)
        }
        if let namespace = containment?.mountNamespace, namespace >= 0 { process.request.mountNamespace = namespace }
        while !stopping {
            let request = process.request
            let oomKillsBefore = memoryGroup.map { memory?.oomKills(in: $0) ?? 0 } ?? 0
            let spawned: SpawnedProcess
            do {
                spawned = try spawner.spawn(request, withInput: container.role == .logRouter)
            } catch {
                states[name]?.final = true
                states[name]?.reason = .startFailed
                states[name]?.message = "\(error)"
                event(name, "\(error)")
                if container.essential { finish(code: 127, reason: "\(name): \(error)") }
                endIfAllFinal()
                notifyChange()
                return
            }
            let startedAt = clock.now
            states[name]?.process = spawned
            states[name]?.generation += 1
            states[name]?.everStarted = true
            states[name]?.running = true
            states[name]?.killReason = nil
            states[name]?.startedAt = startedAt
            states[name]?.ready = container.probes.readiness == nil && container.probes.startup == nil && !container.notifiesReadiness
            let generation = states[name]?.generation ?? 0
            if container.role == .logRouter, let input = spawned.input { router?.attach(input) }
            if let descriptor = spawned.notify, let number = container.notifyDescriptor {
                watchNotifyDescriptor(
                    descriptor, ready: { Task { await self.setReady(name, generation: generation, true) } },
                    closedFirst: { Task { await self.event(name, "closed descriptor \(number) without writing the newline that says it is ready") } })
            }
            event(name, "started (pid \(spawned.pid))")
            notifyChange()

            let drained = OutputDrain()
            pump.watch(spawned.output, process: name, stream: .stdout) { drained.close() }
            pump.watch(spawned.error, process: name, stream: .stderr) { drained.close() }
            let probes = Task { await self.probe(name, generation: generation, process: process) }
            let memoryWatch: Task<Void, Never>? =
                if let memoryLimit, memoryGroup == nil, let memory {
                    Task { await self.watchMemory(name, generation: generation, pid: spawned.pid, mebibytes: memoryLimit, control: memory) }
                } else { nil }

            let status = await spawned.exit()
            probes.cancel()
            memoryWatch?.cancel()
            if let group = memoryGroup, let memoryLimit, status == .signaled(SIGKILL), (memory?.oomKills(in: group) ?? 0) > oomKillsBefore {
                states[name]?.killReason = .oomKilled
                event(name, "killed by the kernel: memory above its limit of \(memoryLimit) MiB")
            }
            // Whatever the process left behind (a daemon it forked, in its process group or its cgroup) goes with it.
            spawned.signalGroup(SIGKILL)
            if let leaf { containment?.killLeaf(leaf) }
            await drained.wait(idleFor: .milliseconds(200), progress: pump.progress)
            if container.role == .logRouter { router?.detach() }

            states[name]?.running = false
            states[name]?.ready = false
            states[name]?.process = nil
            states[name]?.lastExit = status
            let killReason = states[name]?.killReason
            event(name, killReason.map { "\(status) (\($0.rawValue))" } ?? "\(status)")

            if states[name]?.restartRequested == true, !stopping {
                states[name]?.restartRequested = false
                states[name]?.restarts += 1
                event(name, "restarting, as requested")
                notifyChange()
                continue
            }
            if stopping {
                states[name]?.final = true
                states[name]?.reason = .stopped
                notifyChange()
                return
            }
            let wantsRestart: Bool
            switch container.restart {
            case .always: wantsRestart = true
            case .onFailure: wantsRestart = !status.succeeded
            case .never: wantsRestart = false
            }
            let now = clock.now
            let backoff = options.backoff.applying(container.restartLimit)
            let inBudget = backoff.allows(restartAt: now, earlier: states[name]?.restartTimes ?? [])
            if wantsRestart && inBudget {
                let attempt = backoff.nextAttempt(after: states[name]?.attempt ?? -1, lastRun: now - startedAt)
                states[name]?.attempt = attempt
                states[name]?.restarts += 1
                states[name]?.restartTimes.append(now)
                let delay = backoff.delay(attempt: attempt, random: Double.random(in: 0..<1))
                event(name, "restarting in \(Self.format(delay))")
                states[name]?.nextStart = clock.now + delay
                notifyChange()
                await waitUntil(clock.now + delay) { self.stopping }
                states[name]?.nextStart = nil
                continue
            }
            states[name]?.final = true
            if let killReason {
                states[name]?.reason = killReason
            } else if case .signaled = status {
                states[name]?.reason = .signaled
            } else {
                states[name]?.reason = .exited
            }
            if wantsRestart {
                // Read first: an optional-chained assignment holds its access while the right side runs.
                let restarts = states[name]?.restarts ?? 0
                states[name]?.message = "gave up after \(restarts) restarts"
                event(name, "gave up: restarted \(backoff.budget) times within \(Self.format(backoff.window))")
            }
            if container.essential {
                finish(code: status.exitCode, reason: "essential process \(name) \(status)")
            } else {
                event(name, "non-essential process ended; the others go on")
            }
            endIfAllFinal()
            notifyChange()
            return
        }
        if states[name]?.everStarted == false {
            states[name]?.final = true
            states[name]?.reason = .neverStarted
        }
        notifyChange()
    }

    private func endIfAllFinal() {
        if states.values.allSatisfy(\.final) {
            let codes = plan.processes.compactMap { states[$0.container.name]?.lastExit?.exitCode }
            let code = codes.first { $0 != 0 } ?? 0
            finish(code: code, reason: "every process has ended")
        }
    }

    /// Nil when every dependency's condition holds; otherwise why it never will.
    private func waitForDependencies(_ container: Container) async -> String? {
        var dependencies = container.dependsOn
        // Everything else starts once the log router has, so that no line is written before it can take it.
        if container.role != .logRouter, let router = plan.service.logging?.router, !dependencies.contains(where: { $0.container == router }) {
            dependencies.insert(Dependency(container: router, condition: .start), at: 0)
        }
        if !dependencies.isEmpty {
            event(container.name, "waiting for \(dependencies.map { "\($0.container)->\($0.condition.rawValue.lowercased())" }.joined(separator: ", "))")
        }
        for dependency in dependencies {
            let timeout = dependency.timeout.map { Duration.nanoseconds(Int64($0 * 1e9)) } ?? options.dependencyTimeout
            let deadline = clock.now + timeout
            states[container.name]?.waitingFor = (dependency, deadline)
            defer { states[container.name]?.waitingFor = nil }
            while true {
                if stopping { return "the unit is stopping" }
                guard let target = states[dependency.container] else { return "\(dependency.container) does not exist" }
                switch dependency.condition {
                case .start:
                    if target.everStarted { break }
                    if target.final { return "\(dependency.container) never started" }
                case .healthy:
                    if target.ready { break }
                    if target.final { return "\(dependency.container) ended before it was healthy" }
                case .complete:
                    if target.final && target.everStarted { break }
                    if target.final { return "\(dependency.container) never started" }
                case .success:
                    if target.final, let exit = target.lastExit {
                        if exit.succeeded { break }
                        return "dependency container \"\(dependency.container)\" exited with non-zero exit code \(exit.exitCode)"
                    }
                    if target.final { return "\(dependency.container) never started" }
                }
                let met: Bool = {
                    switch dependency.condition {
                    case .start: return target.everStarted
                    case .healthy: return target.ready
                    case .complete: return target.final && target.everStarted
                    case .success: return target.final && target.lastExit?.succeeded == true
                    }
                }()
                if met { break }
                if clock.now >= deadline {
                    return "waited \(Self.format(timeout)) for \(dependency.container) to be \(dependency.condition.rawValue.lowercased())"
                }
                await waitForChange(until: deadline)
            }
        }
        return nil
    }

    // MARK: Probes

    private func probe(_ name: String, generation: Int, process: RunPlan.Process) async {
        let container = process.container
        if let startup = container.probes.startup {
            let passed = await loop(startup, of: process) { @Sendable result in
                await self.recordProbe(name, generation: generation, kind: .startup, result: result)
                // Startup: the first success ends it; enough failures in a row kill the process.
                return result.passed ? .stop(true) : .continue
            }
            guard passed else {
                await kill(name, generation: generation, reason: .startupKilled)
                return
            }
            // A process that notifies is ready once it says so, not when its startup probe passes.
            if container.probes.readiness == nil && !container.notifiesReadiness { setReady(name, generation: generation, true) }
        }
        await withTaskGroup(of: Void.self) { group in
            if let readiness = container.probes.readiness {
                group.addTask {
                    var successes = 0
                    var failures = 0
                    _ = await self.loop(readiness, of: process, failOnThreshold: false) { result in
                        await self.recordProbe(name, generation: generation, kind: .readiness, result: result)
                        if result.passed {
                            successes += 1
                            failures = 0
                            if successes >= (readiness.successThreshold ?? 1) { await self.setReady(name, generation: generation, true) }
                        } else {
                            failures += 1
                            successes = 0
                            if failures >= (readiness.failureThreshold ?? 3) { await self.setReady(name, generation: generation, false) }
                        }
                        return .continue
                    }
                }
            }
            if let liveness = container.probes.liveness {
                group.addTask {
                    let failed = await self.loop(liveness, of: process) { result in
                        await self.recordProbe(name, generation: generation, kind: .liveness, result: result)
                        return .continue
                    }
                    if !failed { await self.kill(name, generation: generation, reason: .livenessKilled) }
                }
            }
        }
    }

    static let quickProbePeriod: Duration = .milliseconds(100)

    private enum ProbeStep {
        case `continue`
        case stop(Bool)
    }

    /// Runs `probe` every period after the initial delay, never overlapping itself. Returns true when
    /// `step` stops it, false once `failureThreshold` failures come in a row (when `failOnThreshold`).
    private nonisolated func loop(
        _ probe: Probe, of process: RunPlan.Process, failOnThreshold: Bool = true, step: (ProbeResult) async -> ProbeStep
    ) async -> Bool {
        let period = Duration.nanoseconds(Int64((probe.period ?? 10) * 1e9))
        if let delay = probe.initialDelay, delay > 0 {
            try? await clock.sleep(for: .nanoseconds(Int64(delay * 1e9)))
        }
        var failures = 0
        // Before its first success a TCP or HTTP check is tried every 100 ms (they cost a connect on
        // loopback), so that what waits for the process to be healthy starts within 100 ms of its accepting.
        var quick: Bool
        switch probe.action {
        case .tcp, .http: quick = true
        case .exec, .shell: quick = false
        }
        while !Task.isCancelled {
            let started = clock.now
            let result = await probes.check(probe, of: process)
            if result.passed { quick = false }
            if Task.isCancelled { return true }
            failures = result.passed ? 0 : failures + 1
            if case .stop(let stopped) = await step(result) { return stopped }
            if failOnThreshold && failures >= (probe.failureThreshold ?? 3) { return false }
            let next = started + (quick ? min(period, Self.quickProbePeriod) : period)
            if next > clock.now { try? await clock.sleep(until: next) }
        }
        return true
    }

    private func recordProbe(_ name: String, generation: Int, kind: ProbeStatus.Kind, result: ProbeResult) {
        guard states[name]?.generation == generation else { return }
        let previous = states[name]?.lastProbe
        let failures = result.passed ? 0 : (previous?.kind == kind ? previous?.failuresInARow ?? 0 : 0) + 1
        states[name]?.lastProbe = ProbeStatus(kind: kind, passed: result.passed, failuresInARow: failures, output: result.output, time: wallClockSeconds())
    }

    /// A datagram from a process's NOTIFY_SOCKET: `READY=1`, `STATUS=...`, `STOPPING=1` (one per line).
    func notified(_ name: String, message: String) {
        guard let state = states[name], state.running else { return }
        for line in message.split(separator: "\n") {
            if line == "READY=1" {
                setReady(name, generation: state.generation, true)
            } else if line.hasPrefix("STATUS=") {
                event(name, "status: \(line.dropFirst("STATUS=".count))")
            } else if line == "STOPPING=1" {
                event(name, "says it is stopping")
            }
        }
    }

    private func setReady(_ name: String, generation: Int, _ ready: Bool) {
        guard states[name]?.generation == generation, states[name]?.running == true, states[name]?.ready != ready else { return }
        states[name]?.ready = ready
        event(name, ready ? "ready" : "not ready")
        notifyChange()
    }

    /// Stops one generation of a process for a failed probe: SIGTERM to its group, SIGKILL after the grace.
    private func kill(_ name: String, generation: Int, reason: EndReason) async {
        guard states[name]?.generation == generation, let process = states[name]?.process else { return }
        states[name]?.killReason = reason
        event(name, "\(reason.rawValue): stopping")
        await terminate(name, generation: generation, process: process)
    }

    /// SIGTERM to a process's group, SIGKILL after its grace if that generation still runs.
    private func terminate(_ name: String, generation: Int, process: SpawnedProcess) async {
        process.signalGroup(SIGTERM)
        let grace = container(name)?.stopGracePeriod.map { Duration.nanoseconds(Int64($0 * 1e9)) } ?? options.stopGrace
        await waitUntil(clock.now + grace) { self.states[name]?.generation != generation || self.states[name]?.running == false }
        if states[name]?.generation == generation, states[name]?.running == true { process.signalGroup(SIGKILL) }
    }

    /// The fallback where no cgroup can be made: the process group's resident memory, checked every
    /// period; above the limit the group is killed at once, as the kernel would.
    private func watchMemory(_ name: String, generation: Int, pid: pid_t, mebibytes: Int, control: MemoryControl) async {
        let period: Duration = if case .polling(let period) = control { period } else { .milliseconds(100) }
        let limit = mebibytes * 1_048_576
        while !Task.isCancelled {
            try? await clock.sleep(for: period)
            guard states[name]?.generation == generation, states[name]?.running == true, let process = states[name]?.process else { return }
            let resident = options.residentMemory(pid)
            if resident > limit {
                states[name]?.killReason = .oomKilled
                event(name, "memory \(resident / 1_048_576) MiB above its limit of \(mebibytes) MiB: killed")
                process.signalGroup(SIGKILL)
                return
            }
        }
    }

    // MARK: Control

    /// Answers one control request in the control socket's protocol: `ok` and the body, or `error: MESSAGE`.
    public func control(_ line: String) -> String {
        guard let request = ControlRequest(line: line) else {
            return "error: unknown request \"\(line)\"; \(ControlRequest.expected)\n"
        }
        switch request {
        case .status:
            guard let json = try? JSONValueEncoder().encode(status()) else { return "error: cannot encode the status\n" }
            return "ok\n" + String(decoding: json, as: UTF8.self) + "\n"
        case .stop:
            event("tandem", "stop requested")
            stop(reason: "stopped by tandem stop")
            return "ok\n"
        case .restart(let name):
            guard let state = states[name] else { return ControlSocket.unknownProcess(name, among: plan.processes.map(\.container.name)) }
            guard !stopping else { return "error: the unit is stopping\n" }
            guard state.running, let process = state.process else {
                return "error: \(name) is not running (\(Self.stateName(state).rawValue))\n"
            }
            guard !state.restartRequested else { return "error: \(name) is already restarting\n" }
            states[name]?.restartRequested = true
            event(name, "restart requested: stopping")
            let generation = state.generation
            Task { await self.terminate(name, generation: generation, process: process) }
            return "ok\n"
        case .logs:
            // The control server answers these from the log tail, without the supervisor.
            return "error: logs are served by the control socket itself\n"
        }
    }

    /// The unit as it is now; with `memory`, each running process's resident memory too (a /proc scan).
    public func status(memory: Bool = false) -> UnitStatus {
        let now = clock.now
        let processes = plan.processes.map { process -> ProcessStatus in
            let name = process.container.name
            let state = states[name] ?? State()
            var status = ProcessStatus(name: name, role: process.container.role.rawValue, state: Self.stateName(state), restarts: state.restarts)
            if state.running, let pid = state.process?.pid {
                status.pid = pid
                if memory { status.residentMemoryBytes = options.residentMemory(pid) }
            }
            if state.running, let startedAt = state.startedAt { status.uptimeSeconds = ((now - startedAt).inSeconds * 1000).rounded() / 1000 }
            if state.final { status.ended = state.reason }
            if let exit = state.lastExit {
                status.lastExit = exit.description
                switch exit {
                case .exited(let code): status.lastExitCode = code
                case .signaled(let number): status.lastSignal = number
                }
            }
            status.message = state.message
            status.lastProbe = state.lastProbe
            if let waiting = state.waitingFor {
                status.waitingFor = WaitStatus(
                    dependency: waiting.dependency.container, condition: waiting.dependency.condition,
                    givesUpInSeconds: max(0, ((waiting.deadline - now).inSeconds * 1000).rounded() / 1000))
            }
            if let next = state.nextStart, !state.running { status.nextStartInSeconds = max(0, ((next - now).inSeconds * 1000).rounded() / 1000) }
            if process.container.notifiesReadiness {
                status.readinessNotice = process.container.notifyDescriptor.map { "fd \($0)" } ?? "notify_socket"
            }
            status.hasReadinessProbe = process.container.probes.startup != nil || process.container.probes.readiness != nil
            return status
        }
        let containment = ContainmentStatus(
            cgroup: self.containment?.unitGroup?.path, pidNamespace: self.containment?.pidNamespace ?? false, keeperPid: self.containment?.keeperPid)
        return UnitStatus(
            service: plan.service.name, stopping: stopping, containment: containment, processes: processes,
            logLinesDropped: router?.dropped ?? destination?.dropped, logLinesDelivered: destination?.delivered)
    }

    private static func stateName(_ state: State) -> ProcessStatus.State {
        if state.running { return state.stopRequested ? .stopping : state.restartRequested ? .restarting : state.ready ? .ready : .running }
        if state.final { return .ended }
        return state.everStarted ? .restarting : .waiting
    }

    // MARK: Shutdown

    private func shutdown(deadline: ContinuousClock.Instant) async {
        let order = DependencyGraph(plan.service).startOrder() ?? plan.processes.map(\.container.name)
        let phases: [[String]] = [[.main], [.sidecar], [.logRouter]].map { (roles: [Container.Role]) in
            order.reversed().filter { name in container(name).map { roles.contains($0.role) } ?? false }
        }
        for (index, phase) in phases.enumerated() {
            // Every phase fits inside the stop timeout: each later phase that has a running process keeps
            // the longest grace of its processes, up to a fifth of the timeout.
            let reserve = phases[(index + 1)...].reduce(Duration.zero) { total, later in
                let running = later.filter { states[$0]?.running == true }
                guard !running.isEmpty else { return total }
                let longest = running.map(grace(of:)).max() ?? .zero
                return total + min(longest, options.stopDeadline / 5)
            }
            let phaseDeadline = max(min(deadline, deadline - reserve), clock.now)
            // Within a phase: a process stops once every running process that depends on it has stopped.
            var remaining = phase
            while !remaining.isEmpty {
                let level = remaining.filter { name in
                    !remaining.contains { other in container(other)?.dependsOn.contains { $0.container == name } ?? false }
                }
                let batch = level.isEmpty ? remaining : level
                if index == phases.count - 1, let router, batch.contains(where: { container($0)?.role == .logRouter }) {
                    // The router gets what is still held for it before it is asked to stop.
                    let left = max(phaseDeadline - clock.now - .milliseconds(500), .zero)
                    await withCheckedContinuation { continuation in
                        DispatchQueue.global().async {
                            router.drain(within: left)
                            continuation.resume()
                        }
                    }
                }
                await withTaskGroup(of: Void.self) { group in
                    for name in batch { group.addTask { await self.stopOne(name, deadline: phaseDeadline) } }
                }
                remaining.removeAll { batch.contains($0) }
            }
        }
        // Anything left (a process group that outlived its leader) goes now.
        for state in states.values { state.process?.signalGroup(SIGKILL) }
    }

    private func grace(of name: String) -> Duration {
        container(name)?.stopGracePeriod.map { Duration.nanoseconds(Int64($0 * 1e9)) } ?? options.stopGrace
    }

    private func stopOne(_ name: String, deadline: ContinuousClock.Instant) async {
        guard let process = states[name]?.process, states[name]?.running == true else { return }
        states[name]?.stopRequested = true
        event(name, "stopping")
        process.signalGroup(SIGTERM)
        let grace = grace(of: name)
        let asked = clock.now
        let until = min(asked + grace, deadline)
        await waitUntil(until) { self.states[name]?.running != true }
        if states[name]?.running == true {
            let waited = until - asked
            event(name, "did not stop within \(Self.format(waited))\(waited < grace ? " (what the unit's stop timeout left of its grace)" : ""): killing")
            process.signalGroup(SIGKILL)
            await waitUntil(clock.now + .seconds(5)) { self.states[name]?.running != true }
        }
    }

    // MARK: Waiting for state changes

    /// Suspends until the next state change, or the deadline.
    private func waitForChange(until deadline: ContinuousClock.Instant?) async {
        let id = nextWaiter
        nextWaiter += 1
        await withCheckedContinuation { continuation in
            waiters[id] = continuation
            if let deadline {
                // The timer goes when the wait ends, so that waits do not pile up sleeping tasks.
                timers[id] = Task {
                    try? await self.clock.sleep(until: deadline)
                    self.resumeWaiter(id)
                }
            }
        }
    }

    /// Suspends until `done` holds or the deadline passes.
    private func waitUntil(_ deadline: ContinuousClock.Instant, _ done: () -> Bool) async {
        while !done() && clock.now < deadline {
            await waitForChange(until: deadline)
        }
    }

    private func resumeWaiter(_ id: Int) {
        timers.removeValue(forKey: id)?.cancel()
        waiters.removeValue(forKey: id)?.resume()
    }

    private func notifyChange() {
        let all = waiters
        waiters.removeAll()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        for continuation in all.values { continuation.resume() }
    }

    // MARK: Report

    private func report() -> UnitReport {
        let processes = plan.processes.map { process -> ProcessReport in
            let state = states[process.container.name] ?? State()
            var exitCode: Int32?
            var signal: Int32?
            switch state.lastExit {
            case .exited(let code)?: exitCode = code
            case .signaled(let number)?: signal = number
            case nil: break
            }
            let reason: EndReason = state.reason ?? (state.everStarted ? .stopped : .neverStarted)
            return ProcessReport(
                name: process.container.name, role: process.container.role.rawValue, reason: reason, exitCode: exitCode, signal: signal,
                restarts: state.restarts, message: state.message)
        }
        return UnitReport(exitCode: endCode ?? 0, reason: endReason, processes: processes)
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.inSeconds
        return seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : fixedPoint(seconds, decimals: 1) + "s"
    }
}

/// Counts the end of a process's two output pipes, so its exit is reported after its last lines.
final class OutputDrain: Sendable {
    private let closed = Mutex(0)

    func close() { closed.withLock { $0 += 1 } }

    /// Waits until both pipes have ended, for as long as the output thread keeps reading (a slow console
    /// slows it, and nothing is lost), but not past `idle` without progress (a console nobody reads, or
    /// a descendant that holds the pipes open without writing).
    func wait(idleFor idle: Duration, progress: @Sendable () -> Int) async {
        var last = progress()
        var deadline = ContinuousClock.now + idle
        while closed.withLock({ $0 }) < 2 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
            let now = progress()
            if now != last {
                last = now
                deadline = ContinuousClock.now + idle
            }
        }
    }
}
