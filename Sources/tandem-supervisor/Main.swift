import Glibc
import TandemRuntime

/// The supervising process of `tandem run`, which execs into it with the checked launch. It does not use
/// Foundation, so that what stays beside the children is small.
@main
struct SupervisorEntrypoint {
    static func main() async {
        guard let launch = SupervisorLaunch.received() else {
            let message = "tandem-supervisor: started without a launch; use tandem run\n"
            _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            exit(2)
        }
        exit(await launch.run())
    }
}
