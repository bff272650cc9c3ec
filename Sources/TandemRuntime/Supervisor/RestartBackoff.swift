import TandemCore

/// When to restart a process that ended: at once the first time, then exponential backoff with a cap
/// and jitter, reset after a stable run, within a budget of restarts per window. Pure arithmetic, so it
/// is tested without a clock.
public struct RestartBackoff: Sendable, Hashable {
    public var initial: Duration
    public var multiplier: Double
    public var cap: Duration
    /// ± this fraction of the delay, so that processes crashing together do not restart together.
    public var jitter: Double
    /// A run at least this long resets the backoff to `initial`.
    public var resetAfter: Duration
    /// At most this many restarts within `window`; past it the process is given up.
    public var budget: Int
    public var window: Duration

    public init(
        initial: Duration = .milliseconds(100), multiplier: Double = 2, cap: Duration = .seconds(30), jitter: Double = 0.1,
        resetAfter: Duration = .seconds(1), budget: Int = 10, window: Duration = .seconds(60)
    ) {
        self.initial = initial
        self.multiplier = multiplier
        self.cap = cap
        self.jitter = jitter
        self.resetAfter = resetAfter
        self.budget = budget
        self.window = window
    }

    /// The delay before restart number `attempt` (0 for the first since the last reset, which is
    /// immediate); `random` is in 0..<1 and chooses the jitter.
    public func delay(attempt: Int, random: Double) -> Duration {
        guard attempt > 0 else { return .zero }
        let base = initial.inSeconds
        let capSeconds = cap.inSeconds
        var seconds = base
        for _ in 1..<max(1, attempt) {
            seconds *= multiplier
            if seconds >= capSeconds { break }
        }
        seconds = min(seconds, capSeconds)
        seconds *= 1 + jitter * (2 * random - 1)
        return .nanoseconds(Int64((max(0, seconds) * 1e9).rounded()))
    }

    /// The attempt number after a run of `lastRun`: back to 0 when the run was stable.
    public func nextAttempt(after previous: Int, lastRun: Duration) -> Int {
        lastRun >= resetAfter ? 0 : previous + 1
    }

    /// Whether one more restart fits in the budget, given the times of earlier restarts.
    public func allows(restartAt now: ContinuousClock.Instant, earlier: [ContinuousClock.Instant]) -> Bool {
        earlier.filter { now - $0 < window }.count < budget
    }

    /// These rules with a process's own restart limit over them.
    public func applying(_ limit: RestartLimit?) -> RestartBackoff {
        var result = self
        if let restarts = limit?.restarts { result.budget = restarts }
        if let window = limit?.window { result.window = .nanoseconds(Int64(window * 1e9)) }
        if let cap = limit?.backoffMax { result.cap = .nanoseconds(Int64(cap * 1e9)) }
        return result
    }
}
