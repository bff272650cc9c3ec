/// Why a process is no longer running.
public enum EndReason: String, Sendable, Codable {
    case exited
    case signaled
    case oomKilled = "oom_killed"
    case livenessKilled = "liveness_killed"
    case startupKilled = "startup_killed"
    case timeoutKilled = "timeout_killed"
    case dependencyBlocked = "dependency_blocked"
    case neverStarted = "never_started"
    case startFailed = "start_failed"
    case stopped
}

/// How each process of a unit ended, written as JSON by `tandem run --report`.
public struct ProcessReport: Sendable, Codable, Hashable {
    public var name: String
    public var role: String
    public var reason: EndReason
    public var exitCode: Int32?
    public var signal: Int32?
    public var restarts: Int
    public var message: String?
}

public struct UnitReport: Sendable, Codable, Hashable {
    public var exitCode: Int32
    public var reason: String
    public var processes: [ProcessReport]
}
