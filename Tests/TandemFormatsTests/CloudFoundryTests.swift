import Foundation
import TandemCore
import Testing

@testable import TandemFormats

@Suite struct CloudFoundryTests {
    @Test func launchEntriesWithSidecarForBecomeSidecars() throws {
        let text = """
            processes:
            - type: "sidecar_process"
              command: "while true; do echo hello; sleep 10; done"
              limits:
                memory: 10
              platforms:
                cloudfoundry:
                  sidecar_for: [ "web"]
            - type: web
              command: ./server
            """
        let input = load(text, as: "launch.yml")
        #expect(input.format == .cfLaunch)
        #expect(input.isValid, "\(lines(input))")
        let service = try #require(input.services.first)
        let sidecar = try #require(service.container(named: "sidecar_process"))
        #expect(sidecar.role == .sidecar)
        #expect(sidecar.sidecarFor == ["web"])
        #expect(sidecar.resources.memoryLimit == .value(10))
        #expect(sidecar.command == .shell("while true; do echo hello; sleep 10; done"))
        // Health-gated start: web has CF's default port check, so the sidecar waits for it.
        #expect(sidecar.dependsOn.map { "\($0.container) \($0.condition.rawValue)" } == ["web HEALTHY"])
        #expect(service.container(named: "web")?.role == .main)
    }

    @Test func laterBuildpacksReplaceInPlaceAndTheProcfileWins() {
        let first = [LaunchProcess(type: "x", command: "one", sidecarFor: ["web"]), LaunchProcess(type: "y", command: "y")]
        let second = [LaunchProcess(type: "z", command: "z"), LaunchProcess(type: "x", command: "two")]
        let procfile = [LaunchProcess(type: "y", command: "from procfile")]
        let merged = CloudFoundryReader.merge([first, second, procfile])
        #expect(merged.map(\.type) == ["x", "y", "z"])
        #expect(merged[0].command == "two")
        #expect(merged[0].sidecarFor.isEmpty)
        #expect(merged[1].command == "from procfile")
    }

    @Test func appFolderMergesLikeTheLifecycle() throws {
        let folder = temporaryDirectory()
        write(
            "processes:\n- type: helper\n  command: ./helper\n  limits: {memory: 64}\n  platforms: {cloudfoundry: {sidecar_for: [web]}}\n",
            to: folder + "/deps/0/launch.yml")
        write("processes:\n- type: helper\n  command: ./helper-v2\n  platforms: {cloudfoundry: {sidecar_for: [web]}}\n", to: folder + "/deps/1/launch.yml")
        write("default_process_types:\n  web: ./release-default\n", to: folder + "/release.yml")
        write("web: ./from-procfile\n", to: folder + "/Procfile")
        var input = InputLoader().load(paths: [folder]).inputs[0]
        #expect(input.format == .cfApp)
        var service = try #require(input.services.first)
        #expect(service.container(named: "helper")?.command == .shell("./helper-v2"))
        // Replaced in place: the later entry's missing limits win.
        #expect(service.container(named: "helper")?.resources.memoryLimit == nil)
        #expect(service.container(named: "web")?.command == .shell("./from-procfile"))

        // The final buildpack (index 1) wrote a launch.yml, so release defaults are ignored; without it they apply.
        try FileManager.default.removeItem(atPath: folder + "/Procfile")
        try FileManager.default.removeItem(atPath: folder + "/deps/1/launch.yml")
        input = InputLoader().load(paths: [folder]).inputs[0]
        service = try #require(input.services.first)
        #expect(service.container(named: "web")?.command == .shell("./release-default"))
        write("processes:\n- type: worker\n  command: ./w\n", to: folder + "/deps/1/launch.yml")
        input = InputLoader().load(paths: [folder]).inputs[0]
        #expect(input.services.first?.container(named: "web") == nil)
    }

    @Test func invalidLaunchYAMLFailsWithItsPosition() {
        let folder = temporaryDirectory()
        write("processes:\n- type: [unclosed\n", to: folder + "/deps/0/launch.yml")
        write("web: ./x\n", to: folder + "/Procfile")
        let input = InputLoader().load(paths: [folder]).inputs[0]
        #expect(!input.isValid)
        #expect(input.diagnostics.first?.file.hasSuffix("deps/0/launch.yml") == true)
        #expect(input.diagnostics.first?.line == 3)
    }

    @Test func unknownKeysAreWarningsAsCFIgnoresThem() {
        let input = load("processes:\n- type: web\n  command: x\n  colour: blue\n", as: "launch.yml")
        #expect(input.isValid)
        #expect(lines(input) == ["4:3: warning: processes[0].colour: unknown field \"colour\""])
    }

    let manifestHead = "applications:\n- name: app\n  memory: 1024M\n  sidecars:\n"

    @Test func manifestSidecarMessages() {
        let text =
            manifestHead + """
                  - name: ""
                    command: x
                  - name: a
                    process_types: []
                  - name: b
                    command: x
                    process_types: [web, web]
                    memory: lots
                  - name: c
                    command: x
                    process_types: [web]
                    memory: 0M
                  - name: d
                    command: x
                    process_types: [web]
                  - name: d
                    command: x
                    process_types: [web]

                """
        #expect(
            errorMessages(load(text)) == [
                "Sidecar name can't be blank",
                "Sidecar \"a\": Command can't be blank",
                "Sidecar \"a\": Process types must have at least 1 process_type",
                "Sidecar \"b\": Memory in mb is not a number",
                "Sidecar \"b\": Sidecar is already associated with process type web",
                "Sidecar \"c\": Memory in mb must be greater than 0",
                "Sidecar \"d\": Sidecar with name 'd' already exists for given app",
            ])
        #expect(errorMessages(load("applications:\n- name: app\n  sidecars: {a: 1}\n")) == ["Sidecars must be an array of sidecar configurations"])
    }

    @Test func sidecarMemoryMustStayBelowTheProcess() {
        func sidecars(_ sizes: [String]) -> String {
            manifestHead + sizes.enumerated().map { "  - {name: s\($0), command: x, process_types: [web], memory: \($1)}\n" }.joined()
        }
        #expect(load(sidecars(["512M", "511M"])).diagnostics.warnings.allSatisfy { !$0.message.contains("memory allocation") })
        // Cloud Controller checks the policy when the app starts or scales: reading warns, start and render refuse.
        let tooLarge = load(sidecars(["512M", "512M"]))
        #expect(tooLarge.isValid)
        #expect(
            tooLarge.diagnostics.warnings.map(\.message).filter { $0.contains("memory allocation") } == [
                "The memory allocation defined is too large to run with the dependent \"web\" process (1024 MB of sidecars for 1024 MB); Cloud Controller refuses to start or scale the app so"
            ])
        let service = tooLarge.services[0]
        #expect(
            CloudFoundryReader.memoryPolicy(service, file: "m.yml").map(\.message) == [
                "The memory allocation defined is too large to run with the dependent \"web\" process (1024 MB of sidecars for 1024 MB)"
            ])
        #expect(!CloudFoundryReader.memoryPolicy(load(sidecars(["1G"])).services[0], file: "m.yml").isEmpty)
        #expect(
            errorMessages(load(manifestHead + "  - {name: s, command: x, process_types: [web], memory: 12Q}\n")) == [
                "Sidecar \"s\": Memory in mb is not a number"
            ])
    }

    @Test func seedManifestExample() throws {
        let input = InputLoader().loadFile(repositoryRoot + "/examples/cloudfoundry/manifest.yml")
        #expect(input.isValid, "\(lines(input))")
        let service = try #require(input.services.first)
        #expect(service.containers.map(\.name) == ["web", "worker", "authenticator", "performance monitor"])
        #expect(service.container(named: "authenticator")?.sidecarFor == ["web", "worker"])
        #expect(service.container(named: "authenticator")?.resources.memoryLimit == .value(128))
        #expect(service.container(named: "worker")?.resources.memoryLimit == .value(512))
        // web has a port check (HEALTHY), worker a process check (START).
        #expect(service.container(named: "authenticator")?.dependsOn.map(\.condition) == [.healthy, .start])
    }

    // cf push: a manifest's fields beyond Tandem's model are kept for Cloud Foundry and named elsewhere.
    @Test func wholeManifestIsKept() throws {
        let text = """
            applications:
            - memory: 512M
              instances: 3
              disk_quota: 2G
              stack: cflinuxfs4
              buildpacks: [https://github.com/acme/agent-buildpack, ruby_buildpack]
              routes: [{route: app.example.com}]
              services: [db]
              command: bundle exec rackup
              processes:
              - {type: worker, command: rake work, instances: 2}

            """
        #expect(errorMessages(load(text)) == ["an app without a name is pushed with its name (cf push APP): give it with --name APP"])
        var loader = InputLoader()
        loader.cloudFoundryName = "shop"
        let input = loader.load(text: text, file: "manifest.yml")
        #expect(input.isValid)
        let kept = try #require(input.cloudFoundryApps.first)
        #expect(kept.names == ["instances", "disk_quota", "stack", "buildpacks", "routes", "services", "processes.worker.instances"])
        guard case .converted(let written, let dropped) = ManifestWriter.convert(input.services[0], to: .cfManifest, extras: input.extras) else {
            Issue.record("not converted")
            return
        }
        #expect(dropped.isEmpty)
        let again = InputLoader().load(text: written, file: "again.yml")
        #expect(again.cloudFoundryApps.first == kept)
        guard case .converted(_, let lost) = ManifestWriter.convert(input.services[0], to: .tandem, extras: input.extras) else {
            Issue.record("not converted")
            return
        }
        #expect(lost.contains { $0.hasPrefix("the app's Cloud Foundry settings: instances, disk_quota, stack, buildpacks") })
    }

    /// The release defaults apply only where the final buildpack wrote no launch.yml; when they cannot,
    /// the folder says so instead of ignoring them silently.
    @Test func releaseDefaultsThatCannotApplyAreNamed() throws {
        let root = NSTemporaryDirectory() + "tandem-staged-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/deps/0", withIntermediateDirectories: true)
        try "processes:\n- type: web\n  command: ./serve\n".write(toFile: root + "/deps/0/launch.yml", atomically: true, encoding: .utf8)
        try "default_process_types:\n  web: ./release-web\n".write(toFile: root + "/release.yml", atomically: true, encoding: .utf8)
        let (service, diagnostics) = CloudFoundryReader().readAppFolder(root)
        #expect(service?.container(named: "web")?.command == .shell("./serve"))
        #expect(diagnostics.warnings.contains { $0.message.hasPrefix("not used: the final buildpack (deps/0) wrote a launch.yml") })
    }

    /// A Docker app: `docker.image` is every process's image, and a process without a command runs the
    /// image's own, without a warning.
    @Test func dockerAppsRunTheirImage() throws {
        let input = InputLoader().load(text: "applications:\n- name: web\n  docker:\n    image: nginx:1.27\n", file: "manifest.yml")
        #expect(input.diagnostics.isEmpty, "\(input.diagnostics)")
        #expect(input.services.first?.container(named: "web")?.image == "nginx:1.27")
        guard case .converted(let text, _) = ManifestWriter.convert(try #require(input.services.first), to: .cfManifest, extras: input.extras) else {
            Issue.record("not converted")
            return
        }
        #expect(text.contains("docker:\n    image: nginx:1.27"))
    }
}
