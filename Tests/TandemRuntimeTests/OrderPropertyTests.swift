import Foundation
import TandemCore
import TandemTestSupport
import Testing

@testable import TandemRuntime

/// For random dependency graphs run on real processes, the recorded events respect the order: a process
/// starts only after everything it depends on has started, and at shutdown it has ended before anything
/// it depends on is asked to stop; the main process stops before any sidecar.
@Suite(.timeLimit(.minutes(1))) struct OrderPropertyTests {
    /// Sidecars s0...sN-1; each depends on a random subset of the ones before it (so the graph is acyclic).
    static func graph(seed: UInt64) -> [String: [String]] {
        var random = SplitMix(seed: seed)
        let count = Int.random(in: 3...9, using: &random)
        var edges: [String: [String]] = [:]
        for index in 0..<count {
            edges["s\(index)"] = (0..<index).filter { _ in Int.random(in: 0..<3, using: &random) == 0 }.map { "s\($0)" }
        }
        return edges
    }

    static func manifest(_ edges: [String: [String]]) -> String {
        var text = "name: app\ncommand: \"exec sleep 30\"\nsidecars:\n"
        for name in edges.keys.sorted() {
            text += "  \(name):\n    command: \"exec sleep 30\"\n"
            if let dependencies = edges[name], !dependencies.isEmpty {
                text += "    depends_on:\n" + dependencies.map { "      \($0): start\n" }.joined()
            }
        }
        return text
    }

    @Test(arguments: [UInt64](1...8))
    func startsAndStopsRespectTheGraph(seed: UInt64) async throws {
        let edges = Self.graph(seed: seed)
        let (_, sink) = try await runUnit(Self.manifest(edges), stopAfter: .milliseconds(500))
        let list = events(sink)
        func position(_ event: String) throws -> Int {
            try #require(index(of: event, in: list), "seed \(seed): no \"\(event)\" in \(list)")
        }
        for (name, dependencies) in edges {
            for dependency in dependencies {
                #expect(try position("\(dependency): started") < position("\(name): started"), "seed \(seed): \(name) -> \(dependency)")
                // The dependent has ended before its dependency is asked to stop.
                #expect(try position("\(name): stopped (SIGTERM)") < position("\(dependency): stopping"), "seed \(seed): \(name) -> \(dependency)")
            }
            #expect(try position("app: stopped (SIGTERM)") < position("\(name): stopping"), "seed \(seed)")
        }
    }

    /// The property says something only if the graphs have edges, chains among them.
    @Test func theGraphsAreNotTrivial() {
        let graphs = (1...8).map { Self.graph(seed: UInt64($0)) }
        let edges = graphs.map { $0.values.map(\.count).reduce(0, +) }
        #expect(edges.reduce(0, +) >= 16, "\(edges)")
        #expect(graphs.contains { graph in graph.contains { name, dependencies in dependencies.contains { !(graph[$0] ?? []).isEmpty } } })
    }
}

/// The shutdown's levels: a process stops after every process of its phase that depends on it, in one
/// pass over the dependencies (what made a stop of 500 processes take a second took it 53 ms after).
@Suite struct StopLevelTests {
    @Test func levelsFollowDependents() {
        let edges: [String: [String]] = ["web": [], "proxy": ["web"], "agent": ["proxy", "web"], "metrics": []]
        let levels = Supervisor.stopLevels(["web", "proxy", "agent", "metrics"]) { edges[$0] ?? [] }
        #expect(levels == [["agent", "metrics"], ["proxy"], ["web"]])
    }

    @Test func dependenciesOutsideThePhaseAndCyclesDoNotBlock() {
        let edges: [String: [String]] = ["a": ["b"], "b": ["a"], "c": ["outside"], "d": ["d"]]
        let levels = Supervisor.stopLevels(["a", "b", "c", "d"]) { edges[$0] ?? [] }
        #expect(levels == [["c", "d"], ["a", "b"]])
    }

    @Test func fiveHundredIndependentProcessesStopTogether() {
        let names = (0..<500).map { "p\($0)" }
        #expect(Supervisor.stopLevels(names) { _ in [] } == [names])
        // A chain of 500 gives 500 levels, in reverse order.
        let chain = Supervisor.stopLevels(names) { name in
            let index = Int(name.dropFirst())!
            return index == 0 ? [] : ["p\(index - 1)"]
        }
        #expect(chain.map(\.first!) == names.reversed())
    }
}
