import TandemCore

/// `tandem run --timeline FILE.svg` (and `tandem timeline REPORT`): a run as a picture, in the manner of
/// `systemd-analyze plot`: one row per process, its waiting, starting, ready, stopping and restarting spans
/// on a time axis, an arrow where a process started after what it waited for, probe failures and exits
/// marked. Deterministic: the same report gives the same bytes.
public enum TimelinePicture {
    static let labelWidth = 170
    static let plotWidth = 820
    static let rowHeight = 30
    static let top = 64
    static let margin = 20

    static let colors: [TimelineMark.Kind: String] = [
        .waiting: "#e5e7eb", .starting: "#bfdbfe", .ready: "#86efac", .stopping: "#fca5a5", .exited: "#fde68a", .restarting: "#fdba74",
    ]

    public static func svg(_ report: UnitReport, title: String) -> String {
        let processes = report.processes
        let end = max(0.001, processes.flatMap { $0.timeline ?? [] }.map(\.at).max() ?? 0)
        let scale = Double(plotWidth) / end
        func x(_ seconds: Double) -> Int { labelWidth + margin + Int((seconds * scale).rounded()) }
        let row = Dictionary(processes.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        func y(_ index: Int) -> Int { top + index * rowHeight }
        let width = labelWidth + plotWidth + margin * 3
        let height = top + processes.count * rowHeight + 70

        var svg =
            SVGText.head(width: width, height: height, title: "\(title): timeline of the run", description: summary(report), arrowSize: 7)
                + """
                <text x="\(margin)" y="24" font-size="16" font-weight="bold" fill="#222">\(SVGText.escape(title))</text>
                <text x="\(margin)" y="42" fill="#666">\(SVGText.escape(report.reason)) (exit code \(report.exitCode)), \(seconds(end)) in all</text>

                """
        // The time axis: about eight ticks at a round step.
        let step = tickStep(end)
        var tick = 0.0
        while tick <= end + step / 2 {
            let at = x(tick)
            svg += """
                <line x1="\(at)" y1="\(top - 6)" x2="\(at)" y2="\(y(processes.count))" stroke="#eeeeee"/>\
                <text x="\(at)" y="\(top - 10)" text-anchor="middle" fill="#666">\(seconds(tick))</text>

                """
            tick += step
        }
        for (index, process) in processes.enumerated() {
            let top = y(index)
            svg += "<g class=\"process\"><title>\(SVGText.escape("\(process.name) (\(process.role)): \(process.reason.rawValue)"))</title>"
            svg += "<text x=\"\(margin)\" y=\"\(top + 19)\" fill=\"#111\">\(SVGText.escape(SVGText.clip(process.name, 22)))</text>"
            let marks = process.timeline ?? []
            let states = marks.filter { $0.kind != .probeFailed }
            for (number, mark) in states.enumerated() where mark.kind != .ended {
                let until = number + 1 < states.count ? states[number + 1].at : end
                guard let color = colors[mark.kind] else { continue }
                let from = x(mark.at)
                let spanWidth = max(1, x(until) - from)
                svg += """
                    <rect x="\(from)" y="\(top + 6)" width="\(spanWidth)" height="\(rowHeight - 12)" fill="\(color)">\
                    <title>\(SVGText.escape("\(process.name): \(mark.kind.rawValue) from \(seconds(mark.at)) to \(seconds(until))\(mark.detail.map { " (\($0))" } ?? "")"))</title></rect>
                    """
            }
            for mark in marks where mark.kind == .exited || mark.kind == .probeFailed {
                let at = x(mark.at)
                let label = SVGText.escape(
                    "\(process.name): \(mark.kind == .exited ? "exited" : "probe failed") at \(seconds(mark.at))\(mark.detail.map { ": \($0)" } ?? "")")
                svg +=
                    mark.kind == .exited
                    ? "<line x1=\"\(at)\" y1=\"\(top + 3)\" x2=\"\(at)\" y2=\"\(top + rowHeight - 3)\" stroke=\"#111\" stroke-width=\"2\"><title>\(label)</title></line>"
                    : "<path d=\"M \(at) \(top + 4) l 4 7 l -8 0 z\" fill=\"#dc2626\"><title>\(label)</title></path>"
            }
            svg += "</g>\n"
        }
        // An arrow from what a process waited for to the moment it started.
        for (index, process) in processes.enumerated() {
            guard let started = process.timeline?.first(where: { $0.kind == .starting || $0.kind == .ready }) else { continue }
            for dependency in process.waitsFor ?? [] {
                guard let from = row[dependency.process], from != index else { continue }
                let at = x(started.at)
                let startY = y(from) + (from < index ? rowHeight - 6 : 6)
                let endY = y(index) + (from < index ? 6 : rowHeight - 6)
                svg += """
                    <line x1="\(at)" y1="\(startY)" x2="\(at)" y2="\(endY)" stroke="#444" stroke-width="1.2" stroke-dasharray="3 2" marker-end="url(#arrow)">\
                    <title>\(SVGText.escape("\(process.name) started after \(dependency.process) (\(dependency.condition))"))</title></line>

                    """
            }
        }
        // The legend.
        var legendX = margin
        let legendY = y(processes.count) + 24
        for kind in [TimelineMark.Kind.waiting, .starting, .ready, .stopping, .exited, .restarting] {
            svg += "<rect x=\"\(legendX)\" y=\"\(legendY)\" width=\"14\" height=\"14\" fill=\"\(colors[kind]!)\"/>"
            svg += "<text x=\"\(legendX + 20)\" y=\"\(legendY + 12)\" fill=\"#333\">\(kind.rawValue)</text>"
            legendX += 30 + kind.rawValue.count * 8
        }
        svg +=
            "<path d=\"M \(legendX + 7) \(legendY) l 5 9 l -10 0 z\" fill=\"#dc2626\"/><text x=\"\(legendX + 20)\" y=\"\(legendY + 12)\" fill=\"#333\">probe failed</text>"
        legendX += 120
        svg += "<line x1=\"\(legendX + 7)\" y1=\"\(legendY)\" x2=\"\(legendX + 7)\" y2=\"\(legendY + 14)\" stroke=\"#111\" stroke-width=\"2\"/>"
        svg += "<text x=\"\(legendX + 16)\" y=\"\(legendY + 12)\" fill=\"#333\">exit</text>\n"
        svg += "</svg>\n"
        return svg
    }

    static func summary(_ report: UnitReport) -> String {
        report.processes.map { process in
            let ready = process.timeline?.first { $0.kind == .ready }.map { "ready at \(seconds($0.at))" } ?? "never ready"
            return "\(process.name): \(ready), \(process.reason.rawValue), \(process.restarts) restarts"
        }.joined(separator: "; ")
    }

    /// A round step that puts about eight ticks on `end` seconds.
    static func tickStep(_ end: Double) -> Double {
        var step = 0.001
        while end / step > 10 {
            for factor in [2.0, 2.5, 2.0] {
                step *= factor
                if end / step <= 10 { break }
            }
        }
        return step
    }

    static func seconds(_ value: Double) -> String {
        value < 1 ? "\(Int((value * 1000).rounded()))ms" : fixedPoint(value, decimals: value < 10 ? 2 : 1) + "s"
    }

}
