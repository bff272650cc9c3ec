import Dispatch
import Foundation
import Synchronization
import TandemCore
import TandemFormats
import TandemRenderers

/// In-memory throughput of Tandem's readers, without process start, folder walking, file reads or output:
///   tandem-bench mia FOLDER [PASSES] [catalog|standard|marketplace]
/// Every file of FOLDER is read into memory once; each pass parses and checks all of them on every core.
@main
struct TandemBench {
    static func main() throws {
        let arguments = CommandLine.arguments
        if arguments.count >= 3, arguments[1] == "render" {
            try renderBenchmark(file: arguments[2], iterations: arguments.count > 3 ? Int(arguments[3]) ?? 2000 : 2000)
            return
        }
        guard arguments.count >= 3, arguments[1] == "mia" else {
            FileHandle.standardError.write(Data("usage: tandem-bench mia FOLDER [PASSES] [PROFILE] | tandem-bench render FILE [ITERATIONS]\n".utf8))
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

    /// Renders per second for each target, from a model already read (one core).
    static func renderBenchmark(file: String, iterations: Int) throws {
        let input = InputLoader().loadFile(file)
        guard var service = input.services.first else {
            FileHandle.standardError.write(Data("\(file): no service\n".utf8))
            exit(2)
        }
        for index in service.containers.indices where service.containers[index].image == nil {
            service.containers[index].image = "example/\(service.containers[index].name):1"
        }
        print("| target | renders | seconds | renders/s | bytes per render |")
        print("|---|---:|---:|---:|---:|")
        for target in RenderTarget.allCases {
            var bytes = 0
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for _ in 0..<iterations {
                    bytes = Renderers.render(service, target: target, file: file).files.reduce(0) { $0 + $1.contents.utf8.count }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "| %@ | %d | %.3f | %.0f | %d |", target.rawValue, iterations, seconds, Double(iterations) / seconds, bytes))
        }
    }
}
