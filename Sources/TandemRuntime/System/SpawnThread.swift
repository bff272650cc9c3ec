import Dispatch
import Glibc
import Synchronization

/// The one thread that forks every child. Linux sends the parent-death signal when the *thread* that
/// created a child ends, not the process; Dispatch and Swift concurrency retire idle threads, which would
/// kill children started from them. This thread lives as long as the process.
final class SpawnThread: Sendable {
    static let shared = SpawnThread()

    private let queue = Mutex<[@Sendable () -> Void]>([])
    private let ready = DispatchSemaphore(value: 0)

    private init() {
        startThread(named: "tandem-spawn") { [self] in loop() }
    }

    /// Runs `work` on the spawning thread and returns its result; the caller waits (a spawn is quick).
    func run<Result: Sendable>(_ work: @escaping @Sendable () -> Result) -> Result {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result?>(nil)
        queue.withLock {
            $0.append {
                let value = work()
                result.withLock { $0 = value }
                done.signal()
            }
        }
        ready.signal()
        done.wait()
        return result.withLock { $0! }
    }

    private func loop() {
        while true {
            ready.wait()
            let jobs = queue.withLock { jobs -> [@Sendable () -> Void] in
                defer { jobs.removeAll() }
                return jobs
            }
            for job in jobs { job() }
        }
    }
}
