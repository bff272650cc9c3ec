import CTandemSystem
import Dispatch
import Glibc
import Synchronization
import TandemCore

// The supervisor's shutdown.
extension Supervisor {
    func shutdown(deadline: ContinuousClock.Instant) async {
        let order = DependencyGraph(plan.service).startOrder() ?? plan.processes.map(\.container.name)
        let phases: [[String]] = [[.main], [.sidecar], [.logRouter]].map { (roles: [Container.Role]) in
            order.reversed().filter { name in container(name).map { roles.contains($0.role) } ?? false }
        }
        for (index, phase) in phases.enumerated() {
            // Every phase fits inside the stop timeout: each later phase that has a running process keeps
            // the longest grace of its processes, up to a fifth of the timeout.
            let reserve = phases[(index + 1)...].reduce(Duration.zero) { total, later in
                let running = later.filter { states[$0]?.running == true }
                guard !running.isEmpty else { return total }
                let longest = running.map(grace(of:)).max() ?? .zero
                return total + min(longest, options.stopDeadline / 5)
            }
            let phaseDeadline = max(min(deadline, deadline - reserve), clock.now)
            // Within a phase: a process stops once every process of the phase that depends on it has
            // stopped; the levels come from one count of dependents per process (linear in the phase).
            var announced = Set<String>()
            for batch in Self.stopLevels(phase, dependsOn: { self.container($0)?.dependsOn.map(\.container) ?? [] }) {
                if index == phases.count - 1, let router, batch.contains(where: { container($0)?.role == .logRouter }) {
                    // The router gets what is still held for it before it is asked to stop.
                    let left = max(phaseDeadline - clock.now - .milliseconds(500), .zero)
                    await withCheckedContinuation { continuation in
                        DispatchQueue.global().async {
                            router.drain(within: left)
                            continuation.resume()
                        }
                    }
                    // Then the end of its input, which a router (cat, fluent-bit's stdin, s6-log) ends on
                    // once it has written everything out: SIGTERM only if it is still running after a second,
                    // since a signal while the last lines sit unread in its pipe would lose them.
                    let routers = batch.filter { container($0)?.role == .logRouter && states[$0]?.running == true }
                    for name in routers {
                        states[name]?.stopRequested = true
                        event(name, "stopping")
                        announced.insert(name)
                    }
                    router.detach()
                    for name in routers {
                        await waitUntil(min(clock.now + .seconds(1), phaseDeadline), of: name) { self.states[name]?.running != true }
                    }
                }
                // Every process of the level is asked first, in one loop, and only then is its "stopping"
                // written (500 processes get their SIGTERM within about a millisecond, not one per event);
                // both loops run without a suspension, so no "stopped" can come before its "stopping".
                let asked = clock.now
                var signaled: [String] = []
                for name in batch {
                    guard let process = states[name]?.process, states[name]?.running == true else { continue }
                    states[name]?.stopRequested = true
                    process.signalGroup(SIGTERM)
                    signaled.append(name)
                }
                for name in signaled where !announced.contains(name) { event(name, "stopping") }
                await stopLevel(signaled, deadline: phaseDeadline, askedAt: asked)
            }
        }
        // Anything left (a process group that outlived its leader) goes now.
        for state in states.values { state.process?.signalGroup(SIGKILL) }
    }

    /// The order to stop `names` in: first those nothing in `names` depends on, then those only they
    /// depend on, and so on (Kahn's algorithm over the reversed edges); a cycle's members come last, together.
    static func stopLevels(_ names: [String], dependsOn: (String) -> [String]) -> [[String]] {
        let members = Set(names)
        var dependents: [String: Int] = [:]
        var dependencies: [String: [String]] = [:]
        for name in names {
            let inPhase = dependsOn(name).filter { members.contains($0) && $0 != name }
            dependencies[name] = inPhase
            for dependency in inPhase { dependents[dependency, default: 0] += 1 }
        }
        var levels: [[String]] = []
        var current = names.filter { (dependents[$0] ?? 0) == 0 }
        var placed = Set<String>()
        while !current.isEmpty {
            levels.append(current)
            placed.formUnion(current)
            var next: [String] = []
            for name in current {
                for dependency in dependencies[name] ?? [] {
                    dependents[dependency, default: 0] -= 1
                    if dependents[dependency] == 0 { next.append(dependency) }
                }
            }
            // Keep the phase's order within a level.
            let nextSet = Set(next)
            current = names.filter { nextSet.contains($0) && !placed.contains($0) }
        }
        let left = names.filter { !placed.contains($0) }
        if !left.isEmpty { levels.append(left) }
        return levels
    }

    func grace(of name: String) -> Duration {
        container(name)?.stopGracePeriod.map { Duration.nanoseconds(Int64($0 * 1e9)) } ?? options.stopGrace
    }

    /// Waits for a level's processes to stop after their SIGTERM (sent at `asked`), and kills each one
    /// whose grace (or the phase's deadline) passes first, then waits for it 5 s more at most. The level
    /// waits as one (`waitForEnds`), woken when its last process ends or at the next deadline.
    func stopLevel(_ names: [String], deadline: ContinuousClock.Instant, askedAt asked: ContinuousClock.Instant) async {
        var killAt: [String: ContinuousClock.Instant] = [:]
        for name in names { killAt[name] = min(asked + grace(of: name), deadline) }
        var killed = Set<String>()
        var pending = Set(names)
        while true {
            pending = pending.filter { states[$0]?.running == true }
            guard let next = pending.compactMap({ killAt[$0] }).min() else { return }
            let now = clock.now
            if now < next {
                await waitForEnds(of: pending, until: next)
                continue
            }
            for name in pending where (killAt[name] ?? now) <= now {
                guard !killed.contains(name) else {
                    // Killed 5 s ago and not reaped yet: its end is recorded when it comes; the stop goes on.
                    pending.remove(name)
                    continue
                }
                let grace = grace(of: name)
                let waited = (killAt[name] ?? now) - asked
                event(name, "did not stop within \(Self.format(waited))\(waited < grace ? " (what the unit's stop timeout left of its grace)" : ""): killing")
                states[name]?.process?.signalGroup(SIGKILL)
                killed.insert(name)
                killAt[name] = now + .seconds(5)
            }
        }
    }
}
