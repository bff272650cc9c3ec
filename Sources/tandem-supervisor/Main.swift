import Foundation
import TandemRuntime

/// The supervising process of `tandem run`, which execs into it with the checked launch.
@main
struct SupervisorEntrypoint {
    static func main() async {
        guard let launch = SupervisorLaunch.received() else {
            FileHandle.standardError.write(Data("tandem-supervisor: started without a launch; use tandem run\n".utf8))
            exit(2)
        }
        exit(await launch.run())
    }
}
