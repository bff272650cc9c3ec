import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

// The supervisor's probes.
extension Supervisor {
    func probe(_ spec: ProcessSpec, generation: Int, target: ProbeTarget) async {
        let name = spec.name
        if let startup = spec.container.probes.startup {
            let passed = await loop(startup, of: target) { @Sendable result in
                await self.recordProbe(name, generation: generation, kind: .startup, result: result)
                // Startup: the first success ends it; enough failures in a row kill the process.
                return result.passed ? .stop(true) : .continue
            }
            guard passed else {
                await kill(name, generation: generation, reason: .startupKilled)
                return
            }
            // A process that notifies is ready once it says so, not when its startup probe passes.
            if spec.container.probes.readiness == nil && !spec.container.notifiesReadiness { setReady(name, generation: generation, true) }
        }
        await withTaskGroup(of: Void.self) { group in
            if let readiness = spec.container.probes.readiness {
                group.addTask {
                    var successes = 0
                    var failures = 0
                    _ = await self.loop(readiness, of: target, failOnThreshold: false) { result in
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
            if let liveness = spec.container.probes.liveness {
                group.addTask {
                    let failed = await self.loop(liveness, of: target) { result in
                        await self.recordProbe(name, generation: generation, kind: .liveness, result: result)
                        return .continue
                    }
                    if !failed { await self.kill(name, generation: generation, reason: .livenessKilled) }
                }
            }
        }
    }

    static let quickProbePeriod: Duration = .milliseconds(100)

    enum ProbeStep {
        case `continue`
        case stop(Bool)
    }

    /// Runs `probe` every period after the initial delay, never overlapping itself. Returns true when
    /// `step` stops it, false once `failureThreshold` failures come in a row (when `failOnThreshold`).
    nonisolated func loop(
        _ probe: Probe, of target: ProbeTarget, failOnThreshold: Bool = true, step: (ProbeResult) async -> ProbeStep
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
            let result = await probes.check(probe, of: target)
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

    func recordProbe(_ name: String, generation: Int, kind: ProbeStatus.Kind, result: ProbeResult) {
        guard states[name]?.generation == generation else { return }
        let previous = states[name]?.lastProbe
        let failures = result.passed ? 0 : (previous?.kind == kind ? previous?.failuresInARow ?? 0 : 0) + 1
        states[name]?.lastProbe = ProbeStatus(kind: kind, passed: result.passed, failuresInARow: failures, output: result.output, time: wallClockSeconds())
        if !result.passed { states[name]?.mark(.probeFailed, "\(kind.rawValue) probe") }
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

    func setReady(_ name: String, generation: Int, _ ready: Bool) {
        guard states[name]?.generation == generation, states[name]?.running == true, states[name]?.ready != ready else { return }
        states[name]?.phase = .running(ready: ready)
        event(name, ready ? "ready" : "not ready")
        notifyChange(name)
    }

    /// Stops one generation of a process for a failed probe: SIGTERM to its group, SIGKILL after the grace.
    func kill(_ name: String, generation: Int, reason: EndReason) async {
        guard states[name]?.generation == generation, let process = states[name]?.process else { return }
        states[name]?.killReason = reason
        event(name, "\(reason.rawValue): stopping")
        await terminate(name, generation: generation, process: process)
    }

    /// SIGTERM to a process's group, SIGKILL after its grace if that generation still runs.
    func terminate(_ name: String, generation: Int, process: SpawnedProcess) async {
        process.signalGroup(SIGTERM)
        let grace = container(name)?.stopGracePeriod.map { Duration.nanoseconds(Int64($0 * 1e9)) } ?? options.stopGrace
        await waitUntil(clock.now + grace, of: name) { self.states[name]?.generation != generation || self.states[name]?.running == false }
        if states[name]?.generation == generation, states[name]?.running == true { process.signalGroup(SIGKILL) }
    }

    /// The fallback where no cgroup can be made: the process group's resident memory, checked every
    /// period; above the limit the group is killed at once, as the kernel would.
    func watchMemory(_ name: String, generation: Int, pid: pid_t, mebibytes: Int, control: MemoryControl) async {
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
}
