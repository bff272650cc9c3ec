import CTandemSystem
import Dispatch
import Glibc
import TandemCore

/// Runs one probe of a process once and says whether it passed; tests substitute their own.
public protocol ProbeRunner: Sendable {
    func check(_ probe: Probe, of process: RunPlan.Process) async -> Bool
}

/// The real probes: a command (in its own process group, killed whole on timeout), a TCP connect or an
/// HTTP GET on loopback. Kubernetes' defaults fill what the probe leaves out.
struct ProbeCheck: ProbeRunner {
    static let defaultTimeout = 1.0

    let spawner: any ProcessSpawner
    let clock: any RuntimeClock

    func check(_ probe: Probe, of process: RunPlan.Process) async -> Bool {
        let timeout = probe.timeout ?? Self.defaultTimeout
        let milliseconds = Int32(max(1, (timeout * 1000).rounded()))
        let fallbackPort = process.container.ports.first?.containerPort.number
        switch probe.action {
        case .exec(let argv):
            return await command(argv, of: process, timeout: timeout)
        case .shell(let line):
            return await command(["/bin/sh", "-c", line], of: process, timeout: timeout)
        case .tcp(let port):
            guard let number = port?.number ?? fallbackPort else { return false }
            return await Self.blocking { tandem_tcp_probe(Int32(number), milliseconds) == 0 }
        case .http(let path, let port):
            guard let number = port?.number ?? fallbackPort else { return false }
            let target = path.isEmpty ? "/" : path
            return await Self.blocking {
                let status = tandem_http_probe(Int32(number), target, milliseconds)
                return (200..<400).contains(status)
            }
        }
    }

    /// Socket calls block; they run on a Dispatch thread, not on the cooperative pool.
    private static func blocking(_ work: @escaping @Sendable () -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Runs `argv` with the environment and folder of the process it probes.
    private func command(_ argv: [String], of target: RunPlan.Process, timeout: Double) async -> Bool {
        let request = SpawnRequest(arguments: argv, environment: target.request.environment, directory: target.request.directory)
        guard let process = try? spawner.spawn(request, withInput: false) else { return false }
        // The probe's own output is not kept.
        close(process.output)
        close(process.error)
        let clock = self.clock
        let outcome = await withTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask { await process.exit() }
            group.addTask {
                try? await clock.sleep(for: .seconds(timeout))
                return nil
            }
            let first = await group.next() ?? nil
            guard first == nil else {
                group.cancelAll()
                return first
            }
            // A probe that hangs is killed with everything it started, and never overlaps the next run.
            process.signalGroup(SIGKILL)
            let rest = await group.next() ?? nil
            return rest.map { _ in TerminationStatus.signaled(SIGKILL) }
        }
        process.signalGroup(SIGKILL)
        return outcome == .exited(0)
    }
}
