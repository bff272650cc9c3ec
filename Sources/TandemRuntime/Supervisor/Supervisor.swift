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
    /// How the unit's processes are held together (a cgroup, a PID namespace). `tandem run` asks for
    /// `.auto` (its own process, one unit); a library user, who may run several units in one process of
    /// its own, chooses.
    public var containment: ContainmentMode

    public init(
        stopGrace: Duration = .seconds(10), stopDeadline: Duration = .seconds(30), dependencyTimeout: Duration = .seconds(120),
        backoff: RestartBackoff = RestartBackoff(), memoryControl: MemoryControl? = nil, clock: any RuntimeClock = SystemClock(),
        probes: (any ProbeRunner)? = nil, residentMemory: @escaping @Sendable (pid_t) -> Int = residentBytes(ofGroup:),
        containment: ContainmentMode = .none
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
    /// One process's record: where it is in its life (one phase at a time), and what it did.
    struct State {
        /// Where a process is in its life: exactly one phase at a time.
        enum Phase: Equatable {
            /// Not started yet: waiting for its dependencies.
            case waiting
            /// Running; ready when its startup and readiness checks pass (or it has none).
            case running(ready: Bool)
            /// Ended, and starts again (after its backoff, or at once when a restart was asked for).
            case between
            /// Ended for good.
            case ended
        }

        var phase = Phase.waiting {
            didSet { if phase != oldValue { mark(Self.timelineKind(phase)) } }
        }
        var process: SpawnedProcess?
        /// Its starts so far; each start is a generation, so that late news of an earlier one is ignored.
        var generation = 0
        var running: Bool { if case .running = phase { true } else { false } }
        var ready: Bool { phase == .running(ready: true) }
        var final: Bool { phase == .ended }
        var everStarted: Bool { generation > 0 }
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
        var stopRequested = false {
            didSet { if stopRequested && !oldValue { mark(.stopping) } }
        }
        /// Its life in this run, for the report's timeline (bounded: a process restarting forever keeps its
        /// latest marks).
        var marks: [(at: ContinuousClock.Instant, kind: TimelineMark.Kind, detail: String?)] = []

        mutating func mark(_ kind: TimelineMark.Kind, _ detail: String? = nil) {
            if marks.count >= 1000 { marks.removeFirst(marks.count - 999) }
            marks.append((ContinuousClock.now, kind, detail))
        }

        static func timelineKind(_ phase: Phase) -> TimelineMark.Kind {
            switch phase {
            case .waiting: .waiting
            case .running(let ready): ready ? .ready : .starting
            case .between: .exited
            case .ended: .ended
            }
        }
        /// When the next start comes, while waiting out a backoff.
        var nextStart: ContinuousClock.Instant?
        /// For `tandem why`: the probe that last ran, whether it passed, and the failures in a row.
        var lastProbe: ProbeStatus?
        /// For `tandem why`: what the process waits for, and until when.
        var waitingFor: (dependency: Dependency, deadline: ContinuousClock.Instant)?
    }

    let plan: RunPlan
    /// Where each container is in the plan's service: an index, not a second copy of each container (a
    /// dictionary of containers held twice their count in about a kilobyte each, 2 KiB per process).
    let containerIndex: [String: Int]
    let options: RuntimeOptions
    let spawner: any ProcessSpawner
    let clock: any RuntimeClock
    let probes: any ProbeRunner
    let sink: any LogSink
    let pump: OutputPump
    let router: RouterSink?
    let destination: DestinationSink?
    var states: [String: State] = [:]
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    /// Which process each wait is about (nil: any change), and the waits by process.
    var waiterKeys: [Int: String?] = [:]
    var keyedWaiters: [String: Set<Int>] = [:]
    var generalWaiters: Set<Int> = []
    var timers: [Int: Task<Void, Never>] = [:]
    var nextWaiter = 0
    /// The shutdown's wait for the processes of one level to end, counted down as each ends.
    var endWait: EndWait?
    var stopping = false
    var endCode: Int32?
    var endReason = ""
    var memory: MemoryControl?
    /// The cgroup of each process with a memory limit, to remove when the unit ends.
    var memoryGroups: [String: String] = [:]
    var containment: Containment?
    /// Counts state changes, to tell when the unit is still.
    var changes = 0
    /// Where the report's timeline starts.
    var unitStart = ContinuousClock.now
    /// Each process's definition, by reference (see ProcessSpec).
    let specs: [String: ProcessSpec]
    /// Each process's group in the unit's cgroup.
    var leaves: [String: CgroupFolder] = [:]

    public init(plan: RunPlan, options: RuntimeOptions = RuntimeOptions(), spawner: any ProcessSpawner = PosixSpawner(), sink: any LogSink) {
        self.plan = plan
        self.containerIndex = Dictionary(plan.service.containers.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
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
        specs = Dictionary(plan.processes.map { ($0.container.name, ProcessSpec($0, service: plan.service)) }) { first, _ in first }
    }

    // MARK: Running

    /// Runs until an essential process ends for good, every process has, or `stop()`; then stops the unit.
    public func run() async -> UnitReport {
        let run = Self.runs.add(1, ordering: .relaxed).newValue
        unitStart = ContinuousClock.now
        let groupName = "tandem-\(fileNameComponent(plan.service.name))-\(getpid())" + (run > 1 ? "-\(run)" : "")
        let containment = Containment(mode: options.containment, groupName: groupName)
        self.containment = containment
        if plan.processes.contains(where: { RunPlan.memoryLimit(of: $0.container, in: plan.service) != nil }) {
            let memory = options.memoryControl ?? MemoryControl.detect(unit: plan.service.name, groupName: groupName)
            self.memory = memory
            if !memory.usesCgroups {
                // Said only when limits are weaker than the kernel's (as containment's line below): the
                // usual case, a cgroup, is not news worth a run's first line.
                event("tandem", "memory limits: \(memory) (no memory cgroup can be written here): a process that grows fast can pass its limit between checks")
            }
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
        if let destination { event("tandem", "logs go to \(destination.destination)") }
        // Cancelled when the unit stops, so that its wait for stillness never delays the end.
        let settling = Task { await self.giveBackMemoryWhenSettled() }
        // Every process's lifecycle is a child task of the unit's run: none outlives it.
        let deadline = await withDiscardingTaskGroup { group -> ContinuousClock.Instant in
            for process in plan.processes {
                let name = process.container.name
                group.addTask { await self.lifecycle(name) }
            }
            while !stopping { await waitForChange(until: nil) }
            let deadline = clock.now + options.stopDeadline
            await shutdown(deadline: deadline)
            settling.cancel()
            notifyChange()
            return deadline
        }
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

    /// Once the unit has been still for a second (everything started, nothing changing), what the start
    /// allocated and freed goes back to the kernel, and the code and read-only data it ran are dropped from
    /// its mappings (they stay in the page cache; what runs later faults back in): the supervisor sits
    /// beside its children for their whole life. Again after each later burst of changes or control
    /// requests. On real time, not the unit's clock.
    func giveBackMemoryWhenSettled() async {
        while !Task.isCancelled && !stopping {
            // Asleep until something changes: an idle unit wakes nobody.
            await waitForChange(until: nil)
            var before: Int
            repeat {
                before = changes
                try? await Task.sleep(for: .seconds(1))
            } while changes != before && !Task.isCancelled && !stopping
            // A unit that began to stop meanwhile is not still: the give-back (a read of /proc/self/smaps,
            // then every dropped page faulted back) would run in the middle of its shutdown.
            guard !Task.isCancelled && !stopping else { return }
            tandem_give_back_memory()
        }
    }

    /// Numbers the runs in this process, so that two units of one process never share a cgroup.
    static let runs = Atomic<Int>(0)

    /// The keeper ended while the unit runs: someone killed it. In a PID namespace the kernel has ended
    /// every process of the unit with it.
    func keeperEnded(_ pid: pid_t, status: TerminationStatus) {
        guard let containment, !containment.hasEnded, !stopping else { return }
        if containment.pidNamespace {
            event("tandem", "the keeper (pid \(pid), init of the unit's PID namespace) \(status); the kernel ended every process of the unit")
            finish(code: 1, reason: "the unit's keeper ended")
        } else {
            event("tandem", "the keeper (pid \(pid)) \(status); if tandem is killed now, its cgroup stays behind")
        }
    }

    func finish(code: Int32, reason: String) {
        guard !stopping else { return }
        stopping = true
        endCode = code
        endReason = reason
        notifyChange()
    }

    func event(_ name: String, _ text: String) {
        sink.write([LogRecord(process: name, stream: .event, text: text)])
    }

    func container(_ name: String) -> Container? { containerIndex[name].map { plan.service.containers[$0] } }

    // MARK: Report

    func report() -> UnitReport {
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
            let timeline = state.marks.map { mark in
                TimelineMark(at: Self.milliseconds(mark.at - unitStart), kind: mark.kind, detail: mark.detail)
            }
            return ProcessReport(
                name: process.container.name, role: process.container.role.rawValue, reason: reason, exitCode: exitCode, signal: signal,
                restarts: state.restarts, message: state.message, timeline: timeline,
                waitsFor: process.container.dependsOn.map { TimelineDependency(process: $0.container, condition: $0.condition.rawValue.lowercased()) })
        }
        return UnitReport(exitCode: endCode ?? 0, reason: endReason, processes: processes)
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.inSeconds
        return seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : fixedPoint(seconds, decimals: 1) + "s"
    }
}
