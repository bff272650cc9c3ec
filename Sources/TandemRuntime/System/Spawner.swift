import CTandemSystem
import Glibc

/// What to start: the argument vector, the whole environment, the working directory.
public struct SpawnRequest: Sendable, Codable {
    public var arguments: [String]
    public var environment: [String: String]
    public var directory: String?
    /// The cgroup v2 folder the process is born in (set by the supervisor: its group in the unit's cgroup).
    public var cgroupDirectory: String?
    /// Further cgroup folders it joins before exec (v1 hierarchies: the memory group beside a v2 unit group).
    public var cgroups: [String] = []
    /// The descriptor number on which the process says it is ready (s6's notification-fd), if any.
    public var notifyDescriptor: Int32?

    public init(
        arguments: [String], environment: [String: String], directory: String? = nil, cgroups: [String] = [], notifyDescriptor: Int32? = nil
    ) {
        self.arguments = arguments
        self.environment = environment
        self.directory = directory
        self.cgroups = cgroups
        self.notifyDescriptor = notifyDescriptor
    }

}

public struct SpawnError: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var errno: Int32
    /// What failed, when it was not the start itself.
    public var step: String?

    public init(command: String, errno: Int32, step: String? = nil) {
        self.command = command
        self.errno = errno
        self.step = step
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if let step { return "cannot start \(command): \(step): \(reason)" }
        if errno == ENOENT { return "cannot start \(command): command not found" }
        return "cannot start \(command): \(reason)"
    }
}

/// A running child: the leader of its own process group and session.
public struct SpawnedProcess: Sendable {
    public var pid: pid_t
    /// Read ends of its standard output and error.
    public var output: Int32
    public var error: Int32
    /// Write end of its standard input, when it reads one (the log router).
    public var input: Int32?
    /// Read end of its notify descriptor, when it has one.
    public var notify: Int32?
    /// Set for a process that is not a real child of this program (a test's simulated one): it takes the
    /// signals and says when it ends.
    public var handle: (any ProcessHandle)?

    public init(pid: pid_t, output: Int32, error: Int32, input: Int32? = nil, notify: Int32? = nil, handle: (any ProcessHandle)? = nil) {
        self.pid = pid
        self.output = output
        self.error = error
        self.input = input
        self.notify = notify
        self.handle = handle
    }

    /// Signals the process alone.
    public func signal(_ number: Int32) {
        if let handle { handle.signal(number) } else { _ = kill(pid, number) }
    }

    public func signalGroup(_ signal: Int32) {
        if let handle { handle.signalGroup(signal) } else { _ = kill(-pid, signal) }
    }

    /// How it ended, once it has.
    @inline(never)
    public func exit() async -> TerminationStatus {
        if let handle { await handle.exit() } else { await ProcessReaper.shared.exit(of: pid) }
    }
}

/// A started process that is not a child of this program, for tests that simulate processes.
public protocol ProcessHandle: Sendable {
    func signalGroup(_ signal: Int32)
    func signal(_ number: Int32)
    func exit() async -> TerminationStatus
}

extension ProcessHandle {
    public func signal(_ number: Int32) { signalGroup(number) }
}

/// Starts processes; tests can substitute their own.
public protocol ProcessSpawner: Sendable {
    func spawn(_ request: SpawnRequest, withInput: Bool) throws -> SpawnedProcess
}

/// fork/exec into a new session (so a terminal's Ctrl-C reaches only Tandem, which then stops the
/// children in order) with SIGKILL as the parent-death signal (so nothing outlives a killed Tandem).
public struct PosixSpawner: ProcessSpawner {
    public init() {}

    public func spawn(_ request: SpawnRequest, withInput: Bool) throws -> SpawnedProcess {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var inPipe: [Int32] = [-1, -1]
        var notifyPipe: [Int32] = [-1, -1]
        let notifies = request.notifyDescriptor != nil
        guard tandem_pipe(&outPipe) == 0, tandem_pipe(&errPipe) == 0, !withInput || tandem_pipe(&inPipe) == 0, !notifies || tandem_pipe(&notifyPipe) == 0
        else {
            let code = errno
            for fd in outPipe + errPipe + inPipe + notifyPipe where fd >= 0 { close(fd) }
            throw SpawnError(command: request.arguments.first ?? "", errno: code)
        }
        let notifyWrite = notifyPipe[1]
        let notifyTarget = request.notifyDescriptor ?? -1
        var cgroupProcs: [Int32] = []
        var cgroupDirectory: Int32 = -1
        defer {
            for fd in cgroupProcs { close(fd) }
            if cgroupDirectory >= 0 { close(cgroupDirectory) }
        }
        func joinFailed(_ group: String) -> SpawnError {
            let code = errno
            for fd in outPipe + errPipe + inPipe + notifyPipe where fd >= 0 { close(fd) }
            return SpawnError(command: request.arguments.first ?? "", errno: code, step: "cannot join its cgroup \(group)")
        }
        if let group = request.cgroupDirectory {
            cgroupDirectory = open(group, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard cgroupDirectory >= 0 else { throw joinFailed(group) }
        }
        for group in request.cgroups {
            let fd = open(group + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw joinFailed(group) }
            cgroupProcs.append(fd)
        }
        let directoryDescriptor = cgroupDirectory
        let groupDescriptors = cgroupProcs
        let stdinRead = withInput ? inPipe[0] : -1
        let outWrite = outPipe[1]
        let errWrite = errPipe[1]
        // Forked on the one long-lived thread: the parent-death signal follows the creating thread.
        let (pid, failure) = SpawnThread.shared.run { () -> (pid_t, Int32) in
            let argv = request.arguments.map { strdup($0) } + [nil]
            let envp = request.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for pointer in argv { free(pointer) }
                for pointer in envp { free(pointer) }
            }
            var failure: Int32 = 0
            let pid = argv.withUnsafeBufferPointer { arguments in
                envp.withUnsafeBufferPointer { environment in
                    groupDescriptors.withUnsafeBufferPointer { groups in
                        tandem_spawn(
                            arguments.baseAddress, environment.baseAddress, request.directory, stdinRead, outWrite, errWrite, directoryDescriptor,
                            groups.baseAddress, Int32(groups.count), notifyWrite, notifyTarget, &failure)
                    }
                }
            }
            return (pid, failure)
        }
        close(outPipe[1])
        close(errPipe[1])
        if withInput { close(inPipe[0]) }
        if notifies { close(notifyPipe[1]) }
        guard pid > 0 else {
            close(outPipe[0])
            close(errPipe[0])
            if withInput { close(inPipe[1]) }
            if notifies { close(notifyPipe[0]) }
            throw SpawnError(command: request.arguments.first ?? "", errno: failure)
        }
        ProcessReaper.shared.childStarted(pid)
        return SpawnedProcess(
            pid: pid, output: outPipe[0], error: errPipe[0], input: withInput ? inPipe[1] : nil, notify: notifies ? notifyPipe[0] : nil)
    }
}
