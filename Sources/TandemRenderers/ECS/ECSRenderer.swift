import TandemCore
import TandemFormats

/// The task definition `aws ecs register-task-definition --cli-input-json` takes, and the same as a
/// CloudFormation `AWS::ECS::TaskDefinition`, laid out as Copilot renders them: the main container first,
/// then the FireLens log router, then sidecars sorted by name.
struct ECSRenderer {
    let service: Service
    let options: RenderOptions

    static let fargateSizes: [(cpu: Int, memory: [Int])] = [
        (256, [512, 1024, 2048]),
        (512, Array(stride(from: 1024, through: 4096, by: 1024))),
        (1024, Array(stride(from: 2048, through: 8192, by: 1024))),
        (2048, Array(stride(from: 4096, through: 16384, by: 1024))),
        (4096, Array(stride(from: 8192, through: 30720, by: 1024))),
        (8192, Array(stride(from: 16384, through: 61440, by: 4096))),
        (16384, Array(stride(from: 32768, through: 122_880, by: 8192))),
    ]

    var family: String { Self.ecsName(service.name) }
    var logGroup: String { "/tandem/\(family)" }

    /// ECS names: letters, digits, `-` and `_`, up to 255.
    static func ecsName(_ name: String) -> String {
        let mapped = name.unicodeScalars.map { scalar -> Character in
            let allowed = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
            return allowed ? Character(scalar) : "-"
        }
        return String(String(mapped).prefix(255))
    }

    func renderTaskDefinition(_ losses: inout Losses) -> [RenderedFile] {
        let task = taskDefinition(&losses, executionRole: .string(executionRoleARN(&losses)))
        return [RenderedFile(name: RenderTarget.ecs.fileName, contents: task.json())]
    }

    func renderCloudFormation(_ losses: inout Losses) -> [RenderedFile] {
        let roleReference: YAMLValue = options.executionRoleARN.map(YAMLValue.string) ?? .map([("Ref", .string("ExecutionRoleArn"))])
        let task = Self.pascalCase(taskDefinition(&losses, executionRole: roleReference), logGroup: logGroup)
        var template = MapBuilder()
        template.set("AWSTemplateFormatVersion", "2010-09-09")
        template.set("Description", "Task definition of \(service.name), rendered by Tandem")
        if options.executionRoleARN == nil {
            template.set(
                "Parameters",
                .map([
                    (
                        "ExecutionRoleArn",
                        .map([
                            ("Type", .string("String")),
                            ("Description", .string("The task execution role: it pulls images, reads secrets and writes logs")),
                        ])
                    )
                ]))
        }
        let retention = service.logging?.retentionDays ?? 30
        template.set(
            "Resources",
            .map([
                (
                    "LogGroup",
                    .map([
                        ("Type", .string("AWS::Logs::LogGroup")),
                        ("Properties", .map([("LogGroupName", .string(logGroup)), ("RetentionInDays", .int(retention))])),
                    ])
                ),
                ("TaskDefinition", .map([("Type", .string("AWS::ECS::TaskDefinition")), ("Properties", task)])),
            ]))
        template.set("Outputs", .map([("TaskDefinitionArn", .map([("Value", .map([("Ref", .string("TaskDefinition"))]))]))]))
        return [RenderedFile(name: RenderTarget.cloudformation.fileName, contents: template.value.yaml())]
    }

    private func executionRoleARN(_ losses: inout Losses) -> String {
        if let arn = options.executionRoleARN { return arn }
        let arn = "arn:aws:iam::123456789012:role/\(family)-ecs-execution"
        losses.note(
            "execution-role", service.origin,
            "no task execution role was given (--execution-role-arn): the task definition names \(arn), which you replace with yours")
        return arn
    }

    /// Copilot's order: main, log router, then sidecars sorted by name.
    private var orderedContainers: [Container] {
        let mains = service.mainContainers
        let routers = service.containers.filter { $0.role == .logRouter }
        let sidecars = service.containers.filter { $0.role == .sidecar }.sorted { $0.name < $1.name }
        return mains + routers + sidecars
    }

    private func taskDefinition(_ losses: inout Losses, executionRole: YAMLValue) -> YAMLValue {
        let mains = service.mainContainers
        if mains.count > 1 {
            losses.lose(
                "several-mains", service.origin,
                "an ECS task has no process types: \(mains.map(\.name).joined(separator: ", ")) all become essential containers of one task")
        }
        if !service.containers.contains(where: \.essential) {
            losses.fail(service.origin, "an ECS task needs an essential container, and every container here is non-essential")
        }
        if let target = service.trafficTarget {
            losses.lose(
                "traffic-target", target.origin, "a task definition has no load balancer: route traffic to \(target.container) in the service that runs it")
        }
        let names = Dictionary(uniqueKeysWithValues: service.containers.map { ($0.name, Self.ecsName($0.name)) })
        var definitions: [YAMLValue] = []
        for container in orderedContainers {
            definitions.append(containerDefinition(container, names: names, losses: &losses))
        }
        let size = taskSize(&losses)
        var task = MapBuilder()
        task.set("family", family)
        task.set("networkMode", "awsvpc")
        task.set("requiresCompatibilities", .list([.string("FARGATE")]))
        task.set("cpu", String(size.cpu))
        task.set("memory", String(size.memory))
        task.set("executionRoleArn", executionRole)
        task.set("containerDefinitions", .list(definitions))
        task.set("volumes", .list(service.volumes.compactMap { volume($0, losses: &losses) }))
        return task.value
    }

    /// The smallest Fargate size that holds the main container's limits plus every sidecar's.
    private func taskSize(_ losses: inout Losses) -> (cpu: Int, memory: Int) {
        var cpu = 0
        var memory = 0
        for container in service.containers {
            let isMain = container.role == .main
            cpu += container.resources.cpuLimit?.value.map { $0 * 1024 / 1000 } ?? (isMain ? 256 : 0)
            memory += container.resources.memoryLimit?.value ?? (isMain ? 512 : 0)
        }
        for size in Self.fargateSizes where size.cpu >= cpu {
            if let fit = size.memory.first(where: { $0 >= memory }) { return (size.cpu, fit) }
        }
        losses.fail(service.origin, "the containers need \(cpu) CPU units and \(memory) MiB, more than the largest Fargate task")
        return (256, 512)
    }

    private func containerDefinition(_ container: Container, names: [String: String], losses: inout Losses) -> YAMLValue {
        var definition = MapBuilder()
        let name = names[container.name] ?? container.name
        definition.set("name", name)
        if name != container.name {
            losses.lose("renamed", container.origin, "container \"\(container.name)\" is named \"\(name)\" (ECS names are letters, digits, - and _)")
        }
        if let image = container.image {
            definition.set("image", image)
        } else if let build = container.imageBuild {
            losses.fail(
                container.origin,
                "\(container.name) is built from \(build): build and push the image, then give its reference with --image \(container.name)=REF (or as its image in the manifest)"
            )
        } else {
            losses.fail(
                container.origin,
                "\(container.name) has no image, and ECS runs images (give it one with --image \(container.name)=REF, or as its image in the manifest)")
        }
        definition.set("essential", .bool(container.essential))
        if container.role == .main {
            // The task's size comes from the main container's limits; ECS needs no container limit for it.
            definition.set("memoryReservation", container.resources.memoryRequest?.value)
        } else {
            definition.set("cpu", container.resources.cpuLimit?.value.map { $0 * 1024 / 1000 })
            definition.set("memory", container.resources.memoryLimit?.value)
            definition.set("memoryReservation", container.resources.memoryRequest?.value)
        }
        let process = RenderSupport.process(container)
        if let entrypoint = process.entrypoint { definition.set("entryPoint", .list(entrypoint.map(YAMLValue.string))) }
        definition.set("command", .list(process.arguments.map(YAMLValue.string)))
        definition.set("workingDirectory", container.workingDirectory)
        definition.set(
            "portMappings",
            .list(
                RenderSupport.numberedPorts(container, losses: &losses).map { port, number in
                    .map([("containerPort", .int(number)), ("protocol", .string(port.transport == .udp ? "udp" : "tcp"))])
                }))
        var environment: [YAMLValue] = []
        var secrets: [YAMLValue] = []
        for variable in container.environment {
            switch variable.value {
            case .plain(let value):
                environment.append(.map([("name", .string(variable.name)), ("value", .string(value))]))
            case .secretReference(.ssmParameter(let parameter)):
                secrets.append(.map([("name", .string(variable.name)), ("valueFrom", .string(parameter))]))
            case .secretReference(.secretsManager(let secret)):
                if options.awsAccount == nil && !secret.hasPrefix("arn:") {
                    losses.lose(
                        "secret-account", variable.origin,
                        "\(variable.name): a Secrets Manager name becomes an ARN with the account 123456789012 (give --account)")
                }
                secrets.append(.map([("name", .string(variable.name)), ("valueFrom", .string(secretsManagerARN(secret)))]))
            case .cloudFormationExport(let export), .secretReference(.cloudFormationExport(let export)):
                losses.lose(
                    "cloudformation-export", variable.origin,
                    "\(variable.name) is the CloudFormation export \(export), which a task definition cannot import: render --target cloudformation, or give its value"
                )
            case .secretReference(let source):
                losses.lose(
                    "local-secret", variable.origin,
                    "\(variable.name) comes from \(source), which exists only on this machine: store it in SSM or Secrets Manager")
            case .secretKey(let secret, let key):
                losses.lose(
                    "kubernetes-secret", variable.origin,
                    "\(variable.name) comes from Kubernetes secret \(secret)/\(key): ECS reads secrets from SSM or Secrets Manager")
            case .configMapFile(let configMap, let file):
                losses.lose("config-map", variable.origin, "\(variable.name) comes from config map file \(configMap)/\(file): ECS has no config maps")
            case .field(let path, _):
                losses.lose(
                    "downward-api", variable.origin, "\(variable.name) comes from the instance field \(path): ECS offers it through the task metadata endpoint")
            }
        }
        definition.set("environment", .list(environment))
        definition.set("secrets", .list(secrets))
        if !container.environmentFiles.isEmpty {
            losses.lose(
                "env-file", container.origin,
                "environment files must be in S3 for ECS: upload \(container.environmentFiles.joined(separator: ", ")) and add environmentFiles")
        }
        definition.set(
            "mountPoints",
            .list(
                container.mounts.compactMap { mount in
                    guard let volume = service.volume(named: mount.volume), representable(volume) else { return nil }
                    return .map([("sourceVolume", .string(mount.volume)), ("containerPath", .string(mount.path)), ("readOnly", .bool(mount.readOnly))])
                }))
        definition.set("healthCheck", healthCheck(container, losses: &losses))
        var startTimeout: Double?
        definition.set(
            "dependsOn",
            .list(
                container.dependsOn.map { dependency in
                    if let timeout = dependency.timeout { startTimeout = max(startTimeout ?? 0, timeout) }
                    return .map([
                        ("containerName", .string(names[dependency.container] ?? dependency.container)), ("condition", .string(dependency.condition.rawValue)),
                    ])
                }))
        definition.set("startTimeout", RenderSupport.seconds(startTimeout))
        if let grace = container.stopGracePeriod {
            var seconds = RenderSupport.seconds(grace) ?? 30
            if seconds > 120 {
                losses.lose("stop-timeout", container.origin, "Fargate allows a stop timeout of 120 s at most; \(container.name) gets 120")
                seconds = 120
            }
            definition.set("stopTimeout", seconds)
        }
        if container.restart != .never {
            definition.set("restartPolicy", .map([("enabled", .bool(true))]))
        }
        definition.set("dockerLabels", .map(container.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        if let credentials = container.registryCredentials {
            definition.set("repositoryCredentials", .map([("credentialsParameter", .string(credentials))]))
        }
        if !container.sidecarFor.isEmpty {
            losses.lose("sidecar-for", container.origin, "an ECS sidecar serves the whole task, not only \(container.sidecarFor.joined(separator: ", "))")
        }
        definition.set("firelensConfiguration", firelens(container))
        definition.set("logConfiguration", logConfiguration(container))
        return definition.value
    }

    private func representable(_ volume: Volume) -> Bool {
        switch volume.kind {
        case .scratch, .efs(_): true
        default: false
        }
    }

    private func healthCheck(_ container: Container, losses: inout Losses) -> YAMLValue? {
        guard let probe = RenderSupport.healthProbe(container) else { return nil }
        let distinct = Set([container.probes.startup, container.probes.readiness, container.probes.liveness].compactMap { $0?.action })
        if distinct.count > 1 {
            losses.lose("single-health-check", probe.origin, "ECS has one health check per container: \(container.name)'s other probes are dropped")
        }
        if let threshold = probe.successThreshold, threshold > 1 {
            losses.lose("success-threshold", probe.origin, "ECS health checks pass on one success: the success threshold \(threshold) is dropped")
        }
        // Whole seconds within ECS's bounds; every change to what the user wrote is named, quoting it.
        func seconds(_ written: Double?, _ range: ClosedRange<Int>, _ field: String, minimum: Int = 1) -> Int? {
            guard let written, let rounded = RenderSupport.seconds(written, minimum: minimum) else { return nil }
            let clamped = min(max(rounded, range.lowerBound), range.upperBound)
            if Double(clamped) != written {
                let why = clamped != rounded ? "ECS takes a health check \(field) of \(range.lowerBound) to \(range.upperBound) s" : "ECS counts whole seconds"
                losses.lose("health-check-bounds", probe.origin, "\(container.name): \(field) \(GoDuration.format(written)) becomes \(clamped) (\(why))")
            }
            return clamped
        }
        func count(_ value: Int?, _ range: ClosedRange<Int>, _ field: String) -> Int? {
            guard let value else { return nil }
            let clamped = min(max(value, range.lowerBound), range.upperBound)
            if clamped != value {
                losses.lose(
                    "health-check-bounds", probe.origin,
                    "\(container.name): \(field) \(value) becomes \(clamped) (ECS takes \(range.lowerBound) to \(range.upperBound))")
            }
            return clamped
        }
        var check = MapBuilder()
        check.set("command", .list(RenderSupport.healthCommand(probe, container: container, losses: &losses).map(YAMLValue.string)))
        check.set("interval", seconds(probe.period, 5...300, "interval"))
        check.set("timeout", seconds(probe.timeout, 2...60, "timeout"))
        check.set("retries", count(probe.failureThreshold, 1...10, "retries"))
        check.set("startPeriod", seconds(probe.initialDelay, 0...300, "start period", minimum: 0))
        return check.value
    }

    private func firelens(_ container: Container) -> YAMLValue? {
        guard let logging = service.logging, logging.router == container.name else { return nil }
        var options: [(String, YAMLValue)] = [("enable-ecs-log-metadata", .string(logging.enableMetadata ? "true" : "false"))]
        if let path = logging.configFilePath {
            options += [("config-file-type", .string("file")), ("config-file-value", .string(path))]
        }
        return .map([("type", .string("fluentbit")), ("options", .map(options))])
    }

    /// The main containers log through FireLens when a router exists; everything else (the router too)
    /// logs to CloudWatch with awslogs.
    private func logConfiguration(_ container: Container) -> YAMLValue {
        if let logging = service.logging, container.role == .main {
            var configuration = MapBuilder()
            configuration.set("logDriver", "awsfirelens")
            configuration.set("options", .map(logging.destination.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
            configuration.set(
                "secretOptions",
                .list(
                    logging.secretOptions.sorted { $0.key < $1.key }.compactMap { name, source in
                        switch source {
                        case .ssmParameter(let parameter): .map([("name", .string(name)), ("valueFrom", .string(parameter))])
                        case .secretsManager(let secret): .map([("name", .string(name)), ("valueFrom", .string(secretsManagerARN(secret)))])
                        default: nil
                        }
                    }))
            return configuration.value
        }
        return .map([
            ("logDriver", .string("awslogs")),
            (
                "options",
                .map([
                    ("awslogs-group", .string(logGroup)), ("awslogs-region", .string(options.awsRegion)),
                    ("awslogs-stream-prefix", .string("tandem")),
                ])
            ),
        ])
    }

    private func volume(_ volume: Volume, losses: inout Losses) -> YAMLValue? {
        switch volume.kind {
        case .scratch:
            return .map([("name", .string(volume.name))])
        case .efs(let efs):
            guard let id = efs.fileSystemId else {
                losses.lose("managed-efs", volume.origin, "Copilot creates this EFS file system; create it and give its id")
                return nil
            }
            var configuration = MapBuilder()
            configuration.set("fileSystemId", id)
            configuration.set("rootDirectory", efs.rootDirectory)
            let encrypted = efs.iamAuthorization == true || efs.accessPointId != nil
            configuration.set("transitEncryption", encrypted ? "ENABLED" : "DISABLED")
            var authorization = MapBuilder()
            if efs.iamAuthorization == true { authorization.set("iam", "ENABLED") }
            authorization.set("accessPointId", efs.accessPointId)
            configuration.set("authorizationConfig", authorization.value)
            return .map([("name", .string(volume.name)), ("efsVolumeConfiguration", configuration.value)])
        case .hostPath(let path):
            losses.lose("host-path", volume.origin, "Fargate has no host paths: volume \(volume.name) (\(path)) and its mounts are dropped")
            return nil
        case .configMap(let name):
            losses.lose(
                "config-map", volume.origin, "ECS has no config maps: volume \(name) and its mounts are dropped (bake the files into the image, or use EFS)")
            return nil
        case .secret(let name):
            losses.lose("secret-volume", volume.origin, "ECS injects secrets as variables, not files: volume \(name) and its mounts are dropped")
            return nil
        }
    }

    /// A Secrets Manager secret given by name, as the ARN ECS needs (ECS reads a bare name as an SSM
    /// parameter); an ARN is kept.
    func secretsManagerARN(_ secret: String) -> String {
        secret.hasPrefix("arn:") ? secret : "arn:aws:secretsmanager:\(options.awsRegion):\(options.awsAccount ?? "123456789012"):secret:\(secret)"
    }

    /// The API's camelCase names in CloudFormation's PascalCase; user data (options, labels) keeps its keys.
    static func pascalCase(_ value: YAMLValue, logGroup: String, key: String = "") -> YAMLValue {
        let verbatim: Set<String> = ["options", "dockerLabels"]
        switch value {
        case .map(let entries):
            if verbatim.contains(key) {
                return .map(
                    entries.map { entry in
                        (entry.0, entry.0 == "awslogs-group" && entry.1 == .string(logGroup) ? .map([("Ref", .string("LogGroup"))]) : entry.1)
                    })
            }
            if entries.count == 1, entries[0].0 == "Ref" { return value }
            return .map(entries.map { (pascal($0.0), pascalCase($0.1, logGroup: logGroup, key: $0.0)) })
        case .list(let items):
            return .list(items.map { pascalCase($0, logGroup: logGroup, key: key) })
        default:
            return value
        }
    }

    static func pascal(_ key: String) -> String {
        switch key {
        case "efsVolumeConfiguration": return "EFSVolumeConfiguration"
        case "fileSystemId": return "FilesystemId"
        case "iam": return "IAM"
        default: return key.prefix(1).uppercased() + key.dropFirst()
        }
    }
}
