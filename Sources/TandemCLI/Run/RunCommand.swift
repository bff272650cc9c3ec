import ArgumentParser
import Dispatch
import Foundation
import TandemCore
import TandemFormats
import TandemRuntime

extension ConsoleSink.Format: ExpressibleByArgument {}
extension ContainmentMode: ExpressibleByArgument {}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a service and its sidecars on this machine, in the foreground or as a container's entrypoint.",
        discussion: """
            Processes start in dependency order (START, HEALTHY, COMPLETE, SUCCESS), are probed and restarted as \
            their manifest says, and stop in order on SIGTERM or SIGINT: main processes, then sidecars, then the log \
            router. Tandem exits with the code of the essential process that ended the unit (128+signal for signals).
            """
    )

    @Argument(help: "A Tandem manifest, a Cloud Foundry app folder, or a Copilot manifest whose containers have a command.")
    var path = "tandem.yml"

    @OptionGroup var input: InputOptions

    @Option(name: .long, help: "text (prefixed lines) or json (one JSON object per line).")
    var logFormat: ConsoleSink.Format = .text

    @Option(name: .long, help: "Also write each process's lines to DIR/PROCESS.log (JSON lines), rotated by size.")
    var logDir: String?

    @Option(name: .long, help: "Rotate a process's log file when it would pass this size (bytes, or with K, M or G).")
    var logMaxSize = "10M"

    @Option(name: .long, help: "How many rotated files to keep per process (PROCESS.log.1 is the newest).")
    var logKeep = 5

    @Option(name: .long, help: "Serve Prometheus metrics at http://ADDRESS/metrics (PORT or HOST:PORT; the host defaults to 127.0.0.1).")
    var metrics: String?

    @Option(name: .long, help: "Write a JSON report of how each process ended to this file.")
    var report: String?

    @Option(name: .long, help: "Draw the run's timeline (each process's spans, waits, probe failures, exits) as SVG in this file when it ends.")
    var timeline: String?

    @Option(name: .long, help: "Stop the unit after this long (a duration such as 30s), as SIGTERM would.")
    var stopAfter: String?

    @Option(
        name: .long,
        help:
            "The most a shutdown may take (a duration such as 10s; default: the manifest's stop_timeout, else 30s). Every phase's grace fits inside it: keep it below your container engine's own stop grace (10s in Docker)."
    )
    var stopTimeout: String?

    @Option(
        name: .long,
        help:
            "auto: a cgroup for the unit and, as root, a PID namespace, so that no process outlives it (even a kill -9 of tandem); cgroup: the cgroup only; none: process groups only."
    )
    var containment: ContainmentMode = .auto

    @OptionGroup var catalog: CatalogSourceOptions

    @Option(
        name: .long,
        help: "The Unix socket for tandem ps, stop and restart (default: $XDG_RUNTIME_DIR/tandem/SERVICE.sock, else $TMPDIR/tandem-UID/SERVICE.sock).")
    var control: String?

    @Flag(name: .long, help: "Serve no control socket.")
    var noControl = false

    /// `10M`, `512K`, `1G` or a number of bytes.
    static func byteCount(_ text: String) -> Int? {
        let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        if let unit = text.last, let multiplier = multipliers[unit] { return Int(text.dropLast()).flatMap { $0 > 0 ? $0 * multiplier : nil } }
        return Int(text).flatMap { $0 > 0 ? $0 : nil }
    }

    func validate() throws {
        if Self.byteCount(logMaxSize) == nil {
            throw ValidationError("--log-max-size takes a size such as 10M, 512K or 1048576; found \"\(logMaxSize)\"")
        }
        if logKeep < 0 { throw ValidationError("--log-keep must be 0 or more") }
        if let stopAfter, GoDuration.seconds(stopAfter) == nil {
            throw ValidationError("--stop-after takes a duration such as 30s or 500ms; found \"\(stopAfter)\"")
        }
        if let stopTimeout, (GoDuration.seconds(stopTimeout) ?? 0) <= 0 {
            throw ValidationError("--stop-timeout takes a duration above zero such as 10s; found \"\(stopTimeout)\"")
        }
    }

    func run() async throws {
        if path == "tandem.yml" && !FileManager.default.fileExists(atPath: path) {
            writeError("Error: no tandem.yml here: give the file to run (tandem run FILE), a manifest of any format Tandem reads")
            throw ExitStatus.usage
        }
        let loaded = try input.loadOne(path, verb: "run")
        guard var service = loaded.services.first else {
            writeError("Error: \(path) defines no service to run")
            throw ExitStatus.invalid
        }
        if service.containers.contains(where: { $0.catalogReference != nil }) {
            let (resolved, problems) = try await catalog.resolve(service, file: path)
            guard !problems.hasErrors else {
                for diagnostic in Diagnostic.ordered(problems) { writeError(diagnostic.description) }
                throw ExitStatus.invalid
            }
            service = resolved
        }
        // Cloud Controller checks its memory policy when an app starts: so does a local start.
        if [.cfManifest, .cfApp, .cfLaunch].contains(loaded.format) {
            let refused = CloudFoundryReader.memoryPolicy(service, file: loaded.file)
            if !refused.isEmpty {
                for diagnostic in refused { writeError(diagnostic.description) }
                writeError("Error: \(path) cannot be run")
                throw ExitStatus.invalid
            }
        }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let directory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        let absolute = URL(fileURLWithPath: directory.isEmpty ? "." : directory).standardizedFileURL.path
        let (plan, problems) = RunPlan.make(
            service, file: loaded.file, directory: absolute, configRoot: ControlSocket.runFolder(service: service.name, kind: "config"),
            notifyFolder: ControlSocket.runFolder(service: service.name, kind: "notify"))
        guard let plan else {
            for diagnostic in problems { writeError(diagnostic.description) }
            writeError("Error: \(path) cannot be run")
            throw ExitStatus.invalid
        }
        for diagnostic in problems where diagnostic.severity == .warning { writeError(diagnostic.description) }

        var launch = SupervisorLaunch(
            plan: plan, logFormat: logFormat, reportPath: report, stopAfter: stopAfter.flatMap(GoDuration.seconds),
            controlPath: noControl ? nil : control ?? ControlSocket.defaultPath(service: plan.service.name),
            logFiles: logDir.map {
                FileLogSink.Settings(
                    directory: URL(fileURLWithPath: $0).standardizedFileURL.path, maxBytes: Self.byteCount(logMaxSize) ?? 10 << 20, keep: logKeep)
            }, metricsAddress: metrics, stopTimeout: stopTimeout.flatMap(GoDuration.seconds), containment: containment)
        launch.timelinePath = timeline.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        // The supervisor beside this executable runs the unit in this same process (exec), keeping only
        // the runtime resident; without it the unit runs here.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let supervisor = (executable as NSString).deletingLastPathComponent + "/tandem-supervisor"
        if FileManager.default.isExecutableFile(atPath: supervisor), ProcessInfo.processInfo.environment["TANDEM_IN_PROCESS"] == nil {
            let failure =
                (try? JSONValueEncoder().encode(launch)).map {
                    SupervisorLaunch.exec(
                        supervisor: supervisor, json: $0, containment: launch.containment, descriptors: launch.expectedDescriptors)
                }
                ?? "cannot encode the launch"
            writeError("note: \(failure); running the unit in this process")
        }
        let code = await launch.run()
        if code != 0 { throw ExitCode(code) }
    }
}
