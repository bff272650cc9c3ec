import TandemCore

/// `tandem graph`: a service's start dependencies as an SVG picture, in the manner of
/// `systemd-analyze dot`: one box per process, in columns by start order (a process stands to the right
/// of everything it waits for), and an arrow from each dependency to its dependent labelled with the
/// condition it waits for and how long it waits. Deterministic: the same service gives the same bytes.
public enum DependencyGraphPicture {
    /// How long the runtime waits for a condition when the manifest does not say (`tandem run`'s default).
    public static let defaultDeadlineSeconds: Double = 120

    static let columnWidth = 440
    static let boxWidth = 190
    static let boxHeight = 64
    static let rowGap = 28
    static let margin = 24
    static let titleHeight = 40

    public static func svg(_ service: Service) -> String {
        let containers = service.containers
        let names = containers.map(\.name)
        let known = Set(names)
        let columns = columnsByStartOrder(containers, known: known)
        var rowsInColumn: [Int: Int] = [:]
        var place: [String: (x: Int, y: Int)] = [:]
        for container in containers {
            let column = columns[container.name] ?? 0
            let row = rowsInColumn[column, default: 0]
            rowsInColumn[column] = row + 1
            place[container.name] = (margin + column * columnWidth, margin + titleHeight + row * (boxHeight + rowGap))
        }
        let columnCount = (columns.values.max() ?? 0) + 1
        let rowCount = rowsInColumn.values.max() ?? 1
        let width = margin * 2 + (columnCount - 1) * columnWidth + boxWidth
        let height = margin * 2 + titleHeight + rowCount * boxHeight + (rowCount - 1) * rowGap + 20

        var svg =
            SVGText.head(
                width: width, height: height, title: "\(service.name): start dependencies", description: description(service), arrowSize: 8)
                + """
                <text x="\(margin)" y="\(margin + 14)" font-size="16" font-weight="bold" fill="#222">\(SVGText.escape(service.name))</text>
                <text x="\(margin)" y="\(margin + 32)" fill="#666">left to right in start order; an arrow waits for the condition on it</text>

                """
        // Edges first, so that boxes are drawn over their ends. Each arrow ends at a height of its own on
        // its dependent's left side, its label just above that end: no two labels share a line.
        for container in containers {
            let incoming = container.dependsOn.filter { known.contains($0.container) && $0.container != container.name }
            for (number, dependency) in incoming.enumerated() {
                guard let from = place[dependency.container], let to = place[container.name] else { continue }
                let startX = from.x + boxWidth
                let startY = from.y + boxHeight / 2
                let endX = to.x
                let endY = to.y + (number + 1) * boxHeight / (incoming.count + 1)
                let bend = max(40, abs(endX - startX) / 2)
                // A dependency in the same or a later column (a cycle) loops round.
                let path =
                    endX > startX
                    ? "M \(startX) \(startY) C \(startX + bend) \(startY), \(endX - bend) \(endY), \(endX) \(endY)"
                    : "M \(startX) \(startY) C \(startX + 80) \(startY - 90), \(endX - 80) \(endY - 90), \(endX) \(endY)"
                let label = edgeLabel(dependency)
                svg += """
                    <g class="edge"><title>\(SVGText.escape(container.name)) waits for \(SVGText.escape(dependency.container)): \(SVGText.escape(label))</title>\
                    <path d="\(path)" fill="none" stroke="#444" stroke-width="1.5" marker-end="url(#arrow)"/>\
                    <text x="\(endX - 12)" y="\(endY - 4)" text-anchor="end" fill="#333" stroke="#ffffff" stroke-width="3" paint-order="stroke">\(SVGText.escape(label))</text></g>

                    """
            }
        }
        for container in containers {
            guard let at = place[container.name] else { continue }
            let (fill, stroke) = colors(container.role)
            let kind =
                switch container.role {
                case .main: "main"
                case .sidecar: "sidecar"
                case .logRouter: "log router"
                }
            let health =
                container.hasHealthCheck ? "health checked" : (container.notifiesReadiness ? "says when ready" : "no health check")
            let detail = "\(kind)\(container.role == .logRouter ? " (starts first, stops last)" : "")\(container.essential ? ", essential" : ""); \(health)"
            svg += """
                <g class="process"><title>\(SVGText.escape(container.name)): \(SVGText.escape(detail))</title>\
                <rect x="\(at.x)" y="\(at.y)" width="\(boxWidth)" height="\(boxHeight)" rx="6" fill="\(fill)" stroke="\(stroke)" stroke-width="\(container.essential ? 2 : 1)"/>\
                <text x="\(at.x + 10)" y="\(at.y + 22)" font-size="14" font-weight="bold" fill="#111">\(SVGText.escape(SVGText.clip(container.name, 22)))</text>\
                <text x="\(at.x + 10)" y="\(at.y + 40)" fill="#333">\(SVGText.escape(SVGText.clip(kind, 30)))\(container.essential ? " · essential" : "")</text>\
                <text x="\(at.x + 10)" y="\(at.y + 56)" fill="#555">\(SVGText.escape(health))</text></g>

                """
        }
        svg += "</svg>\n"
        return svg
    }

    /// Each process's column: 0 when it waits for nothing, else one more than the furthest of what it
    /// waits for; members of a cycle stay where the walk found them.
    static func columnsByStartOrder(_ containers: [Container], known: Set<String>) -> [String: Int] {
        let byName = Dictionary(containers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var columns: [String: Int] = [:]
        var visiting = Set<String>()
        func column(_ name: String) -> Int {
            if let done = columns[name] { return done }
            guard !visiting.contains(name), let container = byName[name] else { return 0 }
            visiting.insert(name)
            var result = 0
            for dependency in container.dependsOn where known.contains(dependency.container) && dependency.container != name {
                if visiting.contains(dependency.container) { continue }
                result = max(result, column(dependency.container) + 1)
            }
            visiting.remove(name)
            columns[name] = result
            return result
        }
        for container in containers { _ = column(container.name) }
        return columns
    }

    static func edgeLabel(_ dependency: Dependency) -> String {
        let seconds = dependency.timeout ?? defaultDeadlineSeconds
        let deadline = seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
        return "\(dependency.condition.rawValue.lowercased()), up to \(deadline)\(dependency.timeout == nil ? " (default)" : "")"
    }

    static func description(_ service: Service) -> String {
        var parts: [String] = []
        for container in service.containers {
            let waits = container.dependsOn.map { "\($0.container) (\($0.condition.rawValue.lowercased()))" }
            parts.append(waits.isEmpty ? "\(container.name) waits for nothing" : "\(container.name) waits for \(waits.joined(separator: ", "))")
        }
        return parts.joined(separator: "; ")
    }

    static func colors(_ role: Container.Role) -> (String, String) {
        switch role {
        case .main: ("#dbeafe", "#1d4ed8")
        case .sidecar: ("#dcfce7", "#15803d")
        case .logRouter: ("#fef3c7", "#b45309")
        }
    }

}
