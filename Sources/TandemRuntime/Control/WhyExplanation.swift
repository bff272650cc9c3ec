import TandemCore

/// `tandem why PROCESS`: why a process is in the state it is in, from the unit's status, following what it
/// waits for (indented, a few levels deep).
public enum WhyExplanation {
    public static func lines(for name: String, in status: UnitStatus, depth: Int = 0) -> [String] {
        guard let process = status.process(named: name) else { return ["\(name) does not exist"] }
        let indent = String(repeating: "  ", count: depth)
        var lines: [String]
        switch process.state {
        case .ready:
            lines = [indent + "\(name) is running (pid \(process.pid ?? 0)) and ready"]
        case .running, .stopping:
            var line = indent + "\(name) is running (pid \(process.pid ?? 0))"
            if process.state == .stopping {
                line += " and stopping"
            } else {
                line += " but not ready"
                if let notice = process.readinessNotice, process.lastProbe?.passed ?? true {
                    line +=
                        notice == "notify_socket"
                        ? ": it has not sent READY=1 on its NOTIFY_SOCKET yet"
                        : ": it has not written the newline that says it is ready on descriptor \(notice.dropFirst(3)) yet"
                } else if let probe = process.lastProbe {
                    line +=
                        probe.passed
                        ? ": its \(probe.kind.rawValue) probe passed last but has not passed enough times in a row yet"
                        : ": its \(probe.kind.rawValue) probe failed \(probe.failuresInARow) time\(probe.failuresInARow == 1 ? "" : "s") in a row"
                } else if process.hasReadinessProbe {
                    line += ": its first probe has not run yet"
                }
            }
            lines = [line]
        case .ended:
            var line = indent + "\(name) has ended: "
            switch (process.ended, process.lastExit) {
            case (.exited?, let exit?), (.signaled?, let exit?), (nil, let exit?): line += exit
            case (let reason?, let exit?): line += "\(reason.rawValue) (\(exit))"
            case (let reason, nil): line += reason?.rawValue ?? "ended"
            }
            if let message = process.message { line += ": \(message)" }
            lines = [line]
        case .restarting:
            var line = indent + "\(name) is restarting (\(process.restarts) restart\(process.restarts == 1 ? "" : "s") so far"
            if let exit = process.lastExit { line += "; it last \(exit)" }
            line += ")"
            if let next = process.nextStartInSeconds { line += ": next start in \(Supervisor.format(.milliseconds(Int64(next * 1000))))" }
            lines = [line]
        case .waiting:
            guard let waiting = process.waitingFor else { return [indent + "\(name) is starting"] }
            let condition =
                switch waiting.condition {
                case .start: "start"
                case .healthy: "be healthy"
                case .complete: "complete"
                case .success: "complete successfully"
                }
            lines = [
                indent
                    + "\(name) is waiting for \(waiting.dependency) to \(condition) (gives up in \(Supervisor.format(.milliseconds(Int64(waiting.givesUpInSeconds * 1000)))))"
            ]
            if depth < 4 { lines += Self.lines(for: waiting.dependency, in: status, depth: depth + 1) }
            return lines
        }
        // What the last probe printed, as Docker's health log shows it.
        if let probe = process.lastProbe, !probe.passed || process.state != .ready, !probe.output.isEmpty {
            lines.append(indent + "  last \(probe.kind.rawValue) probe \(probe.passed ? "passed" : "failed"), its output:")
            lines += probe.output.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).map { indent + "    " + $0 }
        }
        return lines
    }
}
