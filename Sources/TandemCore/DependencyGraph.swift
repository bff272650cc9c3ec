/// The start-order graph of a service: an edge from each container to the containers it depends on.
public struct DependencyGraph: Sendable {
    public let names: [String]
    public let edges: [String: [String]]

    public init(_ service: Service) {
        names = service.containers.map(\.name)
        let known = Set(names)
        var edges: [String: [String]] = [:]
        for container in service.containers {
            edges[container.name] = container.dependsOn.map(\.container).filter { known.contains($0) && $0 != container.name }
        }
        self.edges = edges
    }

    /// Each cycle once, as its sorted member names (Copilot's message lists them sorted), in a stable order.
    public func cycles() -> [[String]] {
        // Tarjan's strongly connected components; every component with more than one member is a cycle.
        var index = 0
        var indices: [String: Int] = [:]
        var lowLinks: [String: Int] = [:]
        var onStack = Set<String>()
        var stack: [String] = []
        var components: [[String]] = []

        func connect(_ node: String) {
            indices[node] = index
            lowLinks[node] = index
            index += 1
            stack.append(node)
            onStack.insert(node)
            for next in edges[node] ?? [] {
                if indices[next] == nil {
                    connect(next)
                    lowLinks[node] = min(lowLinks[node]!, lowLinks[next]!)
                } else if onStack.contains(next) {
                    lowLinks[node] = min(lowLinks[node]!, indices[next]!)
                }
            }
            if lowLinks[node] == indices[node] {
                var component: [String] = []
                while let member = stack.popLast() {
                    onStack.remove(member)
                    component.append(member)
                    if member == node { break }
                }
                if component.count > 1 { components.append(component.sorted()) }
            }
        }
        for name in names where indices[name] == nil { connect(name) }
        return components.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// A start order where every container comes after its dependencies (ties keep declaration order),
    /// or nil when the graph has a cycle.
    public func startOrder() -> [String]? {
        var remaining = names
        var placed = Set<String>()
        var order: [String] = []
        while !remaining.isEmpty {
            guard let next = remaining.firstIndex(where: { (edges[$0] ?? []).allSatisfy(placed.contains) }) else { return nil }
            let name = remaining.remove(at: next)
            placed.insert(name)
            order.append(name)
        }
        return order
    }
}
