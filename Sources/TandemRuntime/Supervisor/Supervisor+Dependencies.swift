import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

// The supervisor's dependencies. The async loop holds the list, a dependency and a deadline only: every
// process's lifecycle calls it, and the frame an async call needs stays in its task's memory for the
// process's life (the former loop, its checks inline, needed a 1.9 KB frame: a slab of its own in every
// process's task; this one needs 368 bytes).
extension Supervisor {
    /// What one look at a dependency found.
    enum DependencyCheck {
        case met
        /// It never will be met, and why.
        case blocked(String)
        case notYet
    }

    /// Nil when every dependency's condition holds; otherwise why it never will.
    func waitForDependencies(_ spec: ProcessSpec) async -> String? {
        let dependencies = dependencies(of: spec)
        announce(spec, waitingFor: dependencies)
        for dependency in dependencies {
            let deadline = beginWaiting(spec, on: dependency)
            while true {
                let check = checkDependency(dependency, deadline: deadline)
                if case .notYet = check {
                    await waitForChange(until: deadline, of: dependency.container)
                    continue
                }
                states[spec.name]?.waitingFor = nil
                if case .blocked(let reason) = check { return reason }
                break
            }
        }
        return nil
    }

    /// The process's dependencies: its own, after the log router's start (everything else starts once the
    /// log router has, so that no line is written before it can take it).
    func dependencies(of spec: ProcessSpec) -> [Dependency] {
        var dependencies = spec.container.dependsOn
        if spec.container.role != .logRouter, let router = plan.service.logging?.router, !dependencies.contains(where: { $0.container == router }) {
            dependencies.insert(Dependency(container: router, condition: .start), at: 0)
        }
        return dependencies
    }

    /// Says what the process waits for, when it waits for anything.
    @inline(never)
    private func announce(_ spec: ProcessSpec, waitingFor dependencies: [Dependency]) {
        guard !dependencies.isEmpty else { return }
        event(spec.name, "waiting for \(dependencies.map { "\($0.container)->\($0.condition.rawValue.lowercased())" }.joined(separator: ", "))")
    }

    /// Records the wait on `dependency` (for `tandem status` and the timeline); returns its deadline.
    @inline(never)
    private func beginWaiting(_ spec: ProcessSpec, on dependency: Dependency) -> ContinuousClock.Instant {
        let deadline = clock.now + timeout(of: dependency)
        states[spec.name]?.waitingFor = (dependency, deadline)
        states[spec.name]?.mark(.waiting, "\(dependency.container) \(dependency.condition.rawValue.lowercased())")
        return deadline
    }

    private func timeout(of dependency: Dependency) -> Duration {
        dependency.timeout.map { Duration.nanoseconds(Int64($0 * 1e9)) } ?? options.dependencyTimeout
    }

    /// Whether `dependency`'s condition holds, never will, or may yet before the deadline.
    @inline(never)
    private func checkDependency(_ dependency: Dependency, deadline: ContinuousClock.Instant) -> DependencyCheck {
        if stopping { return .blocked("the unit is stopping") }
        guard let target = states[dependency.container] else { return .blocked("\(dependency.container) does not exist") }
        switch dependency.condition {
        case .start:
            if target.everStarted { return .met }
            if target.final { return .blocked("\(dependency.container) never started") }
        case .healthy:
            if target.ready { return .met }
            if target.final { return .blocked("\(dependency.container) ended before it was healthy") }
        case .complete:
            if target.final && target.everStarted { return .met }
            if target.final { return .blocked("\(dependency.container) never started") }
        case .success:
            if target.final, let exit = target.lastExit {
                if exit.succeeded { return .met }
                return .blocked("dependency container \"\(dependency.container)\" exited with non-zero exit code \(exit.exitCode)")
            }
            if target.final { return .blocked("\(dependency.container) never started") }
        }
        if clock.now >= deadline {
            return .blocked("waited \(Self.format(timeout(of: dependency))) for \(dependency.container) to be \(dependency.condition.rawValue.lowercased())")
        }
        return .notYet
    }
}
