import TandemTestSupport
import Testing

@testable import TandemCore

@Suite struct ServiceValidatorTests {
    func service(_ containers: [Container]) -> Service { Service(name: "svc", containers: containers) }

    func messages(_ service: Service) -> [String] {
        ServiceValidator().validate(service, file: "f").map(\.message).sorted()
    }

    @Test func dependencyOnMissingContainer() {
        let app = Container(name: "app", role: .main, dependsOn: [Dependency(container: "ghost", condition: .start)])
        #expect(messages(service([app])) == ["container ghost does not exist"])
    }

    @Test func selfDependency() {
        let app = Container(name: "app", role: .main, dependsOn: [Dependency(container: "app", condition: .start)])
        #expect(messages(service([app])) == ["container app cannot depend on itself"])
    }

    @Test func cycleListsSortedMembersOnce() {
        let a = Container(name: "gamma", dependsOn: [Dependency(container: "alpha", condition: .start)])
        let b = Container(name: "alpha", dependsOn: [Dependency(container: "beta", condition: .start)])
        let c = Container(name: "beta", dependsOn: [Dependency(container: "gamma", condition: .start)])
        #expect(messages(service([a, b, c])) == ["circular container dependency chain includes the following containers: [alpha beta gamma]"])
    }

    @Test func essentialTargetsTakeOnlyStartOrHealthy() {
        let app = Container(name: "app", role: .main, essential: true)
        let init1 = Container(name: "init", essential: false)
        let side = Container(
            name: "side", dependsOn: [Dependency(container: "app", condition: .complete), Dependency(container: "init", condition: .success)],
            essential: false)
        #expect(messages(service([app, init1, side])) == ["essential container app can only have status START or HEALTHY"])
    }

    @Test func healthyNeedsAHealthCheck() {
        let app = Container(name: "app", role: .main)
        let side = Container(name: "side", dependsOn: [Dependency(container: "app", condition: .healthy)])
        #expect(messages(service([app, side])) == ["container app has no health check, so the HEALTHY condition can never be met"])
        var checked = app
        checked.probes.readiness = Probe(action: .tcp(port: .number(80)))
        #expect(messages(service([checked, side])).isEmpty)
    }

    @Test func portsBelongToOneContainer() {
        let app = Container(name: "a", role: .main, ports: [Port(containerPort: .number(80))])
        let other = Container(name: "b", ports: [Port(containerPort: .number(80))])
        #expect(messages(service([app, other])) == ["containers \"a\" and \"b\" are exposing the same port 80"])
        let both = Container(name: "a", role: .main, ports: [Port(containerPort: .number(53)), Port(containerPort: .number(53), transport: .udp)])
        #expect(messages(service([both])) == ["container \"a\" is exposing the same port 53 with protocol TCP and UDP"])
    }

    @Test func mountsNeedDeclaredVolumes() {
        let app = Container(name: "a", role: .main, mounts: [Mount(volume: "data", path: "/data")])
        #expect(messages(service([app])) == ["volume \"data\" is not declared, so it cannot be mounted"])
    }

    @Test func configFileNamesCannotEscape() {
        var svc = service([Container(name: "a", role: .main)])
        svc.configMaps = [ConfigMap(name: "c", files: [ConfigFile(name: "../etc/passwd", content: "")])]
        #expect(messages(svc) == ["config file name \"../etc/passwd\" must be a plain file name, without \"/\" or \"..\""])
    }

    @Test func probeThresholdsFollowKubernetes() {
        var app = Container(name: "a", role: .main)
        app.probes.liveness = Probe(action: .exec(["true"]), successThreshold: 2)
        app.probes.readiness = Probe(action: .exec(["true"]), successThreshold: 2, failureThreshold: 0)
        #expect(messages(service([app])) == ["the failure threshold must be at least 1", "the success threshold of a liveness probe must be 1"])
    }

    @Test func trafficTargetMustExposeAPort() {
        var svc = service([Container(name: "a", role: .main), Container(name: "proxy")])
        svc.trafficTarget = TrafficTarget(container: "proxy")
        #expect(messages(svc) == ["target container \"proxy\" doesn't expose a port"])
        svc.trafficTarget = TrafficTarget(container: "nope")
        #expect(messages(svc) == ["target container \"nope\" doesn't exist"])
    }

    @Test func diagnosticsPrintCompilerStyle() {
        let located = Diagnostic(.error, file: "a.yml", line: 3, column: 7, path: "sidecars.nginx.port", message: "bad")
        #expect(located.description == "a.yml:3:7: error: sidecars.nginx.port: bad")
        let whole = Diagnostic(.warning, file: "a.yml", path: "", message: "empty")
        #expect(whole.description == "a.yml: warning: empty")
    }

    @Test func diagnosticsAreOrderedAndUnique() {
        let late = Diagnostic(.error, file: "a", line: 9, column: 1, path: "", message: "z")
        let early = Diagnostic(.warning, file: "a", line: 2, column: 5, path: "", message: "y")
        let other = Diagnostic(.error, file: "0", line: 50, column: 1, path: "", message: "x")
        #expect(Diagnostic.ordered([late, early, late, other]) == [other, early, late])
    }
}

@Suite struct DependencyGraphTests {
    /// Property: for random acyclic graphs, the start order puts every dependency before its dependent,
    /// and every container appears exactly once.
    @Test(arguments: 0..<200)
    func startOrderRespectsDependencies(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let count = Int(random.next() % 12) + 1
        var containers: [Container] = []
        for index in 0..<count {
            var container = Container(name: "c\(index)")
            // Only edges to lower indices, so the graph is acyclic; declaration order is then shuffled.
            for target in 0..<index where random.next() % 3 == 0 {
                container.dependsOn.append(Dependency(container: "c\(target)", condition: .start))
            }
            containers.append(container)
        }
        for index in containers.indices.reversed() {
            let other = Int(random.next() % UInt64(index + 1))
            containers.swapAt(index, other)
        }
        let graph = DependencyGraph(Service(name: "s", containers: containers))
        #expect(graph.cycles().isEmpty)
        let order = graph.startOrder() ?? []
        #expect(order.count == count && Set(order).count == count)
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for container in containers {
            for dependency in container.dependsOn {
                #expect(position[dependency.container]! < position[container.name]!)
            }
        }
    }

    @Test func cyclicGraphHasNoStartOrder() {
        let a = Container(name: "a", dependsOn: [Dependency(container: "b", condition: .start)])
        let b = Container(name: "b", dependsOn: [Dependency(container: "a", condition: .start)])
        let graph = DependencyGraph(Service(name: "s", containers: [a, b]))
        #expect(graph.startOrder() == nil)
        #expect(graph.cycles() == [["a", "b"]])
    }
}
