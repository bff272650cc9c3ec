import Foundation
import Testing

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
/// per core: a test blocked in `waitUntilExit` there starves every other test's tasks). A process still
/// running after `limit` is a hang: the test fails with what each process of its tree was doing, and the
/// tree is killed, so that one stuck process never stalls the whole run.
public func exited(_ process: Process, within limit: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation) async {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
        if ContinuousClock.now >= deadline {
            endHung(process, after: limit, sourceLocation: sourceLocation)
            break
        }
        try? await Task.sleep(for: .milliseconds(5))
    }
    process.waitUntilExit()
}

/// `exited` for a thread that may block (not one of the cooperative pool's).
public func exitedBlocking(_ process: Process, within limit: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation) {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
        if ContinuousClock.now >= deadline {
            endHung(process, after: limit, sourceLocation: sourceLocation)
            break
        }
        usleep(2000)
    }
    process.waitUntilExit()
}

private func endHung(_ process: Process, after limit: Duration, sourceLocation: SourceLocation) {
    let root = process.processIdentifier
    let tree = [root] + descendants(of: root)
    let described = tree.map(describe).joined(separator: "\n")
    Issue.record(
        "\(process.executableURL?.lastPathComponent ?? "process") \(process.arguments ?? []) still running after \(limit); killed. Its processes:\n\(described)",
        sourceLocation: sourceLocation)
    for pid in tree { kill(pid, SIGKILL) }
}

/// Every descendant of `root` still parented in its tree, found through /proc.
public func descendants(of root: pid_t) -> [pid_t] {
    var parents: [pid_t: [pid_t]] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
            let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 1, let parent = pid_t(fields[1])
        else { continue }
        parents[parent, default: []].append(pid)
    }
    var found: [pid_t] = []
    var queue = [root]
    while let next = queue.popLast() {
        for child in parents[next] ?? [] {
            found.append(child)
            queue.append(child)
        }
    }
    return found
}

/// A process and each of its threads with the kernel function it waits in.
private func describe(_ pid: pid_t) -> String {
    func read(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "?").replacingOccurrences(of: "\0", with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
    }
    var lines = [
        "pid \(pid) [\(read("/proc/\(pid)/stat").split(separator: ")").last?.split(separator: " ").first ?? "?")] \(read("/proc/\(pid)/cmdline").prefix(160))"
    ]
    for task in ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).sorted() {
        lines.append("  thread \(task) \(read("/proc/\(pid)/task/\(task)/comm")): \(read("/proc/\(pid)/task/\(task)/wchan"))")
    }
    return lines.joined(separator: "\n")
}

/// For a test that reads a process's output to its end: if the process is still running after `limit`,
/// the test fails with what its processes were doing and they are killed (which ends the read).
public func endIfHung(_ process: Process, within limit: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation) {
    let pid = process.processIdentifier
    let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) * 1e-18
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
        guard process.isRunning, process.processIdentifier == pid else { return }
        endHung(process, after: limit, sourceLocation: sourceLocation)
    }
}

/// Runs `process` (configured, not started) to its end without holding a thread of the cooperative
/// pool: its exit status and what it printed. Output goes through files, not pipes, so neither stream can
/// fill and stall it and nothing needs draining; a run past `limit` fails the test as a hang (see `exited`).
public func runCaptured(
    _ process: Process, within limit: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let folder = NSTemporaryDirectory() + "tandem-output-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for name in ["out", "err"] { _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: nil) }
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/out"))
    let error = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/err"))
    process.standardOutput = output
    process.standardError = error
    try process.run()
    await exited(process, within: limit, sourceLocation: sourceLocation)
    try output.close()
    try error.close()
    let stdout = try String(contentsOfFile: folder + "/out", encoding: .utf8)
    let stderr = try String(contentsOfFile: folder + "/err", encoding: .utf8)
    return (process.terminationStatus, stdout, stderr)
}

/// Runs a tool (xmllint, diff, python3, ...) with `runCaptured`.
public func runTool(
    _ executable: String, _ arguments: [String], within limit: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    return try await runCaptured(process, within: limit, sourceLocation: sourceLocation)
}
