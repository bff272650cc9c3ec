import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

/// One process's definition, held by reference: the lifecycle, its probes and their loops are async
/// functions whose frames live on the heap for the process's whole life, and a `Container` copied into each
/// of them cost about 15 KiB per process.
final class ProcessSpec: Sendable {
    let name: String
    let container: Container
    /// What the plan starts it with (the supervisor adds its cgroups).
    let request: SpawnRequest
    let memoryLimit: Int?

    init(_ process: RunPlan.Process, service: Service) {
        name = process.container.name
        container = process.container
        request = process.request
        memoryLimit = RunPlan.memoryLimit(of: process.container, in: service)
    }
}

/// What a probe needs of the process it checks: small, since probes are async and run for the process's life.
public struct ProbeTarget: Sendable {
    public var name: String
    /// The process's environment, folder and cgroups, which a command probe runs with.
    public var request: SpawnRequest
    /// The port a TCP or HTTP probe without one checks: the process's first.
    public var fallbackPort: Int?

    public init(name: String, request: SpawnRequest, fallbackPort: Int? = nil) {
        self.name = name
        self.request = request
        self.fallbackPort = fallbackPort
    }
}

// The supervisor's lifecycle of one process: wait, start, watch, end, restart or end for good. The async
// function keeps only small values; the bookkeeping is in synchronous helpers.
extension Supervisor {
    /// One run of a process, while it runs.
    struct Run {
        var spawned: SpawnedProcess
        var generation: Int
        var startedAt: ContinuousClock.Instant
        var oomKillsBefore: Int
        var drained: OutputDrain
        /// Nil without probes: even a finished task holds its memory while it is referenced.
        var probes: Task<Void, Never>?
        var memoryWatch: Task<Void, Never>?
    }

    /// What comes after a run.
    enum Next {
        case startAgain
        case startAfter(Duration)
        case done
    }

    func lifecycle(_ name: String) async {
        guard let spec = specs[name] else { return }
        if let blocked = await waitForDependencies(spec) {
            dependencyBlocked(spec, blocked)
            return
        }
        let request = preparedRequest(spec)
        while !stopping {
            guard let run = start(spec, request) else { return }
            let status = await run.spawned.exit()
            run.probes?.cancel()
            run.memoryWatch?.cancel()
            ended(spec, run, status: status)
            await run.drained.wait(idleFor: .milliseconds(200), progress: pump.progress)
            switch next(spec, run, status: status) {
            case .startAgain: continue
            case .startAfter(let delay):
                await waitUntil(clock.now + delay) { self.stopping }
                states[name]?.nextStart = nil
            case .done: return
            }
        }
        if states[name]?.everStarted == false {
            states[name]?.phase = .ended
            states[name]?.reason = .neverStarted
        }
        notifyChange(name)
    }

    @inline(never)
    private func dependencyBlocked(_ spec: ProcessSpec, _ blocked: String) {
        let name = spec.name
        states[name]?.phase = .ended
        states[name]?.reason = stopping ? .neverStarted : .dependencyBlocked
        states[name]?.message = blocked
        if !stopping {
            event(name, "not started: \(blocked)")
            if spec.container.essential { finish(code: 1, reason: "\(name) could not start: \(blocked)") }
            endIfAllFinal()
        }
        notifyChange(name)
    }

    /// The request with the process's cgroups (made before its first start, kept across restarts).
    @inline(never)
    private func preparedRequest(_ spec: ProcessSpec) -> SpawnRequest {
        let name = spec.name
        var request = spec.request
        if let memoryLimit = spec.memoryLimit, let memory, memory.usesCgroups {
            memoryGroups[name] = memory.prepareGroup(for: name, mebibytes: memoryLimit)
            if memoryGroups[name] == nil { event(name, "cannot make a memory cgroup; polling its memory instead") }
        }
        let leaf = containment?.leaf(for: name)
        leaves[name] = leaf
        let memoryFolder = memoryGroups[name].map { CgroupFolder(path: $0, version: memory?.folder?.version ?? 1) }
        // Born in its v2 group; joins the others (v1) before exec.
        for group in [leaf, memoryFolder].compactMap({ $0 }) where group.path != request.cgroupDirectory && !request.cgroups.contains(group.path) {
            if group.version == 2 && request.cgroupDirectory == nil {
                request.cgroupDirectory = group.path
            } else {
                request.cgroups.append(group.path)
            }
        }
        return request
    }

    /// Spawns one run and starts watching it; nil when it cannot start (the process has then ended).
    @inline(never)
    private func start(_ spec: ProcessSpec, _ request: SpawnRequest) -> Run? {
        let name = spec.name
        let container = spec.container
        let memoryGroup = memoryGroups[name]
        let oomKillsBefore = memoryGroup.map { memory?.oomKills(in: $0) ?? 0 } ?? 0
        let spawned: SpawnedProcess
        do {
            spawned = try spawner.spawn(request, withInput: container.role == .logRouter)
        } catch {
            states[name]?.phase = .ended
            states[name]?.reason = .startFailed
            states[name]?.message = "\(error)"
            event(name, "\(error)")
            if container.essential { finish(code: 127, reason: "\(name): \(error)") }
            endIfAllFinal()
            notifyChange(name)
            return nil
        }
        let startedAt = clock.now
        states[name]?.process = spawned
        states[name]?.generation += 1
        states[name]?.killReason = nil
        states[name]?.startedAt = startedAt
        states[name]?.phase = .running(ready: container.probes.readiness == nil && container.probes.startup == nil && !container.notifiesReadiness)
        let generation = states[name]?.generation ?? 0
        if container.role == .logRouter, let input = spawned.input { router?.attach(input) }
        if let descriptor = spawned.notify, let number = container.notifyDescriptor {
            watchNotifyDescriptor(
                descriptor, ready: { Task { await self.setReady(name, generation: generation, true) } },
                closedFirst: { Task { await self.event(name, "closed descriptor \(number) without writing the newline that says it is ready") } })
        }
        event(name, "started (pid \(spawned.pid))")
        notifyChange(name)

        let drained = OutputDrain()
        pump.watch(spawned.output, process: name, stream: .stdout) { drained.close() }
        pump.watch(spawned.error, process: name, stream: .stderr) { drained.close() }
        let target = ProbeTarget(name: name, request: request, fallbackPort: container.ports.first?.containerPort.number)
        let probes: Task<Void, Never>? =
            if container.probes.startup != nil || container.probes.readiness != nil || container.probes.liveness != nil {
                Task { await self.probe(spec, generation: generation, target: target) }
            } else {
                nil
            }
        let memoryWatch: Task<Void, Never>? =
            if let memoryLimit = spec.memoryLimit, memoryGroup == nil, let memory {
                Task { await self.watchMemory(name, generation: generation, pid: spawned.pid, mebibytes: memoryLimit, control: memory) }
            } else { nil }
        return Run(
            spawned: spawned, generation: generation, startedAt: startedAt, oomKillsBefore: oomKillsBefore, drained: drained, probes: probes,
            memoryWatch: memoryWatch)
    }

    /// The run has ended: what it left behind goes, and how it ended is recorded.
    @inline(never)
    private func ended(_ spec: ProcessSpec, _ run: Run, status: TerminationStatus) {
        let name = spec.name
        if let group = memoryGroups[name], let memoryLimit = spec.memoryLimit, status == .signaled(SIGKILL),
            (memory?.oomKills(in: group) ?? 0) > run.oomKillsBefore
        {
            states[name]?.killReason = .oomKilled
            event(name, "killed by the kernel: memory above its limit of \(memoryLimit) MiB")
        }
        // Whatever the process left behind (a daemon it forked, in its process group or its cgroup) goes with it.
        // Once the unit stops, its group will not be used again: it is emptied and removed off this actor
        // (`retire`), at once, so that the removals overlap the other processes' ends instead of following
        // them (looking into hundreds of groups here was a tenth of a large unit's stop, their removal a third).
        run.spawned.signalGroup(SIGKILL)
        if stopping, let leaf = leaves.removeValue(forKey: name) {
            containment?.retire(leaf)
        } else if let leaf = leaves[name] {
            containment?.killLeaf(leaf)
        }
    }

    /// After a run's output has drained: restart (now or after the backoff), or end for good.
    @inline(never)
    private func next(_ spec: ProcessSpec, _ run: Run, status: TerminationStatus) -> Next {
        let name = spec.name
        let container = spec.container
        if container.role == .logRouter { router?.detach() }
        states[name]?.phase = .between
        states[name]?.process = nil
        states[name]?.lastExit = status
        let killReason = states[name]?.killReason
        let stoppedAsAsked = states[name]?.stopRequested == true || states[name]?.restartRequested == true
        let endText = Self.endText(status, killReason: killReason, asked: stoppedAsAsked)
        event(name, endText)
        if let last = states[name]?.marks.indices.last, states[name]?.marks[last].kind == .exited { states[name]?.marks[last].detail = endText }

        if states[name]?.restartRequested == true, !stopping {
            states[name]?.restartRequested = false
            states[name]?.restarts += 1
            event(name, "restarting, as requested")
            notifyChange(name)
            return .startAgain
        }
        if stopping {
            if let leaf = leaves.removeValue(forKey: name) { containment?.retire(leaf) }
            states[name]?.phase = .ended
            states[name]?.reason = .stopped
            notifyChange(name)
            return .done
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
            let attempt = backoff.nextAttempt(after: states[name]?.attempt ?? -1, lastRun: now - run.startedAt)
            states[name]?.attempt = attempt
            states[name]?.restarts += 1
            states[name]?.restartTimes.append(now)
            let delay = backoff.delay(attempt: attempt, random: Double.random(in: 0..<1))
            event(name, "restarting in \(Self.format(delay))")
            states[name]?.nextStart = clock.now + delay
            states[name]?.mark(.restarting, "next start in \(Self.format(delay))")
            notifyChange(name)
            return .startAfter(delay)
        }
        states[name]?.phase = .ended
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
        notifyChange(name)
        return .done
    }

    /// How a run ended, in words that do not alarm: a process that ends by the SIGTERM it was asked to stop
    /// with has stopped, it was not "killed".
    static func endText(_ status: TerminationStatus, killReason: EndReason?, asked: Bool) -> String {
        if let killReason { return "\(status) (\(killReason.rawValue))" }
        if asked, status == .signaled(SIGTERM) { return "stopped (SIGTERM)" }
        return "\(status)"
    }

    func endIfAllFinal() {
        if states.values.allSatisfy(\.final) {
            let codes = plan.processes.compactMap { states[$0.container.name]?.lastExit?.exitCode }
            let code = codes.first { $0 != 0 } ?? 0
            finish(code: code, reason: "every process has ended")
        }
    }
}
