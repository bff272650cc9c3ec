import TandemCore

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
    /// Its life in the run (absent in reports of earlier versions).
    public var timeline: [TimelineMark]?
    /// What it waited for, for the timeline's arrows.
    public var waitsFor: [TimelineDependency]?
}

/// A process another waits for, and for what (`start`, `healthy`, `complete`, `success`).
public struct TimelineDependency: Sendable, Codable, Hashable {
    public var process: String
    public var condition: String

    public init(process: String, condition: String) {
        self.process = process
        self.condition = condition
    }
}

public struct UnitReport: Sendable, Codable, Hashable {
    public var exitCode: Int32
    public var reason: String
    public var processes: [ProcessReport]
    /// With a log router or destination: the lines it never got (held past the bound, or undelivered at the end).
    public var logLinesDropped: Int?
    /// With a built-in destination: the lines it took.
    public var logLinesDelivered: Int?
}

extension UnitReport {
    /// The report as JSON in Foundation's pretty, sorted layout, as `tandem run --report` writes it.
    public var json: String {
        let bytes = (try? JSONValueEncoder(prettySortedKeys: true).encode(self)) ?? Array("{}".utf8)
        return String(decoding: bytes, as: UTF8.self) + "\n"
    }
}
