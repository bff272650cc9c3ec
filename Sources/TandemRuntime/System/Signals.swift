import CTandemSystem
import Glibc

/// The signals a unit's supervisor takes, as tini and dumb-init take them: SIGTERM and SIGINT stop the unit
/// in order; the others that can be caught are passed on to the processes that want them (main processes
/// by default); SIGTTIN and SIGTTOU are ignored; none ends the supervisor.
enum UnitSignals {
    static let stopping: Set<Int32> = [SIGTERM, SIGINT]

    /// Names without `SIG`, as manifests write them, and their numbers here.
    static let numbers: [String: Int32] = [
        "HUP": SIGHUP, "QUIT": SIGQUIT, "USR1": SIGUSR1, "USR2": SIGUSR2, "ALRM": SIGALRM, "WINCH": SIGWINCH, "CONT": SIGCONT,
        "TSTP": SIGTSTP, "URG": SIGURG, "PWR": SIGPWR, "VTALRM": SIGVTALRM, "PROF": SIGPROF, "IO": SIGIO, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ,
        "STKFLT": SIGSTKFLT,
    ]

    static func name(_ number: Int32) -> String {
        if let name = numbers.first(where: { $0.value == number })?.key { return "SIG" + name }
        if number == SIGTERM { return "SIGTERM" }
        if number == SIGINT { return "SIGINT" }
        return "signal \(number)"
    }

    /// From now on no catchable signal ends this process: each is handed to `handle`, in order, on a thread
    /// of its own (a handler writes its number to a pipe; the thread reads it).
    static func take(_ handle: @escaping @Sendable (Int32) -> Void) {
        var pipe: [Int32] = [-1, -1]
        guard tandem_pipe(&pipe) == 0 else { return }
        // The handler never blocks: a full pipe (a burst of thousands of signals) drops the rest, as the
        // kernel would merge them.
        _ = fcntl(pipe[1], F_SETFL, fcntl(pipe[1], F_GETFL) | O_NONBLOCK)
        _ = tandem_relay_signals(pipe[1])
        let reader = pipe[0]
        startThread(named: "tandem-signals") {
            var byte: UInt8 = 0
            while true {
                let count = read(reader, &byte, 1)
                if count == 1 { handle(Int32(byte)) } else if count < 0 && errno == EINTR { continue } else if count == 0 { return }
            }
        }
    }
}
