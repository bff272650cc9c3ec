import Foundation
import TandemCLI

@main
struct Entrypoint {
    static func main() async {
        exit(await TandemCommand.runMain())
    }
}
