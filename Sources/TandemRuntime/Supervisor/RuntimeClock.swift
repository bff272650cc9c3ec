/// The time the supervisor's timing logic runs on: dependency deadlines, probe periods and thresholds,
/// restart backoff, grace periods, memory polling. The real one is the continuous clock; tests pass a
/// clock they move by hand, so that "killed after the third failure, 30 s in" is checked exactly and at once.
public protocol RuntimeClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline`, or throws `CancellationError` when the task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

extension RuntimeClock {
    func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}

public struct SystemClock: RuntimeClock {
    public init() {}

    public var now: ContinuousClock.Instant { ContinuousClock.now }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }
}
