import ArgumentParser
import Foundation
import TandemCore
import TandemFormats
import TandemRenderers

extension RenderTarget: ExpressibleByArgument {}

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a service and its sidecars for Kubernetes, Amazon ECS, CloudFormation, Docker Compose or Cloud Foundry.",
        discussion: """
            Every meaning the target cannot express is printed as a named warning on standard error \
            ([TARGET/CODE] ...); --strict makes them errors and writes nothing. Output is byte-identical across runs.
            """
    )

    @Argument(help: "A Tandem or Copilot manifest, a Cloud Foundry app or manifest, or a Mia sidecar item (with --service).")
    var path: String

    @Option(name: .long, help: "kubernetes, ecs, cloudformation, compose or cloudfoundry.")
    var target: RenderTarget

    @Option(name: .customLong("out"), help: "Write the files into this folder instead of standard output.")
    var output: String?

    /// `-o` was a folder here once; it is a format everywhere now (`-o table|json|yaml`), files go to `--out`.
    @Option(name: [.customShort("o"), .customLong("output")], help: .hidden)
    var formerOutput: String?

    @OptionGroup var input: InputOptions

    @Option(name: .customLong("k8s-version"), help: "The Kubernetes version to render for (native sidecars need 1.28+).")
    var kubernetesVersion = "1.33"

    @Option(name: .long, help: "Replicas of the Kubernetes Deployment.")
    var replicas = 1

    @Option(name: .long, help: "The AWS region for ECS logs.")
    var region = "us-east-1"

    @Option(name: .long, help: "The AWS account, for the ARNs an ECS task definition spells out.")
    var account: String?

    @Option(name: .long, help: "The ECS task execution role ARN.")
    var executionRoleArn: String?

    @OptionGroup var catalog: CatalogSourceOptions

    @Option(name: .long, help: "A Mia sidecar item to add to the service as a sidecar (repeatable).")
    var attach: [String] = []

    @Option(name: .long, help: "For a Mia item given as PATH: the name of the service it is attached to.")
    var service: String?

    @Option(
        name: .long,
        help:
            "CONTAINER=IMAGE: the image to deploy a container with (repeatable; for images built at deploy time); a bare IMAGE is the app's, for a Mia item given as PATH."
    )
    var image: [String] = []

    /// `--image` values: per container, and the app's.
    private var images: (byContainer: [String: String], app: String?) {
        var byContainer: [String: String] = [:]
        var app: String?
        for value in image {
            if let equals = value.firstIndex(of: "="), !value[..<equals].contains("/") && !value[..<equals].contains(":") {
                byContainer[String(value[..<equals])] = String(value[value.index(after: equals)...])
            } else {
                app = value
            }
        }
        return (byContainer, app)
    }

    @Flag(name: .long, help: "Fail on any meaning the target cannot express.")
    var strict = false

    func validate() throws {
        if let formerOutput {
            throw ValidationError("-o is an output format in tandem (table, json, yaml); write the files into a folder with --out \(formerOutput)")
        }
        let parts = kubernetesVersion.split(separator: ".")
        guard parts.count >= 2, Int(parts[0]) != nil, Int(parts[1]) != nil else {
            throw ValidationError("--k8s-version takes MAJOR.MINOR, such as 1.29; found \"\(kubernetesVersion)\"")
        }
    }

    func run() async throws {
        let loaded = try input.loadOne(path, verb: "rendered")
        var service: Service
        if let item = loaded.miaItem, let sidecar = item.container {
            guard let name = self.service, let image = images.app else {
                writeError("Error: a Mia sidecar item renders attached to a service: give --service NAME and --image IMAGE for its app")
                throw ExitStatus.usage
            }
            service = Service(name: name, containers: [Container(name: name, role: .main, image: image, essential: true)], origin: Origin(path: ""))
            service.containers.append(sidecar)
            service.volumes = item.service.volumes
            service.configMaps = item.service.configMaps
        } else if let first = loaded.services.first {
            service = first
            if loaded.services.count > 1 { writeError("note: \(path) defines \(loaded.services.count) applications; rendering the first, \(first.name)") }
        } else {
            writeError("Error: \(path) defines no service")
            throw ExitStatus.invalid
        }

        for (name, reference) in images.byContainer {
            guard let index = service.containers.firstIndex(where: { $0.name == name }) else {
                writeError("Error: --image \(name)=...: \(path) has no container \(name); it has \(service.containers.map(\.name).joined(separator: ", "))")
                throw ExitStatus.usage
            }
            service.containers[index].image = reference
            service.containers[index].imageBuild = nil
        }
        var problems: [Diagnostic] = []
        for itemPath in attach {
            let attached = InputLoader(format: .mia).loadFile(itemPath)
            guard attached.isValid, let item = attached.miaItem, let sidecar = item.container else {
                problems += attached.diagnostics
                continue
            }
            service.containers.append(sidecar)
            service.volumes += item.service.volumes.filter { volume in service.volume(named: volume.name) == nil }
            service.configMaps += item.service.configMaps.filter { map in service.configMap(named: map.name) == nil }
        }
        if service.containers.contains(where: { $0.catalogReference != nil }) {
            let (resolved, resolveProblems) = try await catalog.resolve(service, file: path)
            service = resolved
            problems += resolveProblems
        }
        problems += ServiceValidator().validate(service, file: path).errors
        if problems.hasErrors {
            for diagnostic in Diagnostic.ordered(problems) { writeError(diagnostic.description) }
            writeError("Error: nothing was rendered")
            throw ExitStatus.invalid
        }

        let parts = kubernetesVersion.split(separator: ".").compactMap { Int($0) }
        var options = RenderOptions(kubernetesVersion: (parts[0], parts[1]), replicas: replicas, awsRegion: region, executionRoleARN: executionRoleArn)
        options.awsAccount = account
        options.application = input.loader.application ?? loaded.copilotApplication
        options.environment = input.env
        let result = Renderers.render(service, target: target, options: options, extras: loaded.extras, file: loaded.file)
        for diagnostic in result.diagnostics {
            var shown = diagnostic
            if strict && shown.severity == .warning { shown.severity = .error }
            writeError(shown.description)
        }
        if result.diagnostics.hasErrors || (strict && result.diagnostics.contains { $0.severity == .warning }) {
            writeError("Error: nothing was rendered")
            throw ExitStatus.invalid
        }
        for file in result.files {
            if let output {
                let url = URL(fileURLWithPath: output).appendingPathComponent(file.name)
                do {
                    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                    try Data(file.contents.utf8).write(to: url, options: .atomic)
                } catch {
                    writeError("Error: cannot write \(url.path): \(error.localizedDescription)")
                    throw ExitStatus.usage
                }
                writeError("wrote \(url.path)")
            } else {
                writeOutput(file.contents)
            }
        }
    }
}
