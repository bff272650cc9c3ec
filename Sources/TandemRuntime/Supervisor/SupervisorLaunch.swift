import Dispatch
import Glibc
import TandemCore

/// Everything a supervising process needs, decided before it starts: `tandem run` reads and checks the
/// manifest, then hands this (as JSON) to `tandem-supervisor`, which runs it and nothing else.
public struct SupervisorLaunch: Sendable, Codable {
    public var plan: RunPlan
    public var logFormat: ConsoleSink.Format
    /// Where to write the JSON report of how each process ended.
    public var reportPath: String?
    /// Stop the unit after this many seconds, as SIGTERM would.
    public var stopAfter: Double?
    /// Where to serve `tandem ps`, `stop` and `restart`; nil for no control socket.
    public var controlPath: String?
    /// Each process's lines also in a rotated file of its own.
    public var logFiles: FileLogSink.Settings?
    /// `HOST:PORT` or `PORT` to serve Prometheus metrics on; nil for none.
    public var metricsAddress: String?
    /// The most the unit's shutdown may take, in seconds (else the manifest's `stop_timeout`, else 30 s).
    public var stopTimeout: Double?
    public var containment: ContainmentMode = .auto
    /// Where to draw the run's timeline (SVG) when it ends.
    public var timelinePath: String?

    public init(
        plan: RunPlan, logFormat: ConsoleSink.Format, reportPath: String?, stopAfter: Double?, controlPath: String? = nil,
        logFiles: FileLogSink.Settings? = nil, metricsAddress: String? = nil, stopTimeout: Double? = nil, containment: ContainmentMode = .auto
    ) {
        self.stopTimeout = stopTimeout
        self.containment = containment
        self.plan = plan
        self.logFormat = logFormat
        self.reportPath = reportPath
        self.stopAfter = stopAfter
        self.controlPath = controlPath
        self.logFiles = logFiles
        self.metricsAddress = metricsAddress
    }

    /// Runs the unit with signal handling (SIGTERM and SIGINT stop it in order; the others are passed on) and
    /// returns the exit code: the essential process's that ended it, 128+signal for signals, 0 when stopped.
    public func run() async -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        Supervisor.adoptOrphans()
        if let configFiles = plan.configFiles, let failure = configFiles.write() {
            writeAll(STDERR_FILENO, "Error: \(failure)\n".utf8)
            return 2
        }
        defer { plan.configFiles?.remove() }
        let names = plan.processes.map(\.container.name)
        // Queued: standard output that nobody reads must not keep the unit from stopping.
        let sink = ConsoleSink(format: logFormat, processNames: names, queued: true)
        var sinks: [any LogSink] = [sink]
        if let logFiles {
            do {
                sinks.append(try FileLogSink(logFiles))
            } catch {
                writeAll(STDERR_FILENO, "Error: \(error.message)\n".utf8)
                return 2
            }
        }
        // The recent lines are kept for `tandem logs` only where something can ask for them.
        let tail = controlPath.map { _ in LogTail() }
        if let tail { sinks.append(tail) }
        let output: any LogSink = sinks.count == 1 ? sink : FanOutSink(sinks)
        var options = RuntimeOptions(containment: containment)
        if let timeout = stopTimeout ?? plan.service.stopTimeout { options.stopDeadline = .nanoseconds(Int64(timeout * 1e9)) }
        let supervisor = Supervisor(plan: plan, options: options, sink: output)
        var control: ControlServer?
        if let controlPath, let tail {
            do {
                control = try ControlServer(path: controlPath, supervisor: supervisor, tail: tail, processNames: names)
            } catch {
                writeAll(STDERR_FILENO, "Error: \(error.message)\n".utf8)
                return 2
            }
        }
        var notify: NotifySockets?
        if let folder = plan.notifyFolder {
            do {
                notify = try NotifySockets(plan: plan, folder: folder, supervisor: supervisor)
            } catch {
                control?.close()
                writeAll(STDERR_FILENO, "Error: \(error.message)\n".utf8)
                return 2
            }
        }
        var metrics: MetricsServer?
        if let metricsAddress {
            do {
                metrics = try MetricsServer(listen: metricsAddress, supervisor: supervisor)
            } catch {
                control?.close()
                notify?.close()
                writeAll(STDERR_FILENO, "Error: \(error.message)\n".utf8)
                return 2
            }
        }
        UnitSignals.take { number in Task { await supervisor.received(signal: number) } }
        if let stopAfter {
            Task {
                try? await Task.sleep(for: .nanoseconds(Int64(stopAfter * 1e9)))
                await supervisor.stop(reason: "stopped after \(Supervisor.format(.nanoseconds(Int64(stopAfter * 1e9))))")
            }
        }
        let outcome = await supervisor.run()
        if let reportPath, let failure = writeFileAtomically(reportPath, Array(outcome.json.utf8)) {
            writeAll(STDERR_FILENO, "Error: cannot write the report to \(reportPath): \(failure)\n".utf8)
        }
        if let timelinePath,
            let failure = writeFileAtomically(timelinePath, Array(TimelinePicture.svg(outcome, title: plan.service.name).utf8))
        {
            writeAll(STDERR_FILENO, "Error: cannot write the timeline to \(timelinePath): \(failure)\n".utf8)
        }
        let ended = [LogRecord(process: "tandem", stream: .event, text: "unit ended: \(outcome.reason) (exit code \(outcome.exitCode))")]
        // The console, the files and followers of `tandem logs -f` see the end too; then followers' connections close.
        output.write(ended)
        control?.close()
        metrics?.close()
        notify?.close()
        if !sink.flush(within: .seconds(2)) {
            writeAll(STDERR_FILENO, "tandem: standard output was not being read; its last lines were not written\n".utf8)
        }
        return outcome.exitCode
    }

    /// The environment variable that names the descriptor `tandem-supervisor` reads its launch from.
    public static let descriptorVariable = "TANDEM_LAUNCH_FD"

    /// The environment variable that tells the supervisor's executable, before its main, which keeper to
    /// fork (CTandemSystem's keeper.c reads it under the same name).
    static let containmentVariable = "TANDEM_CONTAINMENT"

    /// The environment variable that tells the supervisor's executable, before its main, how many
    /// descriptors its unit will hold, to size its descriptor table once (keeper.c reads it too).
    static let descriptorsVariable = "TANDEM_DESCRIPTORS"

    /// What the unit's supervisor holds open: its own (about 20: threads' pipes, sockets, the keeper's) and,
    /// for each process, its output pipes (and a pidfd where the reaper watches one), with room for the
    /// descriptors of a spawn under way.
    public var expectedDescriptors: Int { 64 + 4 * plan.processes.count }

    /// Replaces this process with `supervisor`, handing it the launch (`json`, this launch encoded by the
    /// caller, which has an encoder) on an unlinked temporary file (same pid, so signals and a container's
    /// PID 1 stay where they were). Returns only on failure.
    public static func exec(supervisor: String, json data: [UInt8], containment: ContainmentMode, descriptors: Int) -> String {
        var template = Array((temporaryDirectory() + "tandem-launch-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return "cannot create a temporary file: \(String(cString: strerror(errno)))" }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        unlink(path)
        guard writeAll(descriptor, data) else { return "cannot write the launch: \(String(cString: strerror(errno)))" }
        lseek(descriptor, 0, SEEK_SET)
        setenv(Self.descriptorVariable, String(descriptor), 1)
        // Read before main, where the supervisor forks the unit's keeper while it is still small.
        setenv(Self.containmentVariable, containment.rawValue, 1)
        setenv(Self.descriptorsVariable, String(descriptors), 1)
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup(supervisor), nil]
        arguments.withUnsafeBufferPointer { _ = execv(supervisor, $0.baseAddress!) }
        return "cannot start \(supervisor): \(String(cString: strerror(errno)))"
    }

    /// Reads the launch `tandem run` handed over.
    public static func received() -> SupervisorLaunch? {
        guard let text = environmentValue(descriptorVariable), let descriptor = Int32(text) else { return nil }
        unsetenv(descriptorVariable)
        unsetenv(containmentVariable)
        unsetenv(descriptorsVariable)
        defer { close(descriptor) }
        guard let data = readAll(descriptor) else { return nil }
        return try? JSONValueDecoder().decode(SupervisorLaunch.self, from: data)
    }
}
