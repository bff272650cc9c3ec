import Dispatch
import Foundation
import Synchronization
import TandemCore
import TandemFormats

/// In-memory throughput of Tandem's readers, without process start, folder walking, file reads or output:
///   tandem-bench mia FOLDER [PASSES] [catalog|standard|marketplace]
/// Every file of FOLDER is read into memory once; each pass parses and checks all of them on every core.
@main
struct TandemBench {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3, arguments[1] == "mia" else {
            FileHandle.standardError.write(Data("usage: tandem-bench mia FOLDER [PASSES] [PROFILE]\n".utf8))
            exit(2)
        }
        let folder = arguments[2]
        let passes = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5
        let profile = arguments.count > 4 ? MiaSchemaProfile(rawValue: arguments[4]) ?? .catalog : .catalog
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        let files = names.map { name in [UInt8](FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)) ?? Data()) }
        let reader = MiaItemReader(profile: profile)

        var seconds: [Double] = []
        var valid = 0
        for _ in 0..<passes {
            let counts = Mutex<[Int]>(Array(repeating: 0, count: files.count))
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                DispatchQueue.concurrentPerform(iterations: files.count) { index in
                    let loaded = DocumentLoader.load(bytes: files[index], file: names[index])
                    guard let root = loaded.root else { return }
                    let (_, diagnostics) = reader.read(root, file: names[index], serviceRules: false)
                    if !diagnostics.hasErrors { counts.withLock { $0[index] = 1 } }
                }
            }
            valid = counts.withLock { $0.reduce(0, +) }
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let median = seconds.sorted()[seconds.count / 2]
        print(
            String(
                format: "tandem in memory: %d items (%d valid), median %.4f s over %d passes, %.0f items/s", files.count, valid, median, passes,
                Double(files.count) / median))
    }
}
