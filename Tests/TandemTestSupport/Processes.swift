import Foundation

/// Dead: gone, or a zombie (a test process does not reap orphans re-parented to it; `tandem run` does,
/// and its own tests check that they are reaped). Polls every 10 ms for up to `within`.
public func processIsGone(_ pid: pid_t, within: Duration = .seconds(2)) async -> Bool {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        if stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return false
}

/// Waits for a `Process` to end without holding a thread of the cooperative pool (which has one thread
/// per core: a test blocked in `waitUntilExit` there starves every other test's tasks).
public func exited(_ process: Process) async {
    while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
    process.waitUntilExit()
}
