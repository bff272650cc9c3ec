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
        await Self.run(
            probe, container: process.container, environment: process.request.environment, directory: process.request.directory, spawner: spawner,
            clock: clock)
    }

    static func run(
        _ probe: Probe, container: Container, environment: [String: String], directory: String?, spawner: any ProcessSpawner, clock: any RuntimeClock
    ) async -> Bool {
        let timeout = probe.timeout ?? defaultTimeout
        let milliseconds = Int32(max(1, (timeout * 1000).rounded()))
        let fallbackPort = container.ports.first?.containerPort.number
        switch probe.action {
        case .exec(let argv):
            return await command(argv, environment: environment, directory: directory, timeout: timeout, spawner: spawner, clock: clock)
        case .shell(let line):
            return await command(["/bin/sh", "-c", line], environment: environment, directory: directory, timeout: timeout, spawner: spawner, clock: clock)
        case .tcp(let port):
            guard let number = port?.number ?? fallbackPort else { return false }
            return await blocking { tandem_tcp_probe(Int32(number), milliseconds) == 0 }
        case .http(let path, let port):
            guard let number = port?.number ?? fallbackPort else { return false }
            let target = path.isEmpty ? "/" : path
            return await blocking {
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

    private static func command(
        _ argv: [String], environment: [String: String], directory: String?, timeout: Double, spawner: any ProcessSpawner,
        clock: any RuntimeClock
    ) async -> Bool {
        guard let process = try? spawner.spawn(SpawnRequest(arguments: argv, environment: environment, directory: directory), withInput: false) else {
            return false
        }
        // The probe's own output is not kept.
        close(process.output)
        close(process.error)
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
