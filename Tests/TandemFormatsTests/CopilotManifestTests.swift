import Foundation
import TandemCore
import Testing

@testable import TandemFormats

@Suite struct CopilotManifestTests {
    func manifest(_ sidecars: String, extra: String = "") -> String {
        """
        name: api
        type: Backend Service
        image:
          location: ghcr.io/acme/api:1
          port: 8080
        \(extra)
        sidecars:
        \(sidecars.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))

        """
    }

    func errors(_ sidecars: String, extra: String = "") -> [String] {
        errorMessages(load(manifest(sidecars, extra: extra), format: .copilot))
    }

    @Test func sidecarNeedsAnImage() {
        #expect(errors("nginx:\n  port: 80") == ["must specify one of \"image\", \"image.build, or \"image.location\""])
    }

    @Test func portsParseWithProtocols() throws {
        let input = load(manifest("dns:\n  image: coredns\n  port: \"2000/udp\""), format: .copilot)
        #expect(input.isValid)
        let dns = try #require(input.services.first?.container(named: "dns"))
        #expect(dns.ports.first?.containerPort == .number(2000))
        #expect(dns.ports.first?.transport == .udp)
        #expect(errors("a:\n  image: x\n  port: \"80/sctp\"") == ["invalid protocol sctp; valid protocols include TCP and UDP"])
        #expect(errors("a:\n  image: x\n  port: \"1/2/3\"") == ["cannot parse port mapping from 1/2/3"])
    }

    @Test func duplicatePortsAcrossContainers() {
        #expect(errors("nginx:\n  image: nginx\n  port: 8080") == ["containers \"api\" and \"nginx\" are exposing the same port 8080"])
    }

    @Test func dependencyConditions() throws {
        #expect(
            errors("nginx:\n  image: nginx\n  depends_on:\n    api: ready") == [
                "container dependency status must be one of START, COMPLETE, SUCCESS or HEALTHY"
            ])
        #expect(errors("nginx:\n  image: nginx\n  depends_on:\n    ghost: start") == ["container ghost does not exist"])
        #expect(errors("nginx:\n  image: nginx\n  depends_on:\n    nginx: start") == ["container nginx cannot depend on itself"])
        let cycle =
            "alpha:\n  image: x\n  depends_on: {beta: start}\nbeta:\n  image: x\n  depends_on: {gamma: start}\ngamma:\n  image: x\n  depends_on: {alpha: start}"
        #expect(errors(cycle) == ["circular container dependency chain includes the following containers: [alpha beta gamma]"])
        #expect(errors("nginx:\n  image: nginx\n  depends_on:\n    api: complete") == ["essential container api can only have status START or HEALTHY"])
        let input = load(manifest("init:\n  image: x\n  essential: false\nnginx:\n  image: nginx\n  depends_on:\n    init: Success"), format: .copilot)
        #expect(input.isValid)
        #expect(input.services.first?.container(named: "nginx")?.dependsOn.first?.condition == .success)
    }

    @Test func healthyNeedsAHealthCheckThatCopilotDoesNotCheck() {
        #expect(
            errors("nginx:\n  image: nginx\n  depends_on:\n    api: healthy") == [
                "container api has no health check, so the HEALTHY condition can never be met"
            ])
    }

    @Test func healthcheckDefaults() throws {
        let input = load(manifest("nginx:\n  image: nginx\n  healthcheck:\n    interval: 30s"), format: .copilot)
        let probe = try #require(input.services.first?.container(named: "nginx")?.probes.readiness)
        #expect(probe.action == .shell("curl -f http://localhost/ || exit 1"))
        #expect(probe.period == 30)
        #expect(probe.failureThreshold == 2)
        #expect(probe.timeout == 5)
        #expect(probe.initialDelay == 0)
    }

    @Test func mountPoints() throws {
        let storage = "storage:\n  volumes:\n    data:\n      path: /data\n      efs: {id: fs-1}"
        let input = load(
            manifest("nginx:\n  image: nginx\n  mount_points:\n    - source_volume: data\n      path: /var/data", extra: storage), format: .copilot)
        #expect(input.isValid, "\(lines(input))")
        #expect(input.services.first?.container(named: "nginx")?.mounts.first?.readOnly == true)
        #expect(errors("nginx:\n  image: nginx\n  mount_points:\n    - path: /x") == ["\"source_volume\" must be specified"])
        #expect(
            errors("nginx:\n  image: nginx\n  mount_points:\n    - source_volume: data\n      path: /x y", extra: storage) == [
                "path can only contain the characters a-zA-Z0-9.-_/"
            ])
        #expect(
            errors("nginx:\n  image: nginx\n  mount_points:\n    - source_volume: nowhere\n      path: /x") == [
                "volume \"nowhere\" is not declared, so it cannot be mounted"
            ])
    }

    @Test func fireLensLogRouter() throws {
        let input = load(manifest("", extra: "logging:\n  destination:\n    Name: cloudwatch"), format: .copilot)
        let service = try #require(input.services.first)
        #expect(service.containers.map(\.name) == ["api", "firelens_log_router"])
        #expect(service.container(named: "firelens_log_router")?.image == "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable")
        #expect(service.logging?.enableMetadata == true)
        #expect(service.logging?.destination == ["Name": "cloudwatch"])
        #expect(errors("nginx:\n  image: nginx\n  depends_on: {firelens_log_router: start}") == ["container firelens_log_router does not exist"])
        // Retention alone does not add the router.
        #expect(load(manifest("", extra: "logging:\n  retention: 7"), format: .copilot).services.first?.containers.count == 1)
    }

    @Test func targetContainer() {
        #expect(errors("nginx:\n  image: nginx", extra: "http:\n  target_container: nginx") == ["target container \"nginx\" doesn't expose a port"])
        #expect(errors("", extra: "http:\n  target_container: ghost") == ["target container \"ghost\" doesn't exist"])
        #expect(
            errors("nginx:\n  image: nginx\n  port: 80", extra: "http:\n  target_container: nginx\n  targetContainer: nginx") == [
                "must specify one, not both, of \"target_container\" and \"targetContainer\""
            ])
    }

    @Test func environmentOverridesMergeAsCopilotDoes() throws {
        let text = manifest(
            "datadog:\n  image: {build: Dockerfile.dd}\n  variables: {A: base, B: base}\n  mount_points:\n    - {source_volume: v, path: /a}\n    - {source_volume: v, path: /b}",
            extra:
                "storage:\n  volumes:\n    v: {path: /v}\nenvironments:\n  prod:\n    sidecars:\n      datadog:\n        image: datadog/agent:7\n        variables: {B: prod}\n        mount_points:\n          - {source_volume: v, path: /c}"
        )
        let base = try #require(load(text, format: .copilot).services.first?.container(named: "datadog"))
        #expect(base.imageBuild == "Dockerfile.dd")
        let prod = try #require(load(text, format: .copilot, environment: "prod").services.first?.container(named: "datadog"))
        #expect(prod.image == "datadog/agent:7")
        #expect(prod.imageBuild == nil)
        let variables = Dictionary(uniqueKeysWithValues: prod.environment.map { ($0.name, $0.value) })
        #expect(variables == ["A": .plain("base"), "B": .plain("prod")])
        #expect(prod.mounts.map(\.path) == ["/c"])
        // Copilot deploys to an environment the manifest does not override with the base manifest.
        let staging = load(text, format: .copilot, environment: "staging")
        #expect(errorMessages(staging) == [])
        #expect(staging.services.first?.container(named: "datadog")?.imageBuild == "Dockerfile.dd")
    }

    @Test func environmentErrorsAreReportedWithoutChoosingOne() {
        let text = manifest("nginx:\n  image: nginx\n  port: 80", extra: "environments:\n  prod:\n    sidecars:\n      nginx:\n        port: 8080")
        #expect(
            errorMessages(load(text, format: .copilot)) == [
                "containers \"api\" and \"nginx\" are exposing the same port 8080 (in environment \"prod\")"
            ])
    }

    @Test func requestDrivenServicesHaveNoSidecars() {
        let text = manifest("nginx:\n  image: nginx").replacingOccurrences(of: "Backend Service", with: "Request-Driven Web Service")
        #expect(errorMessages(load(text, format: .copilot)) == ["sidecars are not supported for Request-Driven Web Services"])
    }

    @Test func environmentFilesNeedTheExtension() {
        #expect(errors("nginx:\n  image: nginx\n  env_file: vars.txt") == ["environment file vars.txt must have a .env file extension"])
    }

    @Test func unknownFieldsGetSuggestions() {
        #expect(
            lines(load(manifest("nginx:\n  image: nginx\n  dependson: {api: start}"), format: .copilot)) == [
                "10:5: error: sidecars.nginx.dependson: unknown field \"dependson\"; did you mean \"depends_on\"?"
            ])
    }

    @Test func theSeedExampleReadsIntoOneServiceInOrder() throws {
        let input = InputLoader().loadFile(repositoryRoot + "/examples/copilot/api.yml")
        #expect(input.isValid, "\(lines(input))")
        let service = try #require(input.services.first)
        #expect(service.containers.map(\.name) == ["api", "firelens_log_router", "nginx", "datadog"])
        #expect(service.trafficTarget?.container == "nginx")
        #expect(service.container(named: "datadog")?.essential == false)
        #expect(service.container(named: "nginx")?.essential == true)
        #expect(service.volumes.first?.kind == .efs(EFSVolume(fileSystemId: "fs-1234567")))
    }
}

extension CopilotManifestTests {
    @Test func loadBalancedTargetsNeedTCP() {
        #expect(
            errors("dns:\n  image: coredns\n  port: \"53/udp\"", extra: "http:\n  target_container: dns") == [
                "container \"dns\" exposes port 53 using protocol UDP invalid for health checks. Valid protocol is \"TCP\"."
            ])
    }
}
