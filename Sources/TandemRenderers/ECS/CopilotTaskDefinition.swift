import TandemCore
import TandemFormats

/// The task definition of a Copilot workload for `aws ecs register-task-definition`: the stack's
/// `TaskDefinition` with its parameters filled in (application, environment, region, account, image) and
/// the API's camelCase names. What exists only inside CloudFormation (`from_cfn` imports, the environment
/// file conditions, the managed file system's access point) is a named loss.
extension CopilotStackRenderer {
    func renderTaskDefinition(_ losses: inout Losses) -> [RenderedFile] {
        // The stack's own notes about its service and target groups are not this file's.
        var stackLosses = Losses(file: losses.file, target: losses.target)
        let built = template(&stackLosses)
        for diagnostic in stackLosses.diagnostics where !diagnostic.message.contains("/target-groups]") && !diagnostic.message.contains("/subscriptions]") {
            losses.append(diagnostic)
        }
        guard let template = built, let task = Self.lookup(template, ["Resources", "TaskDefinition", "Properties"]) else { return [] }
        if let loadBalancers = Self.lookup(template, ["Resources", "Service", "Properties", "LoadBalancers"]), case .list(let targets) = loadBalancers {
            let described = targets.compactMap { target -> String? in
                guard case .string(let container)? = Self.lookup(target, ["ContainerName"]), case .int(let port)? = Self.lookup(target, ["ContainerPort"])
                else {
                    return nil
                }
                return "\(container):\(port)"
            }
            losses.lose(
                "load-balancers", service.origin,
                "a task definition has no load balancer: the service that runs it sends traffic to \(described.joined(separator: ", ")), as Copilot's does")
        }
        if options.application == nil {
            losses.lose("application", service.origin, "no application was given (--app): names and variables use \"app\"")
        }
        if options.environment == nil {
            losses.lose("environment", service.origin, "no environment was given (--env): names and variables use \"env\"")
        }
        var resolver = Resolver(
            parameters: [
                "AppName": options.application ?? "app", "EnvName": options.environment ?? "env", "WorkloadName": workload.name,
                "TaskCPU": Self.string(Self.lookup(template, ["Parameters", "TaskCPU", "Default"])) ?? "256",
                "TaskMemory": Self.string(Self.lookup(template, ["Parameters", "TaskMemory", "Default"])) ?? "512",
                "AWS::Region": options.awsRegion, "AWS::AccountId": options.awsAccount ?? "123456789012", "AWS::Partition": "aws",
            ], losses: losses)
        if let image = service.mainContainers.first?.image { resolver.parameters["ContainerImage"] = image }
        resolver.parameters["LogGroup"] = "/copilot/\(resolver.parameters["AppName"]!)-\(resolver.parameters["EnvName"]!)-\(workload.name)"
        resolver.executionRole = options.executionRoleARN
        resolver.origin = service.origin
        if options.awsAccount == nil {
            losses.lose("account", service.origin, "no AWS account was given (--account): ARNs name 123456789012")
        }
        var resolved = resolver.resolve(task) ?? .map([])
        losses = resolver.losses
        resolved = Self.withoutOrphanMounts(resolved)
        if resolver.parameters["ContainerImage"] == nil, let main = service.mainContainers.first {
            losses.fail(
                main.origin,
                "\(main.name) is built from \(main.imageBuild ?? "a Dockerfile"): build and push the image, then give its reference with --image \(main.name)=REF"
            )
        }
        return [RenderedFile(name: RenderTarget.ecs.fileName, contents: Self.camelCase(resolved).json())]
    }

    /// Mount points of volumes that were left out go with them, or ECS refuses the task definition.
    static func withoutOrphanMounts(_ task: YAMLValue) -> YAMLValue {
        guard case .map(var entries) = task else { return task }
        var volumes = Set<String>()
        if case .list(let items)? = lookup(task, ["Volumes"]) {
            for case .map(let volume) in items { if case .string(let name)? = volume.first(where: { $0.0 == "Name" })?.1 { volumes.insert(name) } }
        }
        guard let index = entries.firstIndex(where: { $0.0 == "ContainerDefinitions" }), case .list(let containers) = entries[index].1 else { return task }
        entries[index].1 = .list(
            containers.map { container in
                guard case .map(var fields) = container, let mounts = fields.firstIndex(where: { $0.0 == "MountPoints" }),
                    case .list(let points) = fields[mounts].1
                else { return container }
                let kept = points.filter { point in
                    guard case .map(let mount) = point, case .string(let volume)? = mount.first(where: { $0.0 == "SourceVolume" })?.1 else { return true }
                    return volumes.contains(volume)
                }
                if kept.isEmpty { fields.remove(at: mounts) } else { fields[mounts].1 = .list(kept) }
                return .map(fields)
            })
        return .map(entries)
    }

    static func lookup(_ value: YAMLValue, _ path: [String]) -> YAMLValue? {
        var current = value
        for key in path {
            guard case .map(let entries) = current, let next = entries.first(where: { $0.0 == key })?.1 else { return nil }
            current = next
        }
        return current
    }

    static func string(_ value: YAMLValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    /// CloudFormation's intrinsic functions, evaluated with what the render knows.
    struct Resolver {
        var parameters: [String: String]
        var losses: Losses
        var executionRole: String?
        var origin = Origin.unknown

        init(parameters: [String: String], losses: Losses) {
            self.parameters = parameters
            self.losses = losses
        }

        /// nil means the value does not exist outside CloudFormation; the entry holding it is left out.
        mutating func resolve(_ value: YAMLValue) -> YAMLValue? {
            switch value {
            case .list(let items):
                return .list(items.compactMap { resolve($0) }.filter { !$0.isEmpty })
            case .map(let entries):
                if entries.count == 1 {
                    let (key, argument) = entries[0]
                    switch key {
                    case "Ref":
                        guard case .string(let name) = argument else { return nil }
                        if name == "AWS::NoValue" { return nil }
                        return parameters[name].map(YAMLValue.string)
                    case "Fn::Sub":
                        guard case .string(let text) = argument else { return nil }
                        return .string(substitute(text))
                    case "Fn::ImportValue":
                        return nil
                    case "Fn::GetAtt":
                        if case .list(let parts) = argument, parts.first == .string("ExecutionRole") {
                            if let executionRole { return .string(executionRole) }
                            let arn =
                                "arn:aws:iam::\(parameters["AWS::AccountId"]!):role/\(parameters["AppName"]!)-\(parameters["EnvName"]!)-\(parameters["WorkloadName"]!)-ExecutionRole"
                            losses.lose("execution-role", origin, "no task execution role was given (--execution-role-arn): the task definition names \(arn)")
                            return .string(arn)
                        }
                        return nil
                    case "Fn::If":
                        // The environment-file conditions: no file is given to a task definition.
                        return nil
                    default:
                        break
                    }
                }
                var result: [(String, YAMLValue)] = []
                for (key, item) in entries {
                    guard let resolved = resolve(item), !resolved.isEmpty else {
                        // A variable, secret or volume whose value exists only in CloudFormation goes whole.
                        if ["FilesystemId", "AccessPointId"].contains(key) { return nil }
                        if ["Value", "ValueFrom", "EFSVolumeConfiguration"].contains(key) {
                            let name = entries.first { $0.0 == "Name" }.flatMap { if case .string(let text) = $0.1 { text } else { nil } } ?? "?"
                            let what = key == "EFSVolumeConfiguration" ? "volume \(name)'s file system" : name
                            let left = key == "EFSVolumeConfiguration" ? "the volume and its mounts are left out" : "it is left out"
                            losses.lose(
                                "cloudformation-only", origin,
                                "\(what) exists only in CloudFormation (another stack's export or a resource of the stack): \(left); render --target cloudformation"
                            )
                            return nil
                        }
                        continue
                    }
                    result.append((key, resolved))
                }
                return .map(result)
            default:
                return value
            }
        }

        func substitute(_ text: String) -> String {
            var output = ""
            var rest = Substring(text)
            while let dollar = rest.firstIndex(of: "$"), rest[rest.index(after: dollar)...].first == "{",
                let end = rest[dollar...].firstIndex(of: "}")
            {
                output += rest[..<dollar]
                let name = String(rest[rest.index(dollar, offsetBy: 2)..<end])
                output += parameters[name] ?? "${\(name)}"
                rest = rest[rest.index(after: end)...]
            }
            return output + rest
        }
    }

    /// PascalCase CloudFormation names as the ECS API's camelCase; user data (options, labels) as is.
    static func camelCase(_ value: YAMLValue, verbatim: Bool = false) -> YAMLValue {
        switch value {
        case .map(let entries):
            // Option values are strings in the API (CloudFormation turns `true` into "true" itself).
            if verbatim {
                return .map(
                    entries.map { key, item in
                        switch item {
                        case .bool(let flag): (key, .string(flag ? "true" : "false"))
                        case .int(let number): (key, .string(String(number)))
                        default: (key, item)
                        }
                    })
            }
            return .map(
                entries.map { key, item in
                    (camel(key), camelCase(item, verbatim: ["Options", "DockerLabels"].contains(key)))
                })
        case .list(let items):
            return .list(items.map { camelCase($0, verbatim: verbatim) })
        default:
            return value
        }
    }

    static func camel(_ key: String) -> String {
        switch key {
        case "EFSVolumeConfiguration": "efsVolumeConfiguration"
        case "FilesystemId": "fileSystemId"
        case "IAM": "iam"
        case "Cpu": "cpu"
        default: key.prefix(1).lowercased() + key.dropFirst()
        }
    }
}
