import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

// The supervisor's dependencies.
extension Supervisor {
    /// Nil when every dependency's condition holds; otherwise why it never will.
    func waitForDependencies(_ spec: ProcessSpec) async -> String? {
        let name = spec.name
        var dependencies = spec.container.dependsOn
        // Everything else starts once the log router has, so that no line is written before it can take it.
        if spec.container.role != .logRouter, let router = plan.service.logging?.router, !dependencies.contains(where: { $0.container == router }) {
            dependencies.insert(Dependency(container: router, condition: .start), at: 0)
        }
        if !dependencies.isEmpty {
            event(name, "waiting for \(dependencies.map { "\($0.container)->\($0.condition.rawValue.lowercased())" }.joined(separator: ", "))")
        }
        for dependency in dependencies {
            let timeout = dependency.timeout.map { Duration.nanoseconds(Int64($0 * 1e9)) } ?? options.dependencyTimeout
            let deadline = clock.now + timeout
            states[name]?.waitingFor = (dependency, deadline)
            states[name]?.mark(.waiting, "\(dependency.container) \(dependency.condition.rawValue.lowercased())")
            defer { states[name]?.waitingFor = nil }
            while true {
                if stopping { return "the unit is stopping" }
                guard let target = states[dependency.container] else { return "\(dependency.container) does not exist" }
                switch dependency.condition {
                case .start:
                    if target.everStarted { break }
                    if target.final { return "\(dependency.container) never started" }
                case .healthy:
                    if target.ready { break }
                    if target.final { return "\(dependency.container) ended before it was healthy" }
                case .complete:
                    if target.final && target.everStarted { break }
                    if target.final { return "\(dependency.container) never started" }
                case .success:
                    if target.final, let exit = target.lastExit {
                        if exit.succeeded { break }
                        return "dependency container \"\(dependency.container)\" exited with non-zero exit code \(exit.exitCode)"
                    }
                    if target.final { return "\(dependency.container) never started" }
                }
                let met: Bool = {
                    switch dependency.condition {
                    case .start: return target.everStarted
                    case .healthy: return target.ready
                    case .complete: return target.final && target.everStarted
                    case .success: return target.final && target.lastExit?.succeeded == true
                    }
                }()
                if met { break }
                if clock.now >= deadline {
                    return "waited \(Self.format(timeout)) for \(dependency.container) to be \(dependency.condition.rawValue.lowercased())"
                }
                await waitForChange(until: deadline, of: dependency.container)
            }
        }
        return nil
    }
}
