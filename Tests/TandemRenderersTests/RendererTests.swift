import Foundation
import TandemCore
import TandemFormats
import Testing

@testable import TandemRenderers

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The examples as `tandem render` would see them, with the images a pipeline would give
/// (`--image NAME=IMAGE`) where the input has none.
func exampleService(_ name: String) throws -> Service {
    let paths = [
        "web": "examples/tandem/web.yml", "api": "examples/copilot/api.yml", "cf": "examples/cloudfoundry/manifest.yml",
        "mia": "examples/mia/audit-trail.json",
    ]
    let path = repositoryRoot + "/" + (paths[name] ?? name)
    let input = InputLoader().loadFile(path)
    #expect(input.isValid, "\(input.diagnostics)")
    var service: Service
    if let item = input.miaItem, let sidecar = item.container {
        service = Service(name: "orders", containers: [Container(name: "orders", role: .main, image: "ghcr.io/acme/orders:1.0"), sidecar])
        service.volumes = item.service.volumes
        service.configMaps = item.service.configMaps
    } else {
        service = try #require(input.services.first)
    }
    let images = [
        "api": "123456789012.dkr.ecr.us-west-2.amazonaws.com/api:1.0", "web": "ghcr.io/acme/my-app:1", "worker": "ghcr.io/acme/my-app:1",
        "authenticator": "ghcr.io/acme/auth:2", "performance monitor": "ghcr.io/acme/perf:3",
    ]
    for index in service.containers.indices where service.containers[index].image == nil {
        service.containers[index].image = images[service.containers[index].name]
    }
    return service
}

/// What a Copilot example says beyond its service, as `tandem render` passes it on.
func exampleCopilot(_ name: String) -> CopilotWorkload? {
    guard name == "api" else { return nil }
    var loader = InputLoader()
    loader.application = "shop"
    return loader.loadFile(repositoryRoot + "/examples/copilot/api.yml").copilot
}

@Suite struct RendererGoldenTests {
    static let examples = ["web", "api", "cf", "mia"]

    /// Each example for each target, with its declared losses, against Golden/EXAMPLE-TARGET.txt.
    /// `UPDATE_GOLDEN=1 swift test --filter RendererGoldenTests` rewrites them.
    @Test(arguments: examples, RenderTarget.allCases)
    func golden(example: String, target: RenderTarget) throws {
        let result = Renderers.render(
            try exampleService(example), target: target, extras: SourceExtras(copilot: exampleCopilot(example)), file: "\(example).yml")
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        var text = ""
        for file in result.files { text += "--- \(file.name)\n\(file.contents)" }
        // Positions name the example's file relative to the repository, wherever the clone is.
        let losses = result.diagnostics.map { $0.description.replacingOccurrences(of: repositoryRoot + "/", with: "") }
        text += "--- losses\n" + losses.joined(separator: "\n") + "\n"
        let url = URL(fileURLWithPath: repositoryRoot + "/Tests/TandemRenderersTests/Golden/\(example)-\(target.rawValue).txt")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: url)
            return
        }
        #expect(text == (try String(contentsOf: url, encoding: .utf8)), "golden \(example)-\(target.rawValue) differs")
    }

    @Test(arguments: examples, RenderTarget.allCases)
    func outputIsByteIdenticalAcrossRuns(example: String, target: RenderTarget) throws {
        let service = try exampleService(example)
        let first = Renderers.render(service, target: target, file: "x")
        let second = Renderers.render(service, target: target, file: "x")
        #expect(first.files == second.files)
        #expect(first.diagnostics == second.diagnostics)
    }
}

@Suite struct KubernetesRendererTests {
    func render(_ service: Service, version: (Int, Int) = (1, 33)) -> RenderResult {
        Renderers.render(service, target: .kubernetes, options: RenderOptions(kubernetesVersion: version), file: "f")
    }

    func app(_ dependencies: [Dependency] = []) -> Container {
        Container(name: "app", role: .main, image: "app:1", ports: [Port(containerPort: .number(8080))], dependsOn: dependencies)
    }

    @Test func sidecarsAreNativeAndOrderedByDependencies() throws {
        var proxy = Container(name: "proxy", image: "envoy:1", dependsOn: [Dependency(container: "config", condition: .healthy)])
        proxy.probes.readiness = Probe(action: .http(path: "/ready", port: .number(9901)))
        var config = Container(name: "config", image: "config:1")
        config.probes.readiness = Probe(action: .tcp(port: .number(7000)))
        let service = Service(name: "svc", containers: [app([Dependency(container: "proxy", condition: .healthy)]), proxy, config])
        let text = try #require(render(service).files.first?.contents)
        let configAt = try #require(text.range(of: "- name: config"))
        let proxyAt = try #require(text.range(of: "- name: proxy"))
        #expect(configAt.lowerBound < proxyAt.lowerBound)
        #expect(text.components(separatedBy: "restartPolicy: Always").count == 3)
        // Both are waited for as HEALTHY, so both get a startup probe (their readiness check).
        #expect(text.components(separatedBy: "startupProbe:").count == 3)
    }

    @Test func completionBecomesAnInitJobAndCompleteIsDeclaredLost() throws {
        let migrate = Container(name: "migrate", image: "migrate:1", essential: false)
        let service = Service(name: "svc", containers: [app([Dependency(container: "migrate", condition: .complete)]), migrate])
        let result = render(service)
        let text = try #require(result.files.first?.contents)
        #expect(text.contains("- name: migrate\n        image: migrate:1\n"))
        #expect(!text.contains("restartPolicy"))
        #expect(result.diagnostics.contains { $0.message.hasPrefix("[kubernetes/complete-condition]") })
    }

    @Test func olderClustersGetPlainContainersAndAreTold() throws {
        let service = Service(name: "svc", containers: [app(), Container(name: "agent", image: "agent:1")])
        let result = render(service, version: (1, 27))
        let text = try #require(result.files.first?.contents)
        #expect(!text.contains("initContainers"))
        #expect(!text.contains("restartPolicy"))
        #expect(result.diagnostics.contains { $0.message.hasPrefix("[kubernetes/no-native-sidecars]") })
        #expect(render(service, version: (1, 28)).diagnostics.contains { $0.message.hasPrefix("[kubernetes/sidecar-feature-gate]") })
    }

    @Test func containersWithoutImagesCannotBeRendered() {
        let service = Service(name: "svc", containers: [Container(name: "app", role: .main, command: .shell("./app"))])
        let result = render(service)
        #expect(result.files.isEmpty)
        #expect(
            result.diagnostics.errors.map(\.message) == [
                "app has no image, and Kubernetes runs images (give it one with --image app=REF, or as its image in the manifest)"
            ])
    }

    @Test func secretsAreReferencesNeverValues() throws {
        var sidecar = Container(name: "agent", image: "agent:1")
        sidecar.environment = [
            EnvironmentVariable(name: "TOKEN", value: .secretReference(.hostEnvironment("TOKEN"))),
            EnvironmentVariable(name: "DB", value: .secretKey(secret: "db", key: "password")),
        ]
        let text = try #require(render(Service(name: "svc", containers: [app(), sidecar])).files.first?.contents)
        let compact = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(compact.contains("- name: TOKEN valueFrom: secretKeyRef: name: svc-secrets key: TOKEN"))
        #expect(compact.contains("- name: DB valueFrom: secretKeyRef: name: db key: password"))
    }
}

@Suite struct ECSRendererTests {
    @Test func copilotOrderAndFireLens() throws {
        let result = Renderers.render(try exampleService("api"), target: .ecs, file: "f")
        let text = try #require(result.files.first?.contents)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let containers = try #require(object["containerDefinitions"] as? [[String: Any]])
        #expect(containers.map { $0["name"] as? String } == ["api", "firelens_log_router", "datadog", "nginx"])
        let main = containers[0]
        #expect((main["logConfiguration"] as? [String: Any])?["logDriver"] as? String == "awsfirelens")
        let nginx = containers[3]
        #expect((nginx["dependsOn"] as? [[String: Any]])?.first?["condition"] as? String == "HEALTHY")
        #expect(((nginx["mountPoints"] as? [[String: Any]])?.first?["readOnly"] as? Bool) == true)
        #expect(object["cpu"] as? String == "256" && object["memory"] as? String == "512")
    }

    @Test func taskSizeIsTheSmallestFargatePairThatFits() throws {
        var main = Container(name: "app", role: .main, image: "app:1")
        main.resources.memoryLimit = .value(1500)
        var sidecar = Container(name: "agent", image: "agent:1")
        sidecar.resources.memoryLimit = .value(600)
        sidecar.resources.cpuLimit = .value(500)
        let result = Renderers.render(Service(name: "svc", containers: [main, sidecar]), target: .ecs, file: "f")
        let file = try #require(result.files.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(file.contents.utf8)) as? [String: Any])
        // 2100 MiB and 256 + 512 CPU units: the smallest pair is 1024 CPU / 3072 MiB.
        #expect(object["cpu"] as? String == "1024")
        #expect(object["memory"] as? String == "3072")
    }
}

@Suite struct ComposeRendererTests {
    @Test func conditionsAndSharedNetwork() throws {
        let text = try #require(Renderers.render(try exampleService("web"), target: .compose, file: "f").files.first?.contents)
        #expect(text.contains("network_mode: service:web-net"))
        #expect(text.contains("condition: service_healthy"))
        #expect(text.contains("- 8080:8080"))
        #expect(text.contains("environment: METRICS_TOKEN"))
    }

    @Test func millicoresBecomeCPUs() {
        #expect(ComposeRenderer.cpus(250) == "0.25")
        #expect(ComposeRenderer.cpus(1000) == "1")
        #expect(ComposeRenderer.cpus(1500) == "1.5")
        #expect(ComposeRenderer.cpus(5) == "0.005")
    }
}

@Suite struct CloudFoundryPolicyTests {
    /// Cloud Controller refuses an app whose sidecars reserve its whole memory when it starts: so does
    /// the Cloud Foundry render; other engines have no such policy.
    @Test func memoryPolicyIsCheckedWhereCloudControllerChecksIt() throws {
        let text = "applications:\n- name: shop\n  memory: 256M\n  sidecars:\n  - {name: agent, command: ./agent, process_types: [web], memory: 300M}\n"
        let input = InputLoader().load(text: text, file: "manifest.yml")
        #expect(input.isValid)
        var service = try #require(input.services.first)
        for index in service.containers.indices { service.containers[index].image = "ghcr.io/acme/app:1" }
        let cloudFoundry = Renderers.render(service, target: .cloudfoundry, extras: input.extras, file: "manifest.yml")
        #expect(cloudFoundry.files.isEmpty)
        #expect(
            cloudFoundry.diagnostics.errors.map(\.message) == [
                "The memory allocation defined is too large to run with the dependent \"web\" process (300 MB of sidecars for 256 MB)"
            ])
        #expect(!Renderers.render(service, target: .kubernetes, extras: input.extras, file: "manifest.yml").diagnostics.hasErrors)
    }
}

@Suite struct SharedMountTests {
    /// Mia's Console mounts a config map's files one by one beside a secret in the same folder.
    @Test func aConfigMapBesideASecretIsMountedFileByFile() throws {
        let item = """
            {"itemId": "shipper", "name": "Shipper", "tenantId": "acme", "type": "sidecar",
             "resources": {"name": "shipper", "dockerImage": "ghcr.io/acme/shipper:1",
               "defaultConfigMaps": [{"name": "shipper-config", "mountPath": "/home/node", "files": [{"name": "config.json", "content": "{}"}, {"name": "rules.yml", "content": "a: 1"}]}],
               "defaultSecrets": [{"name": "shipper-key", "mountPath": "/home/node"}]}}
            """
        let input = InputLoader().load(text: item, file: "item.json")
        let mia = try #require(input.miaItem)
        var service = Service(
            name: "orders", containers: [Container(name: "orders", role: .main, image: "ghcr.io/acme/orders:1"), try #require(mia.container)])
        service.volumes = mia.service.volumes
        service.configMaps = mia.service.configMaps
        #expect(!ServiceValidator().validate(service, file: "f").hasErrors)
        let text = try #require(Renderers.render(service, target: .kubernetes, file: "f").files.first?.contents)
        for file in ["config.json", "rules.yml"] {
            #expect(text.contains("- name: shipper-config\n          mountPath: /home/node/\(file)\n          subPath: \(file)\n"))
        }
        #expect(text.contains("mountPath: /home/node\n"))
    }
}

/// A newcomer's first render: defaults are no one's meaning to lose, and every rounding names the value
/// the user wrote.
@Suite struct FirstRenderTests {
    static let fourLines = "tandem: v1\nname: web\nimage: nginx:1.27\nport: 8080\n"

    @Test(arguments: RenderTarget.allCases)
    func aFourLineManifestLosesNothing(target: RenderTarget) throws {
        let input = InputLoader().load(text: Self.fourLines, file: "web.yml")
        let service = try #require(input.services.first)
        let result = Renderers.render(service, target: target, extras: input.extras, file: "web.yml")
        #expect(result.diagnostics.filter { $0.severity != .note }.isEmpty, "\(result.diagnostics)")
        #expect(!result.files.isEmpty)
    }

    @Test func aProbePeriodThatRoundsKeepsItsBudget() throws {
        let text = Self.fourLines + "probes:\n  startup:\n    http: {path: /, port: 8080}\n    period: 100ms\n    failure_threshold: 100\n    timeout: 1500ms\n"
        let service = try #require(InputLoader().load(text: text, file: "web.yml").services.first)
        let result = Renderers.render(service, target: .kubernetes, file: "web.yml")
        let yaml = try #require(result.files.first?.contents)
        #expect(yaml.contains("periodSeconds: 1\n") && yaml.contains("failureThreshold: 10\n") && yaml.contains("timeoutSeconds: 2\n"))
        let messages = result.diagnostics.map(\.message)
        #expect(messages.contains("[kubernetes/probe-rounding] web: period 100ms becomes periodSeconds 1 (Kubernetes counts whole seconds)"))
        #expect(messages.contains("[kubernetes/probe-rounding] web: timeout 1500ms becomes timeoutSeconds 2 (Kubernetes counts whole seconds)"))
        #expect(
            messages.contains(
                "[kubernetes/probe-rounding] web: failure threshold 100 becomes 10, to keep the 10s the probe was given (100 × 100ms)"))
        let ecs = Renderers.render(service, target: .ecs, file: "web.yml").diagnostics.map(\.message)
        #expect(ecs.contains("[ecs/health-check-bounds] web: interval 100ms becomes 5 (ECS takes a health check interval of 5 to 300 s)"))
        #expect(ecs.contains("[ecs/health-check-bounds] web: timeout 1500ms becomes 2 (ECS counts whole seconds)"))
    }
}
