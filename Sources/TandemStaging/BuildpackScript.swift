import Foundation
import Synchronization
import TandemRuntime

/// One run of a buildpack script (`bin/detect`, `bin/supply`, ...): in a session of its own, its output
/// streamed line by line as `cf push` shows staging output (or captured, for detect and release), ended
/// with its whole process group when it outlives its time limit.
struct BuildpackScript: Sendable {
    var buildpack: String
    /// `bin/supply`, ...: how messages name it.
    var name: String
    var path: String
    var arguments: [String]
    var environment: [String: String]
    var directory: String

    /// How it ended: its exit status, or that it was stopped at its time limit.
    enum Ending: Sendable, Equatable {
        case exited(TerminationStatus)
        case timedOut(Duration)
    }

    struct Outcome: Sendable {
        var ending: Ending
        /// Standard output, when it was captured instead of shown.
        var captured: String
    }

    /// Runs it to its end. `show` takes each line of its standard output (unless `capture`) and of its
    /// standard error, with whether it came from standard error.
    func run(
        timeLimit: Duration, capture: Bool, interruption: StagingInterruption, show: @escaping @Sendable (String, Bool) -> Void
    ) async throws -> Outcome {
        let request = SpawnRequest(arguments: [path] + arguments, environment: environment, directory: directory)
        let process: SpawnedProcess
        do {
            process = try PosixSpawner().spawn(request, withInput: false)
        } catch {
            throw StagingError(.input, "\(buildpack): \(name): \(error)")
        }
        interruption.started(process)
        defer { interruption.ended() }
        let output = PipeReader(process.output, capture: capture) { show($0, false) }
        let errors = PipeReader(process.error, capture: false) { show($0, true) }
        let fired = Mutex(false)
        let timer = Task {
            try await Task.sleep(for: timeLimit)
            fired.withLock { $0 = true }
            process.signalGroup(SIGTERM)
            try await Task.sleep(for: .seconds(2))
            process.signalGroup(SIGKILL)
        }
        let status = await process.exit()
        timer.cancel()
        // What it left running goes with it, in its group or detached (the stager is their subreaper):
        // a script's helpers are not part of the droplet, as a staging container's end ends them.
        process.signalGroup(SIGKILL)
        LeftoverProcesses.end()
        if let signal = interruption.signal {
            throw StagingError(.interrupted, "interrupted (signal \(signal)) while \(name) of \(buildpack) ran; it was stopped")
        }
        // A daemon in a session of its own may hold the pipes open: read what is there, then stop waiting.
        let captured = await output.finish(within: .seconds(1))
        _ = await errors.finish(within: .seconds(1))
        return Outcome(ending: fired.withLock { $0 } ? .timedOut(timeLimit) : .exited(status), captured: captured)
    }
}

/// A staging told to stop (SIGINT, SIGTERM): the script that runs is stopped as at its time limit, and
/// the staging ends without writing anything.
public final class StagingInterruption: Sendable {
    private struct State {
        var running: SpawnedProcess?
        var signal: Int32?
    }

    private let state = Mutex(State())

    public init() {}

    /// The signal that interrupted the staging, if one did.
    public var signal: Int32? { state.withLock { $0.signal } }

    /// Stops the running script (SIGTERM to its group, SIGKILL two seconds later) and every later step.
    public func interrupt(_ signal: Int32) {
        let running = state.withLock { state -> SpawnedProcess? in
            guard state.signal == nil else { return nil }
            state.signal = signal
            return state.running
        }
        guard let running else { return }
        running.signalGroup(SIGTERM)
        Task {
            try await Task.sleep(for: .seconds(2))
            running.signalGroup(SIGKILL)
        }
    }

    func started(_ process: SpawnedProcess) {
        let stopNow = state.withLock { state -> Bool in
            state.running = process
            return state.signal != nil
        }
        if stopNow { process.signalGroup(SIGKILL) }
    }

    func ended() { state.withLock { $0.running = nil } }

    func check() throws {
        if let signal { throw StagingError(.interrupted, "interrupted (signal \(signal))") }
    }
}

/// Reads one pipe on a thread of its own until its end, line by line.
final class PipeReader: Sendable {
    private struct State {
        var captured: [UInt8] = []
        var ended = false
        var abandoned = false
    }

    private let state = Mutex(State())
    private let descriptor: Int32

    init(_ descriptor: Int32, capture: Bool, line: @escaping @Sendable (String) -> Void) {
        self.descriptor = descriptor
        let thread = Thread { [self] in
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { break }
                if state.withLock({ $0.abandoned }) { break }
                if capture {
                    state.withLock { $0.captured += buffer[0..<got] }
                    continue
                }
                pending += buffer[0..<got]
                while let newline = pending.firstIndex(of: 0x0A) {
                    line(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
            if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
            close(descriptor)
            state.withLock { $0.ended = true }
        }
        thread.start()
    }

    /// Waits for the end of the pipe, at most `within`; returns what was captured.
    func finish(within limit: Duration) async -> String {
        let deadline = ContinuousClock.now + limit
        while !state.withLock({ $0.ended }) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return state.withLock { state in
            state.abandoned = true
            return String(decoding: state.captured, as: UTF8.self)
        }
    }
}
