import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

// The supervisor's control.
extension Supervisor {
    /// Answers one control request in the control socket's protocol: `ok` and the body, or `error: MESSAGE`.
    public func control(_ line: String) -> String {
        guard let request = ControlRequest(line: line) else {
            return "error: unknown request \"\(line)\"; \(ControlRequest.expected)\n"
        }
        // What answering touched (encoders, their code pages) is given back once things are still again.
        notifyActivity()
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
            if state.running, let startedAt = state.startedAt { status.uptimeSeconds = Self.milliseconds(now - startedAt) }
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
                    givesUpInSeconds: max(0, Self.milliseconds(waiting.deadline - now)))
            }
            if let next = state.nextStart, !state.running { status.nextStartInSeconds = max(0, Self.milliseconds(next - now)) }
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

    /// Seconds, to the millisecond: what the status says of a duration.
    static func milliseconds(_ duration: Duration) -> Double { (duration.inSeconds * 1000).rounded() / 1000 }

    static func stateName(_ state: State) -> ProcessStatus.State {
        switch state.phase {
        case .waiting: .waiting
        case .running(let ready): state.stopRequested ? .stopping : state.restartRequested ? .restarting : ready ? .ready : .running
        case .between: .restarting
        case .ended: .ended
        }
    }
}
