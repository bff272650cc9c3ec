import TandemCore

/// A running unit's state at one instant: what the supervisor answers to `ps` (as JSON, on the control
/// socket) and what `tandem ps`, `tandem why` and the metrics read. One type for both ends of the wire;
/// only the supervisor makes one, with the memberwise initializers.
public struct UnitStatus: Sendable, Codable, Equatable {
    public var service: String
    public var stopping: Bool
    public var containment: ContainmentStatus
    public var processes: [ProcessStatus]
    /// Lines the log router or the built-in destination never got, and those the destination took.
    public var logLinesDropped: Int?
    public var logLinesDelivered: Int?

    public func process(named name: String) -> ProcessStatus? { processes.first { $0.name == name } }
}

/// What holds the unit's processes together.
public struct ContainmentStatus: Sendable, Codable, Equatable {
    /// The unit's cgroup folder, if it has one.
    public var cgroup: String?
    public var pidNamespace = false
    public var keeperPid: Int32?

}

/// One process of the unit.
public struct ProcessStatus: Sendable, Codable, Equatable {
    /// Where a process is in its life; exactly one at a time.
    public enum State: String, Sendable, Codable, Equatable {
        /// Not started yet: waiting for its dependencies.
        case waiting
        /// Running, its readiness not known yet or failing.
        case running
        /// Running, and its startup and readiness checks pass (or it has none).
        case ready
        /// Between two runs: it ended and will start again (or a restart was asked for).
        case restarting
        /// Asked to stop, not ended yet.
        case stopping
        /// Ended for good.
        case ended
    }

    public var name: String
    public var role: String
    public var state: State
    public var pid: Int32?
    public var restarts = 0
    public var uptimeSeconds: Double?
    /// Why it ended for good.
    public var ended: EndReason?
    /// How its last run ended (`exited with code 1`, `killed by signal 9`).
    public var lastExit: String?
    public var lastExitCode: Int32?
    public var lastSignal: Int32?
    /// More about its end (`gave up after 10 restarts`, a dependency it could not wait for).
    public var message: String?
    /// The last probe that ran, with what it printed.
    public var lastProbe: ProbeStatus?
    /// What it waits for, while waiting.
    public var waitingFor: WaitStatus?
    /// Seconds until its next start, while restarting after a backoff.
    public var nextStartInSeconds: Double?
    /// How it says it is ready, when it does so itself: `notify_socket` or `fd N`.
    public var readinessNotice: String?
    /// Whether it has a startup or readiness probe.
    public var hasReadinessProbe = false
    /// The resident memory of its process group, in bytes (only in answers for the metrics).
    public var residentMemoryBytes: Int?

}

/// The last run of a process's probe.
public struct ProbeStatus: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, Equatable {
        case startup, readiness, liveness
    }

    public var kind: Kind
    public var passed: Bool
    public var failuresInARow: Int
    /// The last 4 KiB of what it printed, or what its connection did.
    public var output: String
    /// Seconds since 1970, when it ran.
    public var time: Double

}

/// A dependency a process waits for.
public struct WaitStatus: Sendable, Codable, Equatable {
    public var dependency: String
    public var condition: Dependency.Condition
    public var givesUpInSeconds: Double

}

/// What a client may ask a running unit, one line on its control socket; the same type writes the line
/// (`tandem ps`, `stop`, `restart`, `logs`) and reads it (the supervisor).
public enum ControlRequest: Sendable, Equatable {
    /// The unit's status, answered with a `UnitStatus` as JSON.
    case status
    case stop
    case restart(process: String)
    /// The last `count` lines (of one process, or all), then with `follow` every new one until the unit ends.
    case logs(count: Int, process: String?, follow: Bool)

    public var line: String {
        switch self {
        case .status: "ps"
        case .stop: "stop"
        case .restart(let process): "restart \(process)"
        case .logs(let count, let process, let follow):
            (["logs"] + (follow ? ["-f"] : []) + [String(count)] + (process.map { [$0] } ?? [])).joined(separator: " ")
        }
    }

    /// The request a line says, or nil (with what is expected) when it says none.
    public init?(line: String) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch (words.first, words.count) {
        case ("ps", 1): self = .status
        case ("stop", 1): self = .stop
        case ("restart", 2): self = .restart(process: words[1])
        case ("logs", _):
            var rest = Array(words.dropFirst())
            let follow = rest.first == "-f"
            if follow { rest.removeFirst() }
            guard let count = rest.first.flatMap(Int.init), count >= 0, rest.count <= 2 else { return nil }
            self = .logs(count: count, process: rest.count == 2 ? rest[1] : nil, follow: follow)
        default: return nil
        }
    }

    static let expected = "expected ps, stop, restart NAME or logs [-f] COUNT [NAME]"
}
