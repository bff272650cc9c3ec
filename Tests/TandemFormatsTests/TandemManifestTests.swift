import Foundation
import TandemCore
import Testing

@testable import TandemFormats

@Suite struct TandemManifestTests {
    @Test func exampleReadsWithStatedDefaults() throws {
        let input = InputLoader().loadFile(repositoryRoot + "/examples/tandem/web.yml")
        #expect(input.format == .tandem)
        #expect(input.isValid, "\(lines(input))")
        let service = try #require(input.services.first)
        #expect(service.containers.map(\.name) == ["web", "log-router", "proxy", "metrics"])
        let web = try #require(service.container(named: "web"))
        #expect(web.essential && web.restart == .never)
        #expect(web.command == .exec(["python3", "-m", "http.server", "8080", "--bind", "127.0.0.1"]))
        #expect(web.probes.readiness?.action == .http(path: "/", port: .number(8080)))
        #expect(web.probes.readiness?.period == 10)
        #expect(web.probes.startup?.period == 0.1)
        #expect(web.probes.startup?.failureThreshold == 100)
        #expect(web.resources.memoryLimit == .value(256))
        let metrics = try #require(service.container(named: "metrics"))
        #expect(!metrics.essential && metrics.restart == .always)
        #expect(metrics.resources.memoryLimit == .value(32))
        #expect(metrics.environment.first?.value == .secretReference(.hostEnvironment("METRICS_TOKEN")))
        #expect(service.container(named: "log-router")?.role == .logRouter)
        #expect(service.container(named: "proxy")?.dependsOn.first?.condition == .healthy)
    }

    @Test func problemsAreReportedTogether() {
        let text = """
            tandem: v1
            name: Web_App
            command: ./server
            restart: sometimes
            memory: lots
            probes:
              readiness: {http: {path: /}, tcp: {port: 80}}
              liveness: {period: 1s}
            sidecars:
              helper:
                comand: ./helper
              catalog:
                from_catalog: {company: acme, item: envoy}
                depends_on:
                  web: {condition: healthy, timeout: soon}

            """
        #expect(
            lines(load(text)) == [
                "2:7: error: name: must be lower-case letters, digits and \"-\", starting with a letter, found \"Web_App\"",
                "4:10: error: restart: must be always, on-failure or never, found \"sometimes\"",
                "5:9: error: memory: expected memory in MiB (256) or with a unit (\"256Mi\", \"1Gi\"), found a string (\"lots\")",
                "7:14: error: probes.readiness: a probe takes only one of http, tcp, exec or shell",
                "8:13: error: probes.liveness: a probe needs one of http, tcp, exec or shell",
                "11:5: error: sidecars.helper: a sidecar needs a \"command\" to run locally, an \"image\" to deploy, or \"from_catalog\"",
                "11:5: error: sidecars.helper.comand: unknown field \"comand\"; did you mean \"command\"?",
                "15:7: error: sidecars.catalog.depends_on.web: container web does not exist",
                "15:42: error: sidecars.catalog.depends_on.web.timeout: expected a duration such as 30s, found \"soon\"",
            ])
    }

    @Test func notifyDescriptorsAreCheckedAndWritten() throws {
        let text = """
            tandem: v1
            name: app
            command: "exec daemon"
            notify_fd: 2
            sidecars:
              both:
                command: agent
                notify_ready: true
                notify_fd: 3
              good:
                command: agent
                notify_fd: 5

            """
        #expect(
            lines(load(text)) == [
                "4:12: error: notify_fd: expected a descriptor number from 3 to 1023 (0, 1 and 2 are the standard streams), found 2",
                "9:16: error: sidecars.both.notify_fd: use either notify_ready or notify_fd, not both",
            ])
        let good = load(text.replacingOccurrences(of: "notify_fd: 2", with: "notify_fd: 4").replacingOccurrences(of: "    notify_ready: true\n", with: ""))
        let service = try #require(good.services.first, "\(lines(good))")
        #expect(service.containers.map(\.notifyDescriptor) == [4, 3, 5])
        let written = ManifestWriter.tandem(service)
        #expect(written.text.contains("notify_fd: 4") && written.text.contains("notify_fd: 5"), "\(written.text)")
    }

    /// The runtime's knobs: signals passed on, the restart budget and cap, the unit's stop timeout; each
    /// bad value located, and each kept when written back.
    @Test func runtimeKnobsAreCheckedAndWritten() throws {
        let text = """
            tandem: v1
            name: app
            command: "exec daemon"
            stop_timeout: never
            forward_signals: [TERM, sigusr1, KILL, HUP, usr1]
            restart_limit: {restarts: -1, within: soon, backoff_max: 5s, every: 1s}
            sidecars:
              quiet:
                command: agent
                forward_signals: []

            """
        #expect(
            lines(load(text)) == [
                "4:15: error: stop_timeout: expected a duration above zero such as 10s, found \"never\"",
                "5:19: error: forward_signals[0]: \"TERM\" cannot be forwarded (it stops the unit, in order); expected one of \(TandemManifestReader.forwardableSignals.joined(separator: ", "))",
                "5:34: error: forward_signals[2]: \"KILL\" cannot be forwarded (it cannot be caught); expected one of \(TandemManifestReader.forwardableSignals.joined(separator: ", "))",
                "6:27: error: restart_limit.restarts: expected 0 or more, found -1",
                "6:39: error: restart_limit.within: expected a duration above zero such as 30s, found \"soon\"",
                "6:62: error: restart_limit.every: unknown field \"every\"",
            ])
        let good = load(
            text.replacingOccurrences(of: "never", with: "9s").replacingOccurrences(of: "TERM, sigusr1, KILL, HUP, usr1", with: "sigusr1, HUP, usr1")
                .replacingOccurrences(of: "restarts: -1, within: soon, backoff_max: 5s, every: 1s", with: "restarts: 3, within: 2m, backoff_max: 5s"))
        let service = try #require(good.services.first, "\(lines(good))")
        #expect(service.stopTimeout == 9)
        #expect(service.containers.map(\.forwardSignals) == [["USR1", "HUP"], []])
        #expect(service.containers.first?.restartLimit == RestartLimit(restarts: 3, window: 120, backoffMax: 5))
        let written = ManifestWriter.tandem(service).text
        let again = try #require(load(written).services.first, "\(written)")
        #expect(again.stopTimeout == 9 && again.containers.map(\.forwardSignals) == [["USR1", "HUP"], []], "\(written)")
        #expect(again.containers.first?.restartLimit == service.containers.first?.restartLimit, "\(written)")
    }

    @Test func versionMarkerIsChecked() {
        #expect(errorMessages(load("tandem: v2\nname: a\ncommand: x\n")) == ["this Tandem reads manifest version v1, found \"v2\""])
    }

    @Test func configMapsAreVolumesToo() throws {
        let text = """
            tandem: v1
            name: app
            command: ./app
            config_maps:
              proxy-config:
                files:
                  envoy.yaml: "admin: {}"
            sidecars:
              proxy:
                command: envoy -c /etc/envoy/envoy.yaml
                mount_points:
                  - {source_volume: proxy-config, path: /etc/envoy}

            """
        let input = load(text)
        #expect(input.isValid, "\(lines(input))")
        let service = try #require(input.services.first)
        #expect(service.configMaps.first?.files.first?.name == "envoy.yaml")
        #expect(service.volume(named: "proxy-config")?.kind == .configMap("proxy-config"))
    }
}

@Suite struct DetectionTests {
    @Test(arguments: [
        ("tandem: v1\nname: a\n", "x.yml", InputFormat.tandem),
        ("type: sidecar\nname: a\n", "x.yml", .mia),
        ("applications: []\n", "manifest.yml", .cfManifest),
        ("processes: []\n", "launch.yml", .cfLaunch),
        ("name: a\ntype: Backend Service\n", "m.yml", .copilot),
        ("name: a\nsidecars: {}\n", "m.yml", .copilot),
    ])
    func formatsAreDetected(text: String, name: String, format: InputFormat) throws {
        let root = try #require(DocumentLoader.load(text: text, file: name).root)
        #expect(InputLoader.detect(root, file: name) == format)
    }

    @Test func unknownDocumentsSayWhatWasExpected() {
        let input = load("just: data\n")
        #expect(input.diagnostics.first?.message.hasPrefix("cannot tell which format this is") == true)
    }

    @Test func foldersAreWalkedAndAppsKeptWhole() {
        let folder = temporaryDirectory()
        write("tandem: v1\nname: a\ncommand: x\n", to: folder + "/b/a.yml")
        write("not yaml at all", to: folder + "/notes.txt")
        write("web: ./x\n", to: folder + "/app/Procfile")
        write("processes: []\n", to: folder + "/app/deps/0/launch.yml")
        write("hidden: true\n", to: folder + "/.hidden/x.yml")
        let (inputs, unreadable) = InputLoader().load(paths: [folder, folder + "/missing.yml"])
        #expect(inputs.map { ($0.file as NSString).lastPathComponent } == ["app", "a.yml"])
        #expect(unreadable.map(\.message) == ["no such file or directory"])
    }
}

@Suite struct CatalogResolverTests {
    @Test func catalogSidecarsAreTheItemOverriddenByTheManifest() throws {
        let (resolver, problems) = CatalogResolver.load(folder: repositoryRoot + "/examples/mia")
        #expect(problems.isEmpty)
        let input = InputLoader().loadFile(repositoryRoot + "/examples/tandem/orders-with-catalog.yml")
        #expect(input.isValid, "\(lines(input))")
        let (service, diagnostics) = resolver.resolve(try #require(input.services.first), file: "orders.yml")
        #expect(diagnostics.isEmpty)
        let audit = try #require(service.container(named: "audit"))
        #expect(audit.image == "ghcr.io/acme/e-commerce-audit-trail:0.2.0")
        #expect(audit.resources.memoryLimit == .value(200))
        #expect(audit.resources.memoryRequest == .value(150))
        let variables = Dictionary(uniqueKeysWithValues: audit.environment.map { ($0.name, $0.value) })
        #expect(variables["LOG_LEVEL"] == .plain("debug"))
        #expect(variables["DB_PASSWORD"] == .secretKey(secret: "audit-db", key: "password"))
        #expect(audit.dependsOn.map(\.container) == ["orders"])
        #expect(!audit.essential && audit.restart == .always)
        #expect(service.configMap(named: "audit-config") != nil)
        #expect(ServiceValidator().validate(service, file: "orders.yml").errors.isEmpty)
    }

    @Test func unknownItemsAreReported() throws {
        let input = load("tandem: v1\nname: a\ncommand: x\nsidecars:\n  s:\n    from_catalog: {company: other, item: e-commerce-audit-trail}\n")
        let (resolver, _) = CatalogResolver.load(folder: repositoryRoot + "/examples/mia")
        let (_, diagnostics) = resolver.resolve(try #require(input.services.first), file: "a.yml")
        #expect(diagnostics.map(\.message) == ["catalog sidecar e-commerce-audit-trail of company other was not found in the catalog"])
    }
}
