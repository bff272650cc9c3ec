/// The unit's status in Prometheus' text format (version 0.0.4), for `tandem run --metrics`.
public enum MetricsText {
    public static func render(_ status: UnitStatus) -> String {
        let service = labelValue(status.service)
        var families: [(name: String, type: String, help: String, samples: [String])] = [
            ("tandem_process_up", "gauge", "1 when the process is running.", []),
            ("tandem_process_ready", "gauge", "1 when the process runs and its startup and readiness probes pass.", []),
            ("tandem_process_restarts_total", "counter", "Restarts of the process since the unit started.", []),
            ("tandem_process_uptime_seconds", "gauge", "Seconds since the running process started.", []),
            ("tandem_process_resident_memory_bytes", "gauge", "Resident memory of the process and its process group.", []),
            ("tandem_process_ended", "gauge", "1 when the process ended for good (it will not be restarted).", []),
        ]
        for process in status.processes {
            let labels = "{service=\"\(service)\",process=\"\(labelValue(process.name))\",role=\"\(process.role)\"}"
            let running = process.pid != nil
            families[0].samples.append("tandem_process_up\(labels) \(running ? 1 : 0)")
            families[1].samples.append("tandem_process_ready\(labels) \(process.state == .ready ? 1 : 0)")
            families[2].samples.append("tandem_process_restarts_total\(labels) \(process.restarts)")
            if let uptime = process.uptimeSeconds {
                families[3].samples.append("tandem_process_uptime_seconds\(labels) \(fixedPoint(uptime, decimals: 3))")
            }
            if let resident = process.residentMemoryBytes {
                families[4].samples.append("tandem_process_resident_memory_bytes\(labels) \(resident)")
            }
            families[5].samples.append("tandem_process_ended\(labels) \(process.state == .ended ? 1 : 0)")
        }
        var text = ""
        for family in families where !family.samples.isEmpty {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
            text += family.samples.joined(separator: "\n") + "\n"
        }
        if let dropped = status.logLinesDropped {
            text += "# HELP tandem_log_lines_dropped_total Lines the log router or destination never got (it did not keep up).\n"
            text += "# TYPE tandem_log_lines_dropped_total counter\ntandem_log_lines_dropped_total{service=\"\(service)\"} \(dropped)\n"
        }
        if let delivered = status.logLinesDelivered {
            text += "# HELP tandem_log_lines_delivered_total Lines the built-in log destination took.\n"
            text += "# TYPE tandem_log_lines_delivered_total counter\ntandem_log_lines_delivered_total{service=\"\(service)\"} \(delivered)\n"
        }
        text += "# HELP tandem_unit_stopping 1 once the unit is stopping.\n# TYPE tandem_unit_stopping gauge\n"
        text += "tandem_unit_stopping{service=\"\(service)\"} \(status.stopping ? 1 : 0)\n"
        return text
    }

    /// A label value escaped as the text format wants: backslash, double quote and newline.
    static func labelValue(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }
}
