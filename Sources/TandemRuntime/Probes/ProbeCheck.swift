import CTandemSystem
import Dispatch
import Glibc
import TandemCore

/// How one run of a probe went: whether it passed, and what it said (the last 4 KiB of a command's
/// standard output and error, as Docker's health log keeps; for TCP and HTTP, what the connection did).
public struct ProbeResult: Sendable, Equatable, ExpressibleByBooleanLiteral {
    public static let outputLimit = 4096

    public var passed: Bool
    public var output: String

    public init(passed: Bool, output: String = "") {
        self.passed = passed
        self.output = output
    }

    public init(booleanLiteral passed: Bool) { self.init(passed: passed) }
}

/// Runs one probe of a process once and says how it went; tests substitute their own.
public protocol ProbeRunner: Sendable {
    func check(_ probe: Probe, of target: ProbeTarget) async -> ProbeResult
}

/// The real probes: a command (in its own process group, killed whole on timeout), a TCP connect or an
/// HTTP GET on loopback. Kubernetes' defaults fill what the probe leaves out.
struct ProbeCheck: ProbeRunner {
    static let defaultTimeout = 1.0

    let spawner: any ProcessSpawner
    let clock: any RuntimeClock

    func check(_ probe: Probe, of target: ProbeTarget) async -> ProbeResult {
        let timeout = probe.timeout ?? Self.defaultTimeout
        let milliseconds = Int32(max(1, (timeout * 1000).rounded()))
        let fallbackPort = target.fallbackPort
        switch probe.action {
        case .exec(let argv):
            return await command(argv, of: target, timeout: timeout)
        case .shell(let line):
            return await command(["/bin/sh", "-c", line], of: target, timeout: timeout)
        case .tcp(let port):
            guard let number = port?.number ?? fallbackPort else { return ProbeResult(passed: false, output: "the process has no port to connect to") }
            return await Self.blocking {
                tandem_tcp_probe(Int32(number), milliseconds) == 0
                    ? ProbeResult(passed: true, output: "connected to 127.0.0.1:\(number)")
                    : ProbeResult(passed: false, output: "cannot connect to 127.0.0.1:\(number): \(String(cString: strerror(errno)))")
            }
        case .http(let path, let port):
            guard let number = port?.number ?? fallbackPort else { return ProbeResult(passed: false, output: "the process has no port to connect to") }
            let target = path.isEmpty ? "/" : path
            return await Self.blocking {
                let status = tandem_http_probe(Int32(number), target, milliseconds)
                let url = "http://127.0.0.1:\(number)\(target)"
                if status < 0 { return ProbeResult(passed: false, output: "GET \(url): \(String(cString: strerror(errno)))") }
                return ProbeResult(passed: (200..<400).contains(status), output: "GET \(url): HTTP \(status)")
            }
        }
    }

    /// Socket calls and pipe reads block; they run on a Dispatch thread, not on the cooperative pool.
    private static func blocking<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Runs `argv` with the environment, folder and cgroups of the process it probes (as Kubernetes runs an
    /// exec probe inside the container), reading what it prints as it prints it, so that it never dies of
    /// a closed pipe.
    private func command(_ argv: [String], of target: ProbeTarget, timeout: Double) async -> ProbeResult {
        var request = SpawnRequest(
            arguments: argv, environment: target.request.environment, directory: target.request.directory, cgroups: target.request.cgroups)
        request.cgroupDirectory = target.request.cgroupDirectory
        let process: SpawnedProcess
        do {
            process = try spawner.spawn(request, withInput: false)
        } catch {
            return ProbeResult(passed: false, output: "\(error)")
        }
        let clock = self.clock
        // The pipes are read until both end, or a little after the timeout (a daemon the probe started may hold them).
        let readLimit = Int32(min(Double(Int32.max / 2), (timeout + 1) * 1000))
        async let printed = Self.blocking { readTail(process.output, process.error, limit: ProbeResult.outputLimit, timeoutMilliseconds: readLimit) }
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
        var output = String(decoding: await printed, as: UTF8.self)
        switch outcome {
        case .exited(0)?: break
        case let status?: output += (output.isEmpty || output.hasSuffix("\n") ? "" : "\n") + "(\(status))"
        case nil: output += (output.isEmpty || output.hasSuffix("\n") ? "" : "\n") + "(timed out after \(Supervisor.format(.seconds(timeout))))"
        }
        return ProbeResult(passed: outcome == .exited(0), output: output)
    }
}

/// Reads two pipes until both end (or `timeoutMilliseconds` passes), keeping the last `limit` bytes of
/// what came on either, in the order it came; closes both.
func readTail(_ first: Int32, _ second: Int32, limit: Int, timeoutMilliseconds: Int32) -> [UInt8] {
    defer {
        close(first)
        close(second)
    }
    var kept: [UInt8] = []
    var descriptors = [pollfd(fd: first, events: Int16(POLLIN), revents: 0), pollfd(fd: second, events: Int16(POLLIN), revents: 0)]
    var chunk = [UInt8](repeating: 0, count: 8192)
    let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMilliseconds))
    while descriptors.contains(where: { $0.fd >= 0 }) {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { break }
        let wait = Int32(min(Double(Int32.max), left.inSeconds * 1000).rounded(.up))
        let ready = descriptors.withUnsafeMutableBufferPointer { poll($0.baseAddress, 2, wait) }
        if ready < 0 && errno == EINTR { continue }
        guard ready > 0 else { break }
        for index in descriptors.indices where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
            let count = chunk.withUnsafeMutableBytes { read(descriptors[index].fd, $0.baseAddress, $0.count) }
            if count > 0 {
                kept += chunk[0..<count]
                if kept.count > limit { kept.removeFirst(kept.count - limit) }
            } else if count == 0 || errno != EINTR {
                // Ended: poll ignores negative descriptors.
                descriptors[index].fd = -1
            }
        }
    }
    // Cut at a character boundary: drop continuation bytes at the front.
    while let byte = kept.first, byte & 0xC0 == 0x80 { kept.removeFirst() }
    return kept
}
