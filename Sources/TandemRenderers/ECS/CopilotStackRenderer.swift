import TandemCore
import TandemFormats

/// A Copilot workload as a CloudFormation stack laid out as Copilot's own templates lay it out
/// (internal/pkg/template/templates/workloads): Copilot's parameters (AppName, EnvName, WorkloadName,
/// ContainerImage, TaskCPU, ...), its container definitions (the main container, the FireLens router,
/// sidecars by name; the `COPILOT_*` variables; ports from `http` and `nlb`, the Service Connect port
/// named `target`; `from_cfn` imports; Secrets Manager ARNs), and the ECS service's `LoadBalancers`.
/// What Copilot's environment stack provides (the cluster, subnets, load balancer DNS, managed file
/// system) is imported from its exports, so the stack deploys into an environment `copilot env deploy`
/// made; the load balancer's target groups, which Copilot creates beside its listener rules, are
/// parameters.
struct CopilotStackRenderer {
    let service: Service
    let workload: CopilotWorkload
    let options: RenderOptions

    private var main: Container? { service.mainContainers.first }
    private var balanced: Bool { workload.kind == .loadBalancedWebService || workload.kind == .backendService }

    static func logicalID(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }.map(Character.init))
    }
    static func ref(_ name: String) -> YAMLValue { .map([("Ref", .string(name))]) }
    static func sub(_ text: String) -> YAMLValue { .map([("Fn::Sub", .string(text))]) }
    static func importValue(_ value: YAMLValue) -> YAMLValue { .map([("Fn::ImportValue", value)]) }
    static func getAtt(_ resource: String, _ attribute: String) -> YAMLValue { .map([("Fn::GetAtt", .list([.string(resource), .string(attribute)]))]) }
    /// An export of the Copilot environment stack (`${AppName}-${EnvName}-NAME`).
    static func environmentExport(_ name: String) -> YAMLValue { importValue(sub("${AppName}-${EnvName}-\(name)")) }

    func render(_ losses: inout Losses) -> [RenderedFile] {
        guard let template = template(&losses) else { return [] }
        return [RenderedFile(name: RenderTarget.cloudformation.fileName, contents: template.yaml())]
    }

    /// The stack as a tree: what both the CloudFormation and the ECS renders are made from.
    func template(_ losses: inout Losses) -> YAMLValue? {
        guard let main else {
            losses.fail(service.origin, "a Copilot workload has a main container")
            return nil
        }
        let (index, _) = workload.exposedPorts(of: service)
        var parameters = MapBuilder()
        var conditions = MapBuilder()
        var resources = MapBuilder()
        func parameter(_ name: String, _ type: String = "String", default value: YAMLValue? = nil, _ description: String) {
            var entry = MapBuilder()
            entry.set("Type", type)
            entry.set("Description", description)
            if let value { entry.setKeepingEmpty("Default", value) }
            parameters.set(name, entry.value)
        }
        parameter("AppName", default: options.application.map(YAMLValue.string), "The Copilot application")
        parameter("EnvName", default: options.environment.map(YAMLValue.string), "The Copilot environment")
        parameter("WorkloadName", default: .string(workload.name), "The workload's name")
        if main.image == nil {
            let build = main.imageBuild.map { " (built from \($0))" } ?? ""
            losses.lose(
                "container-image", main.origin,
                "\(main.name)'s image\(build) is the ContainerImage parameter: give it when deploying, or render with --image \(main.name)=REF")
        }
        parameter("ContainerImage", default: main.image.map(YAMLValue.string), "The main container's image")
        let size = taskSize()
        parameter("TaskCPU", default: .string(String(size.cpu)), "CPU units of the task")
        parameter("TaskMemory", default: .string(String(size.memory)), "MiB of memory of the task")
        let runsService = [.loadBalancedWebService, .backendService, .workerService].contains(workload.kind)
        if runsService { parameter("TaskCount", "Number", default: .int(1), "How many tasks the service runs") }
        parameter("LogRetention", "Number", default: .int(service.logging?.retentionDays ?? 30), "Days the log group keeps events")
        func envFileCondition(_ name: String, _ condition: String, _ what: String) {
            parameter(name, default: .string(""), "The S3 ARN of \(what)'s environment file (empty for none)")
            conditions.set(condition, .map([("Fn::Not", .list([.map([("Fn::Equals", .list([Self.ref(name), .string("")]))])]))]))
        }
        envFileCondition("EnvFileARN", "HasEnvFile", main.name)
        for file in main.environmentFiles {
            losses.lose("env-file", main.origin, "upload \(file) to S3 and give its ARN as the EnvFileARN parameter (Copilot uploads it)")
        }
        let router = service.containers.first { $0.role == .logRouter }
        if router != nil { envFileCondition("LoggingEnvFileARN", "HasLoggingEnvFile", "the log router") }
        let sidecars = service.containers.filter { $0.role == .sidecar }.sorted { $0.name < $1.name }
        for sidecar in sidecars {
            let id = Self.logicalID(sidecar.name)
            envFileCondition("EnvFileARNFor\(id)", "HasEnvFileFor\(id)", sidecar.name)
        }

        resources.set(
            "LogGroup",
            .map([
                ("Type", .string("AWS::Logs::LogGroup")),
                (
                    "Properties",
                    .map([("LogGroupName", Self.sub("/copilot/${AppName}-${EnvName}-${WorkloadName}")), ("RetentionInDays", Self.ref("LogRetention"))])
                ),
            ]))
        resources.set("ExecutionRole", executionRole())
        resources.set("TaskRole", Self.role())

        var definitions = [mainDefinition(main, index: index, losses: &losses)]
        if let router { definitions.append(routerDefinition(router)) }
        for sidecar in sidecars { definitions.append(sidecarDefinition(sidecar, index: index, losses: &losses)) }

        var task = MapBuilder()
        task.set("Family", Self.sub("${AppName}-${EnvName}-${WorkloadName}"))
        task.set("NetworkMode", "awsvpc")
        task.set("RequiresCompatibilities", .list([.string("FARGATE")]))
        task.set("Cpu", Self.ref("TaskCPU"))
        task.set("Memory", Self.ref("TaskMemory"))
        if let ephemeral = workload.ephemeralStorage, ephemeral != 20 { task.set("EphemeralStorage", .map([("SizeInGiB", .int(ephemeral))])) }
        task.set("ExecutionRoleArn", Self.getAtt("ExecutionRole", "Arn"))
        task.set("TaskRoleArn", Self.getAtt("TaskRole", "Arn"))
        task.set("ContainerDefinitions", .list(definitions))
        task.set("Volumes", volumes(&resources, losses: &losses))
        resources.set("TaskDefinition", .map([("Type", .string("AWS::ECS::TaskDefinition")), ("Properties", task.value)]))

        for topic in workload.topics {
            var properties = MapBuilder()
            properties.set("TopicName", Self.sub("${AppName}-${EnvName}-${WorkloadName}-\(topic.name)\(topic.fifo ? ".fifo" : "")"))
            if topic.fifo { properties.set("FifoTopic", true) }
            if topic.contentBasedDeduplication { properties.set("ContentBasedDeduplication", true) }
            resources.set(
                "\(Self.logicalID(topic.name))\(topic.fifo ? "FIFO" : "")SNSTopic",
                .map([("Type", .string("AWS::SNS::Topic")), ("Properties", properties.value)]))
        }
        if workload.kind == .workerService {
            resources.set("EventsQueue", .map([("Type", .string("AWS::SQS::Queue"))]))
            for subscription in workload.subscriptions where subscription.hasQueue {
                var queue: [(String, YAMLValue)] = [("Type", .string("AWS::SQS::Queue"))]
                if subscription.fifo { queue.append(("Properties", .map([("FifoQueue", .bool(true))]))) }
                resources.set(queueID(subscription), .map(queue))
            }
            if !workload.subscriptions.isEmpty {
                losses.lose(
                    "subscriptions", workload.subscriptions.isEmpty ? service.origin : main.origin,
                    "the queues are created, but not subscribed to the topics (Copilot subscribes them and grants SNS the right to send)")
            }
        }

        var outputs = MapBuilder()
        outputs.set("TaskDefinitionArn", .map([("Value", Self.ref("TaskDefinition"))]))
        if !runsService {
            losses.lose(
                "workload-kind", service.origin,
                "a \(workload.kind.rawValue) runs beside what Copilot creates for it (a schedule, App Runner, a bucket): only its task definition is rendered")
        } else {
            resources.set("Service", ecsService(index: index, parameters: &parameters, losses: &losses))
        }

        var template = MapBuilder()
        template.set("AWSTemplateFormatVersion", "2010-09-09")
        template.set("Description", "\(workload.kind.rawValue) \(workload.name), rendered by Tandem as Copilot renders it")
        template.set("Parameters", parameters.value)
        template.set("Conditions", conditions.value)
        template.set("Resources", resources.value)
        template.set("Outputs", outputs.value)
        return template.value
    }

    /// Fargate's smallest size holding `cpu`/`memory` (Copilot's task size), the main container's limits.
    private func taskSize() -> (cpu: Int, memory: Int) {
        let cpu = main?.resources.cpuLimit?.value.map { $0 * 1024 / 1000 } ?? 256
        let memory = main?.resources.memoryLimit?.value ?? 512
        return (cpu, memory)
    }

    private func queueID(_ subscription: CopilotWorkload.Subscription) -> String {
        Self.logicalID(subscription.service) + Self.logicalID(subscription.name + (subscription.fifo ? ".fifo" : "")) + "EventsQueue"
    }

    // MARK: Containers

    /// `envvars-common`: what Copilot gives every container.
    private func commonEnvironment() -> [YAMLValue] {
        var result: [YAMLValue] = [
            variable("COPILOT_APPLICATION_NAME", Self.sub("${AppName}")),
            variable("COPILOT_SERVICE_DISCOVERY_ENDPOINT", Self.sub("${EnvName}.${AppName}.local")),
            variable("COPILOT_ENVIRONMENT_NAME", Self.sub("${EnvName}")),
            variable("COPILOT_SERVICE_NAME", Self.sub("${WorkloadName}")),
        ]
        if !workload.topics.isEmpty {
            var arns: [String: String] = [:]
            for topic in workload.topics {
                let name = topic.name + (topic.fifo ? ".fifo" : "")
                arns[name] = "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${AppName}-${EnvName}-${WorkloadName}-\(name)"
            }
            result.append(variable("COPILOT_SNS_TOPIC_ARNS", Self.sub(Self.json(arns))))
        }
        if workload.kind == .workerService {
            result.append(variable("COPILOT_QUEUE_URI", Self.ref("EventsQueue")))
            let queued = workload.subscriptions.filter(\.hasQueue)
            if !queued.isEmpty {
                var uris: [String: String] = [:]
                var mapping: [(String, YAMLValue)] = []
                for subscription in queued {
                    let service = Self.logicalID(subscription.service)
                    let topic = Self.logicalID(subscription.name + (subscription.fifo ? ".fifo" : ""))
                    uris["\(service)\(topic.prefix(1).uppercased() + topic.dropFirst().lowercased())EventsQueue"] = "${\(service)\(topic)URL}"
                    mapping.append(("\(service)\(topic)URL", Self.ref(queueID(subscription))))
                }
                result.append(variable("COPILOT_TOPIC_QUEUE_URIS", .map([("Fn::Sub", .list([.string(Self.json(uris)), .map(mapping)]))])))
            }
        }
        if balanced && !workload.routingRules.isEmpty {
            if workload.importedLoadBalancer != nil {
                result.append(variable("COPILOT_LB_DNS", Self.ref("ImportedLoadBalancerDNSName")))
            } else {
                let export = workload.kind == .loadBalancedWebService ? "PublicLoadBalancerDNS" : "InternalLoadBalancerDNS"
                result.append(variable("COPILOT_LB_DNS", Self.environmentExport(export)))
            }
        }
        return result
    }

    private func variable(_ name: String, _ value: YAMLValue) -> YAMLValue { .map([("Name", .string(name)), ("Value", value)]) }

    /// Go's encoding/json of a map[string]string: keys sorted, no spaces, and `<`, `>`, `&` escaped as
    /// Go's HTML-safe default does (JSON's own escapes otherwise).
    static func json(_ map: [String: String]) -> String {
        func quote(_ text: String) -> String {
            var out = ""
            for scalar in JSONText.quoted(text).unicodeScalars {
                switch scalar {
                case "<": out += "\\u003c"
                case ">": out += "\\u003e"
                case "&": out += "\\u0026"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
        return "{" + map.keys.sorted().map { "\(quote($0)):\(quote(map[$0]!))" }.joined(separator: ",") + "}"
    }

    /// A container's variables (sorted by name, as Go's templates range over maps) and its secrets.
    private func environment(_ container: Container, losses: inout Losses) -> (variables: [YAMLValue], secrets: [YAMLValue]) {
        var variables: [(String, YAMLValue)] = []
        var secrets: [(String, YAMLValue)] = []
        for entry in container.environment {
            switch entry.value {
            case .plain(let value): variables.append((entry.name, .string(value)))
            case .cloudFormationExport(let export): variables.append((entry.name, Self.importValue(.string(export))))
            case .secretReference(let source):
                if let value = secretValue(source, entry, losses: &losses) { secrets.append((entry.name, value)) }
            default:
                losses.lose("variable-source", entry.origin, "\(entry.name) has a source ECS cannot read: it is left out")
            }
        }
        let sortedVariables = variables.sorted { $0.0 < $1.0 }.map { variable($0.0, $0.1) }
        let sortedSecrets = secrets.sorted { $0.0 < $1.0 }.map { YAMLValue.map([("Name", .string($0.0)), ("ValueFrom", $0.1)]) }
        return (sortedVariables, sortedSecrets)
    }

    /// Copilot's secrets: an SSM name or ARN as written, a Secrets Manager name as its ARN, an import.
    private func secretValue(_ source: SecretSource, _ entry: EnvironmentVariable, losses: inout Losses) -> YAMLValue? {
        switch source {
        case .ssmParameter(let name): return .string(name)
        case .secretsManager(let name):
            return name.hasPrefix("arn:") ? .string(name) : Self.sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:\(name)")
        case .cloudFormationExport(let export): return Self.importValue(.string(export))
        case .file, .hostEnvironment:
            losses.lose("local-secret", entry.origin, "\(entry.name) comes from \(source), which exists only on this machine: it is left out")
            return nil
        }
    }

    private func awslogs() -> YAMLValue {
        .map([
            ("LogDriver", .string("awslogs")),
            (
                "Options",
                .map([
                    ("awslogs-region", Self.ref("AWS::Region")), ("awslogs-group", Self.ref("LogGroup")), ("awslogs-stream-prefix", .string("copilot")),
                ])
            ),
        ])
    }

    private func envFiles(_ condition: String, _ parameter: String) -> YAMLValue {
        .list([.map([("Fn::If", .list([.string(condition), .map([("Type", .string("s3")), ("Value", Self.ref(parameter))]), Self.ref("AWS::NoValue")]))])])
    }

    private func process(_ container: Container, into definition: inout MapBuilder) {
        if let entrypoint = container.entrypoint { definition.set("EntryPoint", .list(entrypoint.map(YAMLValue.string))) }
        if let command = container.command { definition.set("Command", .list(command.argv.map(YAMLValue.string))) }
    }

    private func healthCheck(_ container: Container, losses: inout Losses) -> YAMLValue? {
        guard let probe = container.probes.readiness ?? container.probes.liveness ?? container.probes.startup else { return nil }
        let command = RenderSupport.healthCommand(probe, container: container, losses: &losses)
        return .map([
            ("Command", .list(command.map(YAMLValue.string))),
            ("Interval", .int(Int(probe.period ?? 10))),
            ("Retries", .int(probe.failureThreshold ?? 2)),
            ("StartPeriod", .int(Int(probe.initialDelay ?? 0))),
            ("Timeout", .int(Int(probe.timeout ?? 5))),
        ])
    }

    private func ports(_ container: Container, index: CopilotWorkload.PortIndex, named: Bool) -> YAMLValue {
        let server = workload.serviceConnectTarget(in: index)
        return .list(
            index.ports(of: container.name).map { port in
                var mapping = MapBuilder()
                mapping.set("ContainerPort", port.port)
                mapping.set("Protocol", port.transport)
                if named, let server, server.container == container.name, server.port == port.port { mapping.set("Name", "target") }
                return mapping.value
            })
    }

    private func mountPointsJSON(_ mounts: [Mount]) -> YAMLValue? {
        guard !mounts.isEmpty else { return nil }
        var map: [String: String] = [:]
        for mount in mounts where !mount.path.isEmpty { map[mount.volume] = mount.path }
        return variable("COPILOT_MOUNT_POINTS", .string(Self.json(map)))
    }

    private func labels(_ container: Container) -> YAMLValue {
        .map(container.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    private func dependsOn(_ container: Container) -> YAMLValue {
        .list(
            container.dependsOn.sorted { $0.container < $1.container }.map { dependency in
                .map([("Condition", .string(dependency.condition.rawValue)), ("ContainerName", .string(dependency.container))])
            })
    }

    private func mainDefinition(_ main: Container, index: CopilotWorkload.PortIndex, losses: inout Losses) -> YAMLValue {
        var definition = MapBuilder()
        // The name itself, not Copilot's `!Ref WorkloadName`: other containers' `DependsOn` name it, and
        // checkers that do not resolve parameters could not follow a reference.
        definition.set("Name", main.name)
        definition.set("Image", Self.ref("ContainerImage"))
        let (variables, secrets) = environment(main, losses: &losses)
        definition.set("Secrets", .list(secrets))
        let mounts = main.mounts.sorted { $0.volume < $1.volume }
        definition.set("Environment", .list(commonEnvironment() + variables + [mountPointsJSON(mounts)].compactMap { $0 }))
        definition.set("EnvironmentFiles", envFiles("HasEnvFile", "EnvFileARN"))
        if let logging = service.logging {
            var configuration = MapBuilder()
            configuration.set("LogDriver", "awsfirelens")
            configuration.set("Options", .map(logging.destination.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
            configuration.set(
                "SecretOptions",
                .list(
                    logging.secretOptions.sorted { $0.key < $1.key }.compactMap { name, source in
                        secretValue(source, EnvironmentVariable(name: name, value: .secretReference(source), origin: logging.origin), losses: &losses).map {
                            .map([("Name", .string(name)), ("ValueFrom", $0)])
                        }
                    }))
            definition.set("LogConfiguration", configuration.value)
        } else {
            definition.set("LogConfiguration", awslogs())
        }
        process(main, into: &definition)
        definition.set(
            "MountPoints",
            .list(
                mounts.map { mount in
                    .map([("ContainerPath", .string(mount.path)), ("ReadOnly", .bool(mount.readOnly)), ("SourceVolume", .string(mount.volume))])
                }))
        definition.set("DockerLabels", labels(main))
        definition.set("DependsOn", dependsOn(main))
        if balanced { definition.set("PortMappings", ports(main, index: index, named: true)) }
        definition.set("HealthCheck", healthCheck(main, losses: &losses))
        if workload.readonlyRootFilesystem == true { definition.set("ReadonlyRootFilesystem", true) }
        if let credentials = main.registryCredentials { definition.set("RepositoryCredentials", .map([("CredentialsParameter", .string(credentials))])) }
        return definition.value
    }

    private func routerDefinition(_ router: Container) -> YAMLValue {
        var ignored = Losses(file: "", target: .cloudformation)
        let (variables, secrets) = environment(router, losses: &ignored)
        var definition = MapBuilder()
        definition.set("Name", router.name)
        definition.set("Image", router.image ?? CopilotManifestReader.defaultLogRouterImage)
        definition.set("Environment", .list(commonEnvironment() + variables))
        definition.set("EnvironmentFiles", envFiles("HasLoggingEnvFile", "LoggingEnvFileARN"))
        definition.set("Secrets", .list(secrets))
        var options = MapBuilder()
        options.set("enable-ecs-log-metadata", service.logging?.enableMetadata ?? true)
        if let file = service.logging?.configFilePath {
            options.set("config-file-type", "file")
            options.set("config-file-value", file)
        }
        definition.set("FirelensConfiguration", .map([("Type", .string("fluentbit")), ("Options", options.value)]))
        definition.set("LogConfiguration", awslogs())
        return definition.value
    }

    private func sidecarDefinition(_ sidecar: Container, index: CopilotWorkload.PortIndex, losses: inout Losses) -> YAMLValue {
        var definition = MapBuilder()
        definition.set("Name", sidecar.name)
        if let image = sidecar.image {
            definition.set("Image", image)
        } else {
            losses.fail(
                sidecar.origin,
                "\(sidecar.name) is built from \(sidecar.imageBuild ?? "a Dockerfile"): build and push the image, then give its reference with --image \(sidecar.name)=REF"
            )
        }
        if !sidecar.essential { definition.set("Essential", false) }
        process(sidecar, into: &definition)
        definition.set("PortMappings", ports(sidecar, index: index, named: balanced))
        definition.set("HealthCheck", healthCheck(sidecar, losses: &losses))
        let (variables, secrets) = environment(sidecar, losses: &losses)
        definition.set("Environment", .list(commonEnvironment() + variables + [mountPointsJSON(sidecar.mounts)].compactMap { $0 }))
        definition.set("EnvironmentFiles", envFiles("HasEnvFileFor\(Self.logicalID(sidecar.name))", "EnvFileARNFor\(Self.logicalID(sidecar.name))"))
        definition.set("Secrets", .list(secrets))
        definition.set("LogConfiguration", awslogs())
        definition.set("DockerLabels", labels(sidecar))
        definition.set("DependsOn", dependsOn(sidecar))
        if let credentials = sidecar.registryCredentials { definition.set("RepositoryCredentials", .map([("CredentialsParameter", .string(credentials))])) }
        definition.set(
            "MountPoints",
            .list(
                sidecar.mounts.map { mount in
                    .map([("SourceVolume", .string(mount.volume)), ("ReadOnly", .bool(mount.readOnly)), ("ContainerPath", .string(mount.path))])
                }))
        for file in sidecar.environmentFiles {
            losses.lose(
                "env-file", sidecar.origin, "upload \(file) to S3 and give its ARN as EnvFileARNFor\(Self.logicalID(sidecar.name)) (Copilot uploads it)")
        }
        return definition.value
    }

    // MARK: Storage, roles, service

    /// Copilot's `volumes` partial: the managed file system first, then the others by name.
    private func volumes(_ resources: inout MapBuilder, losses: inout Losses) -> YAMLValue {
        var result: [YAMLValue] = []
        let sorted = service.volumes.sorted { $0.name < $1.name }
        // Copilot keeps one managed volume: the last by name.
        if let managed = sorted.last(where: { if case .efs(let efs) = $0.kind { efs.managed } else { false } }), case .efs(let efs) = managed.kind {
            let id = Int(Self.crc32(workload.name))
            let uid = efs.uid ?? id
            let gid = efs.gid ?? id
            resources.set(
                "AccessPoint",
                .map([
                    ("Type", .string("AWS::EFS::AccessPoint")),
                    (
                        "Properties",
                        .map([
                            ("ClientToken", Self.sub("${AppName}-${EnvName}-${WorkloadName}")),
                            ("FileSystemId", Self.environmentExport("FilesystemID")),
                            ("PosixUser", .map([("Uid", .string(String(uid))), ("Gid", .string(String(gid)))])),
                            (
                                "RootDirectory",
                                .map([
                                    ("Path", .string("/\(workload.name)")),
                                    (
                                        "CreationInfo",
                                        .map([("OwnerUid", .string(String(uid))), ("OwnerGid", .string(String(gid))), ("Permissions", .string("0755"))])
                                    ),
                                ])
                            ),
                        ])
                    ),
                ]))
            result.append(
                .map([
                    ("Name", .string(managed.name)),
                    (
                        "EFSVolumeConfiguration",
                        .map([
                            ("FilesystemId", Self.environmentExport("FilesystemID")),
                            ("RootDirectory", .string("/")),
                            ("TransitEncryption", .string("ENABLED")),
                            ("AuthorizationConfig", .map([("AccessPointId", Self.ref("AccessPoint")), ("IAM", .string("ENABLED"))])),
                        ])
                    ),
                ]))
        }
        for volume in sorted {
            switch volume.kind {
            case .scratch:
                result.append(.map([("Name", .string(volume.name))]))
            case .efs(let efs) where efs.managed:
                continue
            case .efs(let efs):
                let id: YAMLValue = efs.fileSystemIdIsExport ? Self.importValue(.string(efs.fileSystemId ?? "")) : .string(efs.fileSystemId ?? "")
                var configuration = MapBuilder()
                configuration.set("FilesystemId", id)
                configuration.set("RootDirectory", efs.rootDirectory ?? "/")
                configuration.set("TransitEncryption", "ENABLED")
                var authorization = MapBuilder()
                authorization.set("AccessPointId", efs.accessPointId)
                authorization.set("IAM", efs.iamAuthorization == true ? "ENABLED" : "DISABLED")
                configuration.set("AuthorizationConfig", authorization.value)
                result.append(.map([("Name", .string(volume.name)), ("EFSVolumeConfiguration", configuration.value)]))
            default:
                losses.lose("volume-kind", volume.origin, "volume \(volume.name) is not a Copilot volume (scratch or EFS): it is left out")
            }
        }
        return .list(result)
    }

    /// zlib's CRC-32 (Go's crc32.ChecksumIEEE), which Copilot uses for a managed volume's default uid/gid.
    static func crc32(_ text: String) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in text.utf8 {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func role(policies: YAMLValue? = nil, managedPolicies: YAMLValue? = nil) -> YAMLValue {
        var properties = MapBuilder()
        properties.set(
            "AssumeRolePolicyDocument",
            .map([
                ("Version", .string("2012-10-17")),
                (
                    "Statement",
                    .list([
                        .map([
                            ("Effect", .string("Allow")), ("Principal", .map([("Service", .string("ecs-tasks.amazonaws.com"))])),
                            ("Action", .string("sts:AssumeRole")),
                        ])
                    ])
                ),
            ]))
        properties.set("Policies", policies)
        properties.set("ManagedPolicyArns", managedPolicies)
        return .map([("Type", .string("AWS::IAM::Role")), ("Properties", properties.value)])
    }

    /// Copilot's execution role: pull and log, and read the secrets tagged with the app and environment.
    private func executionRole() -> YAMLValue {
        func tagged(_ action: String, _ resource: String, _ prefix: String) -> YAMLValue {
            .map([
                ("Effect", .string("Allow")), ("Action", .list([.string(action)])), ("Resource", .list([Self.sub(resource)])),
                (
                    "Condition",
                    .map([
                        (
                            "StringEquals",
                            .map([
                                ("\(prefix):ResourceTag/copilot-application", Self.sub("${AppName}")),
                                ("\(prefix):ResourceTag/copilot-environment", Self.sub("${EnvName}")),
                            ])
                        )
                    ])
                ),
            ])
        }
        let secrets: YAMLValue = .map([
            ("PolicyName", Self.sub("${AppName}-${EnvName}-${WorkloadName}SecretsPolicy")),
            (
                "PolicyDocument",
                .map([
                    ("Version", .string("2012-10-17")),
                    (
                        "Statement",
                        .list([
                            tagged("ssm:GetParameters", "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/*", "ssm"),
                            tagged(
                                "secretsmanager:GetSecretValue", "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*",
                                "secretsmanager"),
                            tagged("kms:Decrypt", "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*", "aws"),
                        ])
                    ),
                ])
            ),
        ])
        return Self.role(
            policies: .list([secrets]),
            managedPolicies: .list([Self.sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")]))
    }

    /// The ECS service, in the environment's cluster and subnets, with Copilot's `LoadBalancers`.
    private func ecsService(index: CopilotWorkload.PortIndex, parameters: inout MapBuilder, losses: inout Losses) -> YAMLValue {
        var loadBalancers: [YAMLValue] = []
        func targetGroup(_ name: String, _ what: String) -> YAMLValue {
            parameters.set(name, .map([("Type", .string("String")), ("Description", .string("The ARN of the target group \(what)"))]))
            return Self.ref(name)
        }
        if balanced {
            for (position, rule) in workload.routingRules.enumerated() {
                let (container, port) = workload.target(of: rule, in: index)
                guard let port else { continue }
                let suffix = position == 0 ? "" : String(position)
                let name = (workload.importedLoadBalancer != nil ? "TargetGroupForImportedALB" : "TargetGroup") + suffix
                loadBalancers.append(
                    .map([
                        ("ContainerName", .string(container)), ("ContainerPort", .int(port)),
                        ("TargetGroupArn", targetGroup(name, "that sends the ALB's traffic to \(container):\(port)")),
                    ]))
            }
        }
        if workload.kind == .loadBalancedWebService {
            for (position, listener) in workload.listeners.enumerated() {
                let (container, port) = workload.target(of: listener, in: index)
                let name = "NetworkLoadBalancerTargetGroup" + (position == 0 ? "" : String(position))
                loadBalancers.append(
                    .map([
                        ("ContainerName", .string(container)), ("ContainerPort", .int(port)),
                        ("TargetGroupArn", targetGroup(name, "that sends the NLB's traffic on \(listener.port) to \(container):\(port)")),
                    ]))
            }
        }
        if !loadBalancers.isEmpty {
            losses.lose(
                "target-groups", service.origin,
                "Copilot creates the load balancer's target groups and listener rules; here their ARNs are parameters (TargetGroup...)")
        }
        if workload.importedLoadBalancer != nil {
            parameters.set(
                "ImportedLoadBalancerDNSName",
                .map([("Type", .string("String")), ("Description", .string("The DNS name of the imported ALB (http.alb)"))]))
        }
        let publicSubnets = workload.kind == .loadBalancedWebService
        var properties = MapBuilder()
        properties.set("Cluster", Self.environmentExport("ClusterId"))
        properties.set("TaskDefinition", Self.ref("TaskDefinition"))
        properties.set("DesiredCount", Self.ref("TaskCount"))
        properties.set("LaunchType", "FARGATE")
        properties.set(
            "NetworkConfiguration",
            .map([
                (
                    "AwsvpcConfiguration",
                    .map([
                        ("AssignPublicIp", .string(publicSubnets ? "ENABLED" : "DISABLED")),
                        (
                            "Subnets",
                            .map([("Fn::Split", .list([.string(","), Self.environmentExport(publicSubnets ? "PublicSubnets" : "PrivateSubnets")]))])
                        ),
                        ("SecurityGroups", .list([Self.environmentExport("EnvironmentSecurityGroup")])),
                    ])
                )
            ]))
        properties.set("LoadBalancers", .list(loadBalancers))
        return .map([("Type", .string("AWS::ECS::Service")), ("Properties", properties.value)])
    }
}
