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
    /// A number as Foundation's encoder writes it: whole values without a fraction.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    /// The report as JSON with sorted keys, as `tandem run --report` writes it (the runtime has no encoder).
    public var json: String {
        let entries = processes.map { process in
            var fields: [String] = []
            if let exitCode = process.exitCode { fields.append("\"exitCode\" : \(exitCode)") }
            if let message = process.message { fields.append("\"message\" : \(JSONText.quoted(message))") }
            fields += [
                "\"name\" : \(JSONText.quoted(process.name))", "\"reason\" : \(JSONText.quoted(process.reason.rawValue))",
                "\"restarts\" : \(process.restarts)", "\"role\" : \(JSONText.quoted(process.role))",
            ]
            if let signal = process.signal { fields.append("\"signal\" : \(signal)") }
            if let timeline = process.timeline {
                let marks = timeline.map { mark in
                    var parts = ["\"at\" : \(Self.number(mark.at))"]
                    if let detail = mark.detail { parts.append("\"detail\" : \(JSONText.quoted(detail))") }
                    parts.append("\"kind\" : \(JSONText.quoted(mark.kind.rawValue))")
                    return "        {\n          " + parts.joined(separator: ",\n          ") + "\n        }"
                }
                fields.append("\"timeline\" : " + (marks.isEmpty ? "[\n\n      ]" : "[\n" + marks.joined(separator: ",\n") + "\n      ]"))
            }
            if let waitsFor = process.waitsFor {
                let entries = waitsFor.map {
                    "        {\n          \"condition\" : \(JSONText.quoted($0.condition)),\n          \"process\" : \(JSONText.quoted($0.process))\n        }"
                }
                fields.append("\"waitsFor\" : " + (entries.isEmpty ? "[\n\n      ]" : "[\n" + entries.joined(separator: ",\n") + "\n      ]"))
            }
            return "    {\n      " + fields.joined(separator: ",\n      ") + "\n    }"
        }
        let list = entries.isEmpty ? "[\n\n  ]" : "[\n" + entries.joined(separator: ",\n") + "\n  ]"
        var logs = ""
        if let logLinesDelivered { logs += "  \"logLinesDelivered\" : \(logLinesDelivered),\n" }
        if let logLinesDropped { logs += "  \"logLinesDropped\" : \(logLinesDropped),\n" }
        return "{\n  \"exitCode\" : \(exitCode),\n\(logs)  \"processes\" : \(list),\n  \"reason\" : \(JSONText.quoted(reason))\n}\n"
    }
}
