import Foundation
import TandemCore
import TandemFormats
import TandemRuntime

/// What to stage and how.
public struct StagingRequest: Sendable {
    /// The app's files (what `cf push` uploads).
    public var app: String
    /// Buildpacks in order: the last is the final one, the others supply buildpacks. With `detect`, the
    /// candidates instead, of which the first whose `bin/detect` passes is the final (and only) one.
    public var buildpacks: [String]
    public var detect = false
    /// The droplet folder to write; it appears whole, or not at all.
    public var output: String
    /// Kept between stagings; nil stages with an empty cache that is removed afterwards.
    public var cache: String?
    public var appName: String
    public var stack = "cflinuxfs4"
    public var memoryMegabytes = 1024
    public var diskMegabytes = 1024
    /// `VCAP_SERVICES`, as JSON.
    public var services = "{}"
    /// Variables the app sets (a manifest's `env`, `--env`); Cloud Foundry gives them to staging too.
    public var environment: [String: String] = [:]
    /// How long each script may run before it is stopped (Cloud Controller's staging timeout is 15 min).
    public var scriptTimeLimit: Duration = .seconds(15 * 60)

    public init(app: String, buildpacks: [String], output: String, appName: String) {
        self.app = app
        self.buildpacks = buildpacks
        self.output = output
        self.appName = appName
    }
}

/// What a staging left: the droplet's folder and the lifecycle's result.
public struct StagingOutcome: Sendable {
    public var droplet: String
    public var result: CloudFoundryStagingResult
    /// Warnings about what was staged (the lifecycle's and the reader's), already shown.
    public var warnings: [String]
}

/// Stages an app as Cloud Foundry's buildpack lifecycle does (buildpackapplifecycle's builder): each
/// supply buildpack's `bin/supply BUILD_DIR CACHE_DIR DEPS_DIR INDEX`, the final buildpack's
/// `bin/supply` and `bin/finalize` (or, for a buildpack older than multi-buildpack, `bin/compile`), its
/// `bin/release` unless it wrote a `launch.yml`, the `Procfile`; then the droplet's layout (`app/`,
/// `deps/INDEX/`, `profile.d/`, `tmp/`, `logs/`, `staging_info.yml`) and the staging result.
public struct Stager: Sendable {
    /// Takes each line to show: what the stager says, and the scripts' output (`isError`: their
    /// standard error).
    public var show: @Sendable (_ line: String, _ isError: Bool) -> Void
    /// Interrupts the staging when told to (the command's SIGINT and SIGTERM).
    public let interruption: StagingInterruption

    public init(interruption: StagingInterruption = StagingInterruption(), show: @escaping @Sendable (_ line: String, _ isError: Bool) -> Void) {
        self.interruption = interruption
        self.show = show
    }

    public func stage(_ request: StagingRequest) async throws -> StagingOutcome {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: request.app, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StagingError(.input, "\(request.app): no such app folder")
        }
        guard !request.buildpacks.isEmpty else {
            throw StagingError(.input, "no buildpack: name each with --buildpack PATH (in order, the final one last)")
        }
        let output = absolutePath(request.output)
        try checkReplaceable(output)
        LeftoverProcesses.adopt()
        // Built beside the destination and renamed into place, so that a failure leaves nothing there.
        let parent = (output as NSString).deletingLastPathComponent
        try? fileManager.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let work = parent + "/.\((output as NSString).lastPathComponent).staging-\(getpid())"
        try? fileManager.removeItem(atPath: work)
        defer { try? fileManager.removeItem(atPath: work) }
        let contents = work + "/droplet"
        let unpacked = work + "/buildpacks"
        do {
            try fileManager.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        } catch {
            throw StagingError(.output, "cannot write beside \(output): \(error.localizedDescription)")
        }
        let buildpacks = try request.buildpacks.map { try Buildpack.resolve($0, unpackingInto: unpacked) }

        let cache = try cacheFolder(request, work: work)
        let layout = Layout(contents: contents, supplyCount: request.detect ? 0 : buildpacks.count - 1)
        try layout.create(copying: absolutePath(request.app))
        let environment = stagingEnvironment(request, layout: layout)
        let context = Context(request: request, layout: layout, environment: environment, cache: cache)

        var warnings: [String] = []
        let final: Buildpack
        let supplies: [Buildpack]
        var detectOutput = ""
        if request.detect {
            (final, detectOutput) = try await detect(buildpacks, context)
            supplies = []
        } else {
            supplies = Array(buildpacks.dropLast())
            final = buildpacks[buildpacks.count - 1]
            try await runSupplies(supplies, context)
        }
        try cleanCache(cache, supplies: supplies)
        try await runFinal(final, supplies: supplies, context, warnings: &warnings)

        var lists: [[LaunchProcess]] = []
        for index in 0..<supplies.count {
            if let processes = try launchProcesses(index: index, written: "bin/supply of \(supplies[index].name)", layout) { lists.append(processes) }
        }
        let finalIndex = supplies.count
        if let processes = try launchProcesses(index: finalIndex, written: "the final buildpack \(final.name)", layout) {
            lists.append(processes)
        } else {
            lists.append(try await release(final, context))
        }
        lists.append(try procfile(layout))
        let merged = CloudFoundryReader.merge(lists)

        let metadata = buildpackMetadata(request.detect ? [final] : buildpacks, layout: layout, detectOutput: detectOutput)
        let result = CloudFoundryStagingResult(merged: merged, metadata: metadata)
        if (result.processTypes["web"] ?? "").isEmpty {
            // The lifecycle's words.
            for line in ["No start command specified by buildpack or via Procfile.", "App will not start unless a command is provided at runtime."] {
                show(line, true)
                warnings.append(line)
            }
        }
        try layout.write(
            result: result, info: CloudFoundryStagingInfo(detectedBuildpack: metadata.detectedBuildpack, startCommand: result.processTypes["web"] ?? ""))

        // What the droplet is, read as `tandem run` will read it: a staged app that cannot run is refused here.
        let read = CloudFoundryReader().readAppFolder(contents)
        let problems = Diagnostic.ordered(read.diagnostics)
        if problems.hasErrors {
            let text = problems.errors.map { $0.description.replacingOccurrences(of: contents, with: output) }.joined(separator: "\n")
            throw StagingError(.output, "the staged droplet is not valid:\n\(text)")
        }
        warnings += problems.warnings.map { $0.description.replacingOccurrences(of: contents, with: output) }

        try interruption.check()
        try replace(output, with: contents)
        return StagingOutcome(droplet: output, result: result, warnings: warnings)
    }

    // MARK: The lifecycle's steps

    struct Context: Sendable {
        var request: StagingRequest
        var layout: Layout
        var environment: [String: String]
        var cache: String
    }

    private func detect(_ candidates: [Buildpack], _ context: Context) async throws -> (Buildpack, String) {
        for buildpack in candidates {
            guard let path = buildpack.script("detect") else {
                show("\(buildpack.name): no bin/detect: skipped", true)
                continue
            }
            let outcome = try await run(path, "bin/detect", of: buildpack, [context.layout.app], context, capture: true)
            if outcome.ending == .exited(.exited(0)) {
                let said = outcome.captured.trimmingCharacters(in: .newlines)
                show("-----> \(buildpack.name) detected the app\(said.isEmpty ? "" : ": " + said)", false)
                return (buildpack, said)
            }
        }
        throw StagingError(.detect, StagingError.detectFailed + " (tried \(candidates.map(\.name).joined(separator: ", ")))")
    }

    private func runSupplies(_ supplies: [Buildpack], _ context: Context) async throws {
        // Every supply buildpack is checked before any runs, as the lifecycle does.
        for buildpack in supplies where buildpack.script("supply") == nil {
            throw StagingError(.supply, "\(StagingError.noSupplyScript): \(buildpack.name) has no bin/supply")
        }
        for (index, buildpack) in supplies.enumerated() {
            let arguments = [context.layout.app, supplyCache(buildpack, context.cache), context.layout.deps, context.layout.index(index)]
            try await expectSuccess(
                run(buildpack.script("supply")!, "bin/supply", of: buildpack, arguments, context), "bin/supply", of: buildpack, code: .supply,
                StagingError.supplyFailed)
        }
    }

    private func runFinal(_ buildpack: Buildpack, supplies: [Buildpack], _ context: Context, warnings: inout [String]) async throws {
        let index = context.layout.index(supplies.count)
        let cache = context.cache + "/final"
        let layout = context.layout
        if let finalize = buildpack.script("finalize") {
            if let supply = buildpack.script("supply") {
                try await expectSuccess(
                    run(supply, "bin/supply", of: buildpack, [layout.app, cache, layout.deps, index], context), "bin/supply", of: buildpack,
                    code: .supply, StagingError.supplyFailed)
            }
            try await expectSuccess(
                run(finalize, "bin/finalize", of: buildpack, [layout.app, cache, layout.deps, index, layout.profile], context), "bin/finalize",
                of: buildpack, code: .finalize, StagingError.finalizeFailed)
        } else if let compile = buildpack.script("compile") {
            if !supplies.isEmpty {
                show(StagingError.missingFinalize, true)
                warnings.append(StagingError.missingFinalize)
            }
            try? FileManager.default.removeItem(atPath: layout.deps + "/" + index)
            try await expectSuccess(
                run(compile, "bin/compile", of: buildpack, [layout.app, cache], context), "bin/compile", of: buildpack, code: .compile,
                StagingError.compileFailed)
        } else {
            throw StagingError(
                .compile, "\(StagingError.compileFailed): the final buildpack \(buildpack.name) has neither bin/finalize nor bin/compile")
        }
    }

    /// The final buildpack's `bin/release BUILD_DIR`: YAML with `default_process_types`.
    private func release(_ buildpack: Buildpack, _ context: Context) async throws -> [LaunchProcess] {
        guard let path = buildpack.script("release") else {
            // Today's buildpacks write launch.yml or rely on the Procfile; a missing release is no process.
            return []
        }
        let outcome = try await run(path, "bin/release", of: buildpack, [context.layout.app], context, capture: true)
        try expectSuccess(outcome, "bin/release", of: buildpack, code: .release, StagingError.releaseFailed)
        let file = "bin/release of \(buildpack.name)"
        let loaded = DocumentLoader.load(text: outcome.captured.isEmpty ? "{}" : outcome.captured, file: file)
        var problems = loaded.diagnostics
        var processes: [LaunchProcess] = []
        if let root = loaded.root {
            let (read, more) = CloudFoundryReader().readRelease(root, file: file)
            processes = read
            problems += more
        }
        try refuseErrors(problems, StagingError.releaseFailed + ": buildpack's release output invalid", code: .release)
        return processes
    }

    /// `deps/INDEX/launch.yml` (the lifecycle looks for the unpadded index), nil when there is none.
    private func launchProcesses(index: Int, written: String, _ layout: Layout) throws -> [LaunchProcess]? {
        let relative = "deps/\(index)/launch.yml"
        let path = layout.contents + "/" + relative
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let loaded = DocumentLoader.load(path: path, displayName: relative)
        var problems = loaded.diagnostics
        var processes: [LaunchProcess] = []
        if let root = loaded.root {
            let (read, more) = CloudFoundryReader().readLaunchFile(root, file: relative)
            processes = read
            problems += more
        }
        try refuseErrors(problems, "\(relative), written by \(written), is not a valid launch.yml", code: .output)
        return processes
    }

    private func procfile(_ layout: Layout) throws -> [LaunchProcess] {
        let path = layout.app + "/Procfile"
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let (processes, problems) = CloudFoundryReader().readProcfile(String(decoding: data, as: UTF8.self), file: "app/Procfile")
        // The lifecycle's words.
        try refuseErrors(problems, "Failed to read command from Procfile", code: .output)
        return processes
    }

    private func refuseErrors(_ diagnostics: [Diagnostic], _ summary: String, code: StagingError.Code) throws {
        let ordered = Diagnostic.ordered(diagnostics)
        for warning in ordered.warnings { show(warning.description, true) }
        guard ordered.hasErrors else { return }
        throw StagingError(code, summary + ":\n" + ordered.errors.map(\.description).joined(separator: "\n"))
    }

    private func expectSuccess(
        _ outcome: BuildpackScript.Outcome, _ script: String, of buildpack: Buildpack, code: StagingError.Code, _ summary: String
    ) throws {
        switch outcome.ending {
        case .exited(.exited(0)): return
        case .exited(let status):
            throw StagingError(code, "\(summary): \(script) of buildpack \(buildpack.name) \(describe(status))")
        case .timedOut(let limit):
            throw StagingError(code, "\(summary): \(script) of buildpack \(buildpack.name) did not finish within \(describe(limit)); it was stopped")
        }
    }

    private func run(
        _ path: String, _ script: String, of buildpack: Buildpack, _ arguments: [String], _ context: Context, capture: Bool = false
    ) async throws -> BuildpackScript.Outcome {
        try interruption.check()
        show("-----> Running \(script) of \(buildpack.name)", false)
        var environment = context.environment
        environment["BUILDPACK_DIR"] = buildpack.root
        let script = BuildpackScript(
            buildpack: buildpack.name, name: script, path: path, arguments: arguments, environment: environment, directory: context.layout.app)
        let show = self.show
        return try await script.run(timeLimit: context.request.scriptTimeLimit, capture: capture, interruption: interruption) { line, isError in
            show("       " + line, isError)
        }
    }

    // MARK: Environment, cache and output

    /// What Diego gives a staging task: the app's variables, then the platform's (which win).
    func stagingEnvironment(_ request: StagingRequest, layout: Layout) -> [String: String] {
        var environment: [String: String] = [:]
        let own = ProcessInfo.processInfo.environment
        environment["PATH"] = own["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        environment["LANG"] = own["LANG"] ?? "en_US.UTF-8"
        environment["HOME"] = layout.app
        environment["TMPDIR"] = own["TMPDIR"] ?? "/tmp"
        environment.merge(request.environment) { _, new in new }
        let application: [String: Any] = [
            "application_name": request.appName, "name": request.appName, "application_uris": [String](), "uris": [String](),
            "space_name": "tandem", "organization_name": "tandem",
            "limits": ["mem": request.memoryMegabytes, "disk": request.diskMegabytes, "fds": 16384],
        ]
        let json = (try? JSONSerialization.data(withJSONObject: application, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
        environment["VCAP_APPLICATION"] = json ?? "{}"
        environment["VCAP_SERVICES"] = request.services
        environment["CF_STACK"] = request.stack
        environment["MEMORY_LIMIT"] = "\(request.memoryMegabytes)m"
        return environment
    }

    private func cacheFolder(_ request: StagingRequest, work: String) throws -> String {
        let folder = request.cache.map(absolutePath) ?? work + "/cache"
        do {
            try FileManager.default.createDirectory(atPath: folder + "/final", withIntermediateDirectories: true)
        } catch {
            throw StagingError(.input, "cannot use the cache folder \(folder): \(error.localizedDescription)")
        }
        return folder
    }

    /// A supply buildpack's cache: a folder per buildpack, named by a hash of its key, as the lifecycle
    /// names it (another hash function: a cache is not shared with Cloud Foundry's).
    private func supplyCache(_ buildpack: Buildpack, _ cache: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in buildpack.key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        let folder = cache + "/" + String(repeating: "0", count: 16 - hex.count) + hex
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// What the buildpacks of this staging do not use goes, as the lifecycle cleans its cache.
    private func cleanCache(_ cache: String, supplies: [Buildpack]) throws {
        let keep = Set(["final"] + supplies.map { (supplyCache($0, cache) as NSString).lastPathComponent })
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? [] where !keep.contains(entry) {
            try? FileManager.default.removeItem(atPath: cache + "/" + entry)
        }
    }

    /// Each buildpack's name and version: what it wrote in `deps/INDEX/config.yml` (libbuildpack's), else
    /// its folder's name and `VERSION` file.
    private func buildpackMetadata(_ buildpacks: [Buildpack], layout: Layout, detectOutput: String) -> CloudFoundryStagingResult.LifecycleMetadata {
        var list: [CloudFoundryStagingResult.Buildpack] = []
        for (index, buildpack) in buildpacks.enumerated() {
            var entry = CloudFoundryStagingResult.Buildpack(key: buildpack.key, name: buildpack.name, version: buildpack.version)
            let config = layout.deps + "/" + layout.index(index) + "/config.yml"
            if FileManager.default.fileExists(atPath: config), let root = DocumentLoader.load(path: config).root {
                if case .string(let name)? = root["name"]?.value, !name.isEmpty { entry.name = name }
                if case .string(let version)? = root["version"]?.value, !version.isEmpty { entry.version = version }
            }
            list.append(entry)
        }
        if list.count == 1, !detectOutput.isEmpty, buildpacks[0].script("detect") != nil, list[0].name == buildpacks[0].name {
            list[0].name = detectOutput
        }
        return .init(buildpackKey: list.last?.key, detectedBuildpack: list.last?.name ?? "", buildpacks: list)
    }

    /// Refuses to replace anything but an earlier droplet or an empty folder.
    private func checkReplaceable(_ output: String) throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: output, isDirectory: &isDirectory) else { return }
        let empty = isDirectory.boolValue && ((try? fileManager.contentsOfDirectory(atPath: output))?.isEmpty ?? false)
        guard empty || CloudFoundryReader.isDroplet(output) else {
            throw StagingError(.input, "\(output) exists and is not a droplet: not replaced (remove it, or choose another --out)")
        }
    }

    private func replace(_ output: String, with contents: String) throws {
        let fileManager = FileManager.default
        let old = contents + ".old"
        if fileManager.fileExists(atPath: output) {
            guard rename(output, old) == 0 else {
                throw StagingError(.output, "cannot replace \(output): \(String(cString: strerror(errno)))")
            }
        }
        guard rename(contents, output) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(old, output)
            throw StagingError(.output, "cannot write \(output): \(reason)")
        }
        try? fileManager.removeItem(atPath: old)
    }

    private func describe(_ status: TerminationStatus) -> String {
        switch status {
        case .exited(let code): "exited with code \(code)"
        case .signaled(let signal): "was killed by signal \(signal)"
        }
    }

    private func describe(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return GoDuration.format(seconds)
    }
}

/// The droplet's folders while it is staged (the lifecycle's contents dir).
struct Layout: Sendable {
    var contents: String
    /// How many supply buildpacks: the deps indices run from 0 to this one.
    var supplyCount: Int

    var app: String { contents + "/app" }
    var deps: String { contents + "/deps" }
    var profile: String { contents + "/profile.d" }

    /// `DEPS_IDX` as the lifecycle writes it: zero-padded to the digits of the buildpack count.
    func index(_ index: Int) -> String {
        let digits = String(supplyCount + 1).count
        let text = String(index)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    func create(copying app: String) throws {
        let fileManager = FileManager.default
        do {
            for folder in [deps, profile, contents + "/tmp", contents + "/logs"] {
                try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            for number in 0...supplyCount {
                try fileManager.createDirectory(atPath: deps + "/" + index(number), withIntermediateDirectories: true)
            }
        } catch {
            throw StagingError(.output, "cannot make the droplet's folders: \(error.localizedDescription)")
        }
        // cp -a keeps modes, links and times, as the app's upload does.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cp")
        process.arguments = ["-a", app + "/.", self.app + "/"]
        try? fileManager.createDirectory(atPath: self.app, withIntermediateDirectories: true)
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            throw StagingError(.output, "cannot copy \(app): \(error.localizedDescription)")
        }
        guard process.terminationStatus == 0 else { throw StagingError(.output, "cannot copy \(app) (cp exited with code \(process.terminationStatus))") }
    }

    func write(result: CloudFoundryStagingResult, info: CloudFoundryStagingInfo) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            try (encoder.encode(info) + Data("\n".utf8)).write(to: URL(fileURLWithPath: contents + "/" + CloudFoundryReader.stagingInfoFile))
            try (encoder.encode(result) + Data("\n".utf8)).write(to: URL(fileURLWithPath: contents + "/" + CloudFoundryStagingResult.fileName))
        } catch {
            throw StagingError(.output, "cannot write the staging result: \(error.localizedDescription)")
        }
    }
}
