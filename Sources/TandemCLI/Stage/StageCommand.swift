import ArgumentParser
import Foundation
import Glibc
import TandemFormats
import TandemStaging

struct StageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Stage an app with Cloud Foundry buildpacks, as the buildpack lifecycle does, into a droplet folder.",
        discussion: """
            Runs each buildpack's own scripts in order: bin/supply of every supply buildpack, then the final one's \
            bin/supply and bin/finalize (or bin/compile) and bin/release, with the environment Cloud Foundry gives \
            them. The droplet (app/, deps/, profile.d/, staging_info.yml, result.json) is what tandem validate, \
            render and run take: `tandem run DROPLET` runs the app with the sidecars its buildpacks declared.
            """)

    @Argument(help: "The app's folder (what cf push uploads).", completion: .directory)
    var app: String

    @Option(name: [.customShort("b"), .customLong("buildpack")], help: "A buildpack folder or .zip; repeat it in order, the final buildpack last.")
    var buildpacks: [String] = []

    @Flag(name: .long, help: "Run bin/detect of each --buildpack in turn and stage with the first that detects the app (cf push without -b).")
    var detect = false

    @Option(name: .customLong("out"), help: "The droplet folder to write (default: APP-NAME.droplet here); it appears whole or not at all.")
    var output: String?

    @Option(name: .customLong("cache-dir"), help: "The buildpacks' cache, kept between stagings (default: ~/.cache/tandem/stage/APP-NAME).")
    var cacheDirectory: String?

    @Flag(name: .customLong("no-cache"), help: "Stage with an empty cache and keep none.")
    var noCache = false

    @Option(name: .long, help: "The app's name (VCAP_APPLICATION; default: the folder's name).")
    var name: String?

    @Option(name: .long, help: "CF_STACK given to the buildpacks.")
    var stack = "cflinuxfs4"

    @Option(name: [.customShort("m"), .long], help: "The app's memory, as cf push -m takes it (MEMORY_LIMIT, VCAP_APPLICATION).")
    var memory = "1G"

    @Option(name: [.customShort("e"), .customLong("env")], help: "A variable the app sets, KEY=VALUE (repeat); the buildpacks see it.")
    var variables: [String] = []

    @Option(name: .customLong("services-file"), help: "A JSON file given to the buildpacks as VCAP_SERVICES (default: {}).")
    var servicesFile: String?

    @Option(name: .customLong("timeout"), help: "How long each script may run before it is stopped (Cloud Controller's staging timeout is 15m).")
    var timeout = "15m"

    func validate() throws {
        if buildpacks.isEmpty { throw ValidationError("name the buildpacks with --buildpack PATH, in order (the final one last)") }
        if Self.megabytes(memory) == nil { throw ValidationError("--memory takes a size such as 256M or 1G, found \"\(memory)\"") }
        guard let seconds = GoDuration.seconds(timeout), seconds > 0 else {
            throw ValidationError("--timeout takes a duration such as 90s or 15m, found \"\(timeout)\"")
        }
        for variable in variables where !variable.contains("=") || variable.hasPrefix("=") {
            throw ValidationError("--env takes KEY=VALUE, found \"\(variable)\"")
        }
        if noCache && cacheDirectory != nil { throw ValidationError("--no-cache and --cache-dir exclude each other") }
    }

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: app, isDirectory: &isDirectory), isDirectory.boolValue else {
            writeError("Error: \(app): no such app folder")
            throw ExitStatus.usage
        }
        let appName = name ?? ((app as NSString).standardizingPath as NSString).lastPathComponent
        var request = StagingRequest(app: app, buildpacks: buildpacks, output: output ?? "\(appName).droplet", appName: appName)
        request.detect = detect
        request.stack = stack
        request.memoryMegabytes = Self.megabytes(memory) ?? 1024
        request.scriptTimeLimit = .milliseconds(Int64((GoDuration.seconds(timeout) ?? 900) * 1000))
        for variable in variables {
            let parts = variable.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            request.environment[String(parts[0])] = String(parts[1])
        }
        if let servicesFile {
            guard let data = FileManager.default.contents(atPath: servicesFile), (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                writeError("Error: \(servicesFile): expected a JSON object (VCAP_SERVICES)")
                throw ExitStatus.usage
            }
            request.services = String(decoding: data, as: UTF8.self)
        }
        if !noCache {
            request.cache = cacheDirectory ?? Self.defaultCache(appName)
        }
        // Ctrl-C or a SIGTERM stops the running script (in a session of its own, the terminal's signal does
        // not reach it) and leaves nothing behind.
        let interruption = StagingInterruption()
        var sources: [any DispatchSourceSignal] = []
        for signal in [SIGINT, SIGTERM] {
            Glibc.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal)
            source.setEventHandler { interruption.interrupt(signal) }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }
        let stager = Stager(interruption: interruption) { line, isError in
            if isError { writeError(line) } else { writeOutput(line) }
        }
        do {
            let outcome = try await stager.stage(request)
            writeOutput(Self.summary(outcome))
        } catch let error as StagingError {
            writeError("Error: \(error.message)")
            writeError("Error: staging failed; nothing was written at \(request.output)")
            if error.code == .interrupted { throw ExitCode(error.lifecycleExitCode) }
            throw ExitStatus.invalid
        }
    }

    /// What was staged: the droplet, its process types and sidecars (as `cf push` ends its staging).
    static func summary(_ outcome: StagingOutcome) -> String {
        var lines = ["Staged \(outcome.droplet) with \(outcome.result.lifecycleMetadata.buildpacks.map(\.name).joined(separator: ", "))"]
        for process in outcome.result.processes ?? [] {
            lines.append("  process \(process.type): \(process.command)")
        }
        for sidecar in outcome.result.sidecars ?? [] {
            let memory = sidecar.memory.map { ", \($0) MB" } ?? ""
            lines.append("  sidecar \(sidecar.name) for \(sidecar.processTypes.joined(separator: ", "))\(memory): \(sidecar.command)")
        }
        lines.append("Run it with: tandem run \(outcome.droplet)")
        return lines.joined(separator: "\n")
    }

    /// cf push -m's sizes: a number with M/MB or G/GB (megabytes when bare).
    static func megabytes(_ text: String) -> Int? {
        let upper = text.uppercased()
        for (suffix, factor) in [("GB", 1024), ("G", 1024), ("MB", 1), ("M", 1), ("", 1)] where upper.hasSuffix(suffix) {
            guard let number = Int(upper.dropLast(suffix.count)), number > 0, number <= 1_048_576 else { return nil }
            return number * factor
        }
        return nil
    }

    static func defaultCache(_ appName: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].map { $0 } ?? ((environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache")
        let safe = String(appName.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        return base + "/tandem/stage/" + safe
    }
}
