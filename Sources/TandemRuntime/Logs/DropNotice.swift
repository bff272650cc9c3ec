/// When a sink that drops lines rather than block says so: at the first drop, then at most every 5 s while
/// more are dropped. Shared by the log router's sink and the built-in destinations.
struct DropNotice {
    private var reported = 0
    private var last: ContinuousClock.Instant?

    /// Whether `dropped` (the count so far) is to be reported now; when it is, it counts as reported.
    mutating func isDue(dropped: Int, now: ContinuousClock.Instant = .now) -> Bool {
        guard dropped > reported, last.map({ now - $0 >= .seconds(5) }) ?? true else { return false }
        reported = dropped
        last = now
        return true
    }

    /// `SUBJECT: N lines dropped so far (REASON)`.
    static func text(_ subject: String, dropped: Int, reason: String) -> String {
        "\(subject): \(dropped) line\(dropped == 1 ? "" : "s") dropped so far (\(reason))"
    }
}
