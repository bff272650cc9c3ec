import Foundation
import TandemCore
import Testing

@testable import TandemFormats

@Suite struct MiaItemTests {
    static let seedItem = """
        name: My sidecar
        itemId: my-sidecar
        description: My sidecar
        type: sidecar
        documentation:
          type: externalLink
          url: https://github.com/my-sidecar/docs
        resources:
          name: my-sidecar
          dockerImage: ghcr.io/my-sidecar:1.0
        tenantId: rocket-playground

        """

    @Test func seedItemIsValidUnderItsOwnRules() {
        #expect(load(Self.seedItem, profile: .standard).isValid)
        #expect(load(Self.seedItem, profile: .marketplace).isValid)
        // The v14 catalog schema requires lifecycleStatus, which the seed page predates.
        #expect(lines(load(Self.seedItem, profile: .catalog)) == ["1:1: error: missing required field \"lifecycleStatus\""])
        #expect(load(Self.seedItem + "lifecycleStatus: published\n", profile: .catalog).isValid)
    }

    @Test func readsTheSidecarIntoTheModel() throws {
        let input = load(
            Self.seedItem.replacingOccurrences(
                of: "  dockerImage: ghcr.io/my-sidecar:1.0\n",
                with: """
                      dockerImage: ghcr.io/my-sidecar:1.0
                      containerPorts:
                        - {name: http, from: 80, to: 8080}
                        - {name: dns, from: "{{DNS_PORT}}", protocol: UDP}
                      defaultResources:
                        cpuLimits: {min: 100m, max: "{{CPU_MAX}}m"}
                        memoryLimits: {min: 64Mi, max: 256Mi}
                      defaultProbes:
                        readiness: {path: /ready, port: "8080", periodSeconds: 5}
                        liveness: {cmd: [cat, /tmp/ok]}
                        startup: {port: "8080"}
                      defaultConfigMaps:
                        - name: proxy-config
                          mountPath: /etc/proxy
                          files: [{name: proxy.yaml, content: "a: 1"}]

                    """))
        #expect(input.isValid, "\(lines(input))")
        let container = try #require(input.services.first?.containers.first)
        #expect(container.name == "my-sidecar")
        #expect(
            container.ports == [
                Port(name: "http", containerPort: .number(8080), exposedPort: .number(80), origin: container.ports[0].origin),
                Port(
                    name: "dns", containerPort: .placeholder("DNS_PORT"), exposedPort: .placeholder("DNS_PORT"), transport: .udp,
                    origin: container.ports[1].origin),
            ])
        #expect(container.resources.cpuRequest == .value(100))
        #expect(container.resources.cpuLimit == .placeholder("CPU_MAX"))
        #expect(container.resources.memoryLimit == .value(256))
        #expect(container.probes.readiness?.action == .http(path: "/ready", port: .number(8080)))
        #expect(container.probes.readiness?.period == 5)
        #expect(container.probes.liveness?.action == .exec(["cat", "/tmp/ok"]))
        #expect(container.probes.startup?.action == .tcp(port: .number(8080)))
        #expect(container.mounts.map(\.path) == ["/etc/proxy"])
        #expect(input.services.first?.configMaps.first?.files.first?.content == "a: 1")
    }

    @Test func everySchemaRuleIsReportedAtItsField() {
        let text = """
            name: ""
            itemId: bad_item!
            type: plugin
            tenantId: acme
            lifecycleStatus: ready
            documentation: {type: pdf, url: x}
            tags: [Bad Tag]
            labels: {"bad key!": v, good: "-bad-"}
            version: {name: 1.0.0, releaseNote: x}
            resources:
              name: My_Sidecar
              dockerImage: "Not An Image"
              containerPorts:
                - {name: HTTP, from: 99999, protocol: SCTP}
                - {from: "80a"}
              defaultResources:
                memoryLimits: {max: "256"}
                cpuLimits: {min: "1"}
              defaultProbes:
                liveness: {path: healthz}
                readiness: {cmd: ["true"], port: "1"}
              defaultEnvironmentVariables:
                - {name: A, valueType: plian}
                - {name: B, valueType: secret, secretName: My_Secret}
                - {name: C, value: 1, valueType: plain}
                - {name: D, valueType: downwardAPI, fieldPath: spec.bogus}
                - {name: E, valueType: downwardAPI, fieldPath: resource.limits.cpu}
                - {name: F}
              defaultConfigMaps:
                - {name: Config, mountPath: "/etc/x", files: [{name: a}]}
              defaultSecrets:
                - {name: key}
              unknownThing: 1

            """
        #expect(
            lines(load(text, profile: .standard)) == [
                "1:7: error: name: must not be empty",
                "2:9: error: itemId: must be 1 to 63 letters, digits and \"-\", starting and ending with a letter or digit, found \"bad_item!\"",
                "3:7: error: type: must be \"sidecar\", found a string (\"plugin\")",
                "5:18: error: lifecycleStatus: must be one of coming-soon, draft, published, maintenance, deprecated, archived, found \"ready\"",
                "6:23: error: documentation.type: must be externalLink or markdown, found \"pdf\"",
                "7:8: error: tags[0]: must be lower-case letters, digits, \":\", \"+\" and \"#\" in words joined by \"-\", found \"Bad Tag\"",
                "8:10: error: labels.\"bad key!\": \"bad key!\" is not a valid key: an optional DNS prefix and \"/\", then letters, digits, \".\" and \"-\"",
                "8:31: error: labels.good: must be empty or 1 to 63 letters, digits, \".\", \"_\" and \"-\", starting and ending with a letter or digit, found \"-bad-\"",
                "9:1: error: version: unknown field \"version\"",
                "11:9: error: resources.name: must be lower-case letters, digits and \"-\", starting with a letter and not ending with \"-\", found \"My_Sidecar\"",
                "12:16: error: resources.dockerImage: must be an image reference such as registry.example.com/team/image:1.0, found \"Not An Image\"",
                "14:14: error: resources.containerPorts[0].name: must be lower-case letters, digits and \"-\", starting with a letter and not ending with \"-\", found \"HTTP\"",
                "14:26: error: resources.containerPorts[0].from: must be a port number 0-65535, a string of digits or a {{VARIABLE}} placeholder, found 99999",
                "14:43: error: resources.containerPorts[0].protocol: must be TCP or UDP, found \"SCTP\"",
                "15:7: error: resources.containerPorts[1]: missing required field \"name\"",
                "15:14: error: resources.containerPorts[1].from: must be a port number 0-65535, a string of digits or a {{VARIABLE}} placeholder, found \"80a\"",
                "17:25: error: resources.defaultResources.memoryLimits.max: must be a whole number of MiB such as \"256Mi\", or a {{VARIABLE}}Mi placeholder, found \"256\"",
                "18:22: error: resources.defaultResources.cpuLimits.min: must be a whole number of millicores such as \"150m\", or a {{VARIABLE}}m placeholder, found \"1\"",
                "20:22: error: resources.defaultProbes.liveness.path: must be an absolute URL path such as /healthz, found \"healthz\"",
                "21:38: error: resources.defaultProbes.readiness.port: unexpected field \"port\": a command probe has no port",
                "23:28: error: resources.defaultEnvironmentVariables[0].valueType: must be plain, secret, configmap or downwardAPI, found a string (\"plian\")",
                "24:7: error: resources.defaultEnvironmentVariables[1]: missing required field \"secretKey\"",
                "24:48: error: resources.defaultEnvironmentVariables[1].secretName: must be lower-case letters and digits in words joined by single \"-\", starting with a letter, found \"My_Secret\"",
                "25:24: error: resources.defaultEnvironmentVariables[2].value: expected a string, found an integer (1)",
                "26:52: error: resources.defaultEnvironmentVariables[3].fieldPath: must be one of metadata.name, metadata.namespace, metadata.uid, spec.serviceAccountName, spec.nodeName, status.hostIP, status.podIP, status.podIPs, metadata.labels['KEY'], metadata.annotations['KEY'] or a resource field (resource.limits.cpu, ...), found \"spec.bogus\"",
                "27:7: error: resources.defaultEnvironmentVariables[4]: missing required field \"containerName\" (a resource field path names the container)",
                "28:7: error: resources.defaultEnvironmentVariables[5]: missing required field \"valueType\" (plain, secret, configmap or downwardAPI)",
                "30:14: error: resources.defaultConfigMaps[0].name: must be lower-case letters and digits in words joined by single \"-\", starting with a letter, found \"Config\"",
                "30:51: error: resources.defaultConfigMaps[0].files[0]: missing required field \"content\"",
                "32:7: error: resources.defaultSecrets[0]: missing required field \"mountPath\"",
                "33:3: error: resources.unknownThing: unknown field \"unknownThing\"",
            ])
    }

    @Test func theCatalogSchemaAcceptsNoConfigMapVariable() {
        let text = Self.seedItem + "lifecycleStatus: published\n"
        let withVariable = text.replacingOccurrences(
            of: "  dockerImage: ghcr.io/my-sidecar:1.0\n",
            with:
                "  dockerImage: ghcr.io/my-sidecar:1.0\n  defaultEnvironmentVariables:\n    - {name: A, valueType: configmap, configMapName: app-config, configMapFileName: a.json}\n"
        )
        #expect(load(withVariable, profile: .standard).diagnostics.errors.isEmpty)
        #expect(errorMessages(load(withVariable, profile: .catalog)).count == 1)
        // The config map is defined by the service the item joins: a warning, not an error.
        #expect(
            load(withVariable, profile: .standard).diagnostics.warnings.map(\.message) == [
                "config map \"app-config\" is not declared in this item; the service it is added to must define it"
            ])
    }

    @Test func marketplaceProfileChecksOnlyTheSeedSchema() {
        let loose = Self.seedItem.replacingOccurrences(of: "name: my-sidecar", with: "name: My_Sidecar") + "extra: field\n"
        #expect(load(loose, profile: .marketplace).isValid)
        #expect(!load(loose, profile: .standard).isValid)
        let missing = Self.seedItem.replacingOccurrences(of: "description: My sidecar\n", with: "")
        #expect(lines(load(missing, profile: .marketplace)) == ["1:1: error: missing required field \"description\""])
        #expect(load(missing, profile: .standard).isValid)
    }

    @Test func typeSidecarIsRequiredByDefault() {
        let untyped = Self.seedItem.replacingOccurrences(of: "type: sidecar\n", with: "")
        #expect(
            lines(load(untyped, format: .mia)) == [
                "1:1: error: missing required field \"type\" (a sidecar item says type: sidecar, or itemTypeDefinitionRef: {name: sidecar, namespace: mia-platform})"
            ])
    }

    @Test func miactlImageUploadFields() {
        let both = Self.seedItem + "image: {localPath: ./logo.png}\nimageUrl: https://x/logo.png\n"
        #expect(errorMessages(load(both)) == ["only one of the image keys is admitted, found both: image; imageUrl"])
        #expect(load(Self.seedItem + "image: {localPath: ./logo.png}\n").isValid)
        #expect(errorMessages(load(Self.seedItem + "image: {}\n")) == ["the image object is not valid: localPath key not found"])
    }

    @Test func jsonItemsAreReadLikeYAML() {
        let json = """
            {"name": "x", "itemId": "x", "type": "sidecar", "tenantId": "t",
             "resources": {"name": "x", "dockerImage": "nginx:1.27", "containerPorts": [{"name": "http", "from": "80"}]}}
            """
        #expect(load(json, as: "x.json").isValid)
    }

    @Test(arguments: [
        ("nginx", true), ("nginx:1.27", true), ("ghcr.io/acme/app:1.0", true), ("registry:5000/team/app:tag", true),
        ("localhost:5000/app", true), ("{{REGISTRY}}/app:{{TAG}}", true), ("Registry.IO/app", true), ("a//b", true),
        ("app:", false), ("app:tag:more", false), ("Not An Image", false), ("", false), ("/app", true), ("app/", true),
        ("app:t/x", true), ("UPPER:5000/app", false),
    ])
    func dockerImagePatternMatchesTheSchema(image: String, valid: Bool) {
        #expect(MiaPatterns.matchesDockerImage(image) == valid)
    }
}
