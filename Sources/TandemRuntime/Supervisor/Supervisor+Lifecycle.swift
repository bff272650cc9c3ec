import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

// The supervisor's lifecycle.
extension Supervisor {
    func lifecycle(_ name: String) async {
        guard var process = plan.processes.first(where: { $0.container.name == name }) else { return }
        let container = process.container
        if let blocked = await waitForDependencies(container) {
            states[name]?.phase = .ended
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
                states[name]?.phase = .ended
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

            states[name]?.phase = .between
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
                states[name]?.phase = .ended
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
            notifyChange()
            return
        }
        if states[name]?.everStarted == false {
            states[name]?.phase = .ended
            states[name]?.reason = .neverStarted
        }
        notifyChange()
    }

    func endIfAllFinal() {
        if states.values.allSatisfy(\.final) {
            let codes = plan.processes.compactMap { states[$0.container.name]?.lastExit?.exitCode }
            let code = codes.first { $0 != 0 } ?? 0
            finish(code: code, reason: "every process has ended")
        }
    }
}
