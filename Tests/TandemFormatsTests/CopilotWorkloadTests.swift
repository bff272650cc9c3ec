import TandemCore
import Testing

@testable import TandemFormats

/// Copilot's rules beyond the containers, each after the upstream code it follows
/// (aws/copilot-cli internal/pkg/manifest: interpolate.go, svc.go, validate.go, lb_web_svc.go).
@Suite struct CopilotWorkloadTests {
    func loader(environment: String? = nil, app: String? = "shop", variables: [String: String] = [:]) -> InputLoader {
        var loader = InputLoader(format: .copilot, environment: environment)
        loader.application = app
        loader.variables = variables
        return loader
    }

    let web = """
        name: fe
        type: Load Balanced Web Service
        image:
          location: nginx
          port: 80

        """

    // interpolate.go: reserved names, variables from the environment, escapes, JSON lists, undefined names.
    @Test func interpolationFollowsCopilot() throws {
        let text =
            web + """
                variables:
                  APP: ${COPILOT_APPLICATION_NAME}-${COPILOT_ENVIRONMENT_NAME}
                  TAGGED: repo:${TAG}
                  KEPT: \\${TAG}
                  SHELL: $TAG
                command: ${ARGS}

                """
        let input = loader(environment: "prod", variables: ["TAG": "v1", "ARGS": #"["serve","--port","80"]"#]).load(text: text, file: "m.yml")
        #expect(errorMessages(input) == [])
        let main = try #require(input.services.first?.container(named: "fe"))
        let values = Dictionary(uniqueKeysWithValues: main.environment.map { ($0.name, $0.value) })
        #expect(values == ["APP": .plain("shop-prod"), "TAGGED": .plain("repo:v1"), "KEPT": .plain("${TAG}"), "SHELL": .plain("$TAG")])
        #expect(main.command == .exec(["serve", "--port", "80"]))

        let undefined = loader(environment: "prod").load(text: web + "variables:\n  A: ${NOPE}\n", file: "m.yml")
        #expect(errorMessages(undefined) == ["environment variable \"NOPE\" is not defined"])
        #expect(undefined.diagnostics.errors.first.map { "\($0.line ?? 0):\($0.path)" } == "7:variables.A")
        let clash = loader(environment: "prod", variables: ["COPILOT_APPLICATION_NAME": "other"]).load(
            text: web + "variables:\n  A: ${COPILOT_APPLICATION_NAME}\n", file: "m.yml")
        #expect(
            errorMessages(clash) == [
                "predefined environment variable \"COPILOT_APPLICATION_NAME\" cannot be overridden by OS environment variable with the same name"
            ])
        // The base manifest, checked without an environment, keeps the environment's name as written.
        #expect(loader().load(text: web + "variables:\n  E: ${COPILOT_ENVIRONMENT_NAME}\n", file: "m.yml").isValid)
    }

    // svc.go / workload.go: from_cfn variables and secrets, Secrets Manager names, EFS ids from exports.
    @Test func referencesAreKeptAsCopilotWritesThem() throws {
        let text = """
            name: job
            type: Scheduled Job
            image:
              location: alpine
            on:
              schedule: "@daily"
            variables:
              DB_NAME:
                from_cfn: MyDB
            secrets:
              PLAIN: /copilot/pass
              SM:
                secretsmanager: demo/mysql
              IMPORTED:
                from_cfn: stack-User
            logging:
              destination:
                Name: cloudwatch
              secretOptions:
                KEY:
                  secretsmanager: demo/key
            storage:
              volumes:
                shared:
                  path: /etc/shared
                  efs:
                    id:
                      from_cfn: stack-fs

            """
        let input = loader(environment: "test").load(text: text, file: "m.yml")
        #expect(errorMessages(input) == [])
        let service = try #require(input.services.first)
        let values = Dictionary(uniqueKeysWithValues: try #require(service.container(named: "job")).environment.map { ($0.name, $0.value) })
        #expect(values["DB_NAME"] == .cloudFormationExport("MyDB"))
        #expect(values["PLAIN"] == .secretReference(.ssmParameter("/copilot/pass")))
        #expect(values["SM"] == .secretReference(.secretsManager("demo/mysql")))
        #expect(values["IMPORTED"] == .secretReference(.cloudFormationExport("stack-User")))
        #expect(service.logging?.secretOptions["KEY"] == .secretsManager("demo/key"))
        guard case .efs(let efs)? = service.volume(named: "shared")?.kind else {
            Issue.record("shared is not an EFS volume")
            return
        }
        #expect(efs.fileSystemId == "stack-fs" && efs.fileSystemIdIsExport)
    }

    // validate.go: validateTargetContainer for nlb, validateExposedPorts for balancer targets.
    @Test func loadBalancerTargetsAreChecked() {
        func errors(_ extra: String) -> [String] { errorMessages(loader(environment: "test").load(text: web + extra, file: "m.yml")) }
        #expect(errors("nlb:\n  port: 443/tls\n  target_container: ghost\n") == ["nlb: target container \"ghost\" doesn't exist"])
        #expect(
            errors(
                "nlb:\n  port: 443/tls\n  additional_listeners:\n    - port: 8080/tcp\n      target_container: logs\nsidecars:\n  logs:\n    image: fluent\n")
                == ["nlb.additional_listeners[0]: target container \"logs\" doesn't expose a port"])
        // An ALB target port that another sidecar already exposes, sent to a different container.
        #expect(
            errors("http:\n  path: /\n  target_port: 9000\n  target_container: fe\nsidecars:\n  proxy:\n    image: envoy\n    port: 9000\n")
                == ["containers \"fe\" and \"proxy\" are exposing the same port 9000"])
        #expect(
            errors("nlb:\n  port: 53/udp\n  target_port: 9000\nsidecars:\n  proxy:\n    image: envoy\n    port: 9000\n")
                == ["container \"proxy\" is exposing the same port 9000 with protocol UDP and TCP"])
    }

    // validate.go: what a Load Balanced Web Service requires.
    @Test func loadBalancedWebServicesNeedAPortAndABalancer() {
        let noPort = "name: fe\ntype: Load Balanced Web Service\nimage:\n  location: nginx\nhttp:\n  path: /\n"
        #expect(errorMessages(loader(environment: "test").load(text: noPort, file: "m.yml")) == ["image: \"port\" must be specified"])
        #expect(
            errorMessages(loader(environment: "test").load(text: web + "http: false\n", file: "m.yml")) == ["must specify at least one of \"http\" or \"nlb\""])
        #expect(loader(environment: "test").load(text: web + "http: false\nnlb:\n  port: 80/tcp\n", file: "m.yml").isValid)
    }

    // workload.go: ErrInvalidWorkloadType; the file is still recognised as a Copilot manifest.
    @Test func invalidTypesGetCopilotsMessage() {
        let input = InputLoader().load(text: "name: fe\ntype: Load Balanced Web Servic\nimage:\n  location: nginx\n", file: "m.yml")
        #expect(input.format == .copilot)
        #expect(errorMessages(input).first?.hasPrefix("invalid manifest type: Load Balanced Web Servic") == true)
        #expect(InputLoader().load(text: "name: fe\ntype: Worker Servce\ncpu: 256\n", file: "m.yml").format == .copilot)
    }

    // svc.go: ExposedPorts and the targets of rules and listeners.
    @Test func exposedPortsAndTargets() throws {
        let text =
            web + """
                http:
                  path: /
                  target_container: envoy
                  additional_rules:
                    - path: admin
                      target_port: 8081
                      target_container: envoy
                    - path: api
                      target_port: 80
                nlb:
                  port: 443/tls
                  additional_listeners:
                    - port: 53/udp
                sidecars:
                  envoy:
                    image: envoy
                    port: 8080

                """
        let input = loader(environment: "test").load(text: text, file: "m.yml")
        #expect(errorMessages(input) == [])
        let workload = try #require(input.copilot)
        let service = try #require(input.services.first)
        let (index, problems) = workload.exposedPorts(of: service)
        #expect(problems.isEmpty)
        #expect(index.ports(of: "fe").map { "\($0.port)/\($0.transport)" } == ["53/udp", "80/tcp", "443/tcp"])
        #expect(index.ports(of: "envoy").map { "\($0.port)/\($0.transport)" } == ["8080/tcp", "8081/tcp"])
        #expect(workload.routingRules.map { workload.target(of: $0, in: index).container } == ["envoy", "envoy", "fe"])
        #expect(workload.routingRules.map { workload.target(of: $0, in: index).port } == [8080, 8081, 80])
        #expect(workload.listeners.map { "\(workload.target(of: $0, in: index))" } == ["(container: \"fe\", port: 443)", "(container: \"fe\", port: 53)"])
        let server = try #require(workload.serviceConnectTarget(in: index))
        #expect(server.container == "envoy" && server.port == 8080)
    }

    // validate.go: EFSVolumeConfiguration.validate, in Copilot's order and words.
    @Test func efsVolumesFollowCopilotsRules() {
        func errors(_ efs: String) -> [String] {
            errorMessages(loader(environment: "test").load(text: web + "storage:\n  volumes:\n    v:\n      path: /v\n      efs:\n" + efs, file: "m.yml"))
        }
        #expect(errors("        id: fs-1\n        uid: 1000\n        gid: 1000\n") == ["must specify one, not both, of \"uid/gid\" and \"id/root_dir/auth\""])
        #expect(errors("        uid: 1000\n") == ["\"gid\" must be specified if \"uid\" is specified"])
        #expect(errors("        gid: 1000\n") == ["\"uid\" must be specified if \"gid\" is specified"])
        #expect(errors("        uid: 0\n        gid: 0\n") == ["\"uid\" must not be 0"])
        #expect(
            errors("        id: fs-1\n        root_dir: /data\n        auth:\n          access_point_id: fsap-1\n") == [
                "\"root_dir\" must be either empty or \"/\" and \"auth.iam\" must be true when \"access_point_id\" is used"
            ])
        #expect(errors("        id: fs-1\n        root_dir: /\n        auth:\n          iam: true\n          access_point_id: fsap-1\n") == [])
        #expect(errors("        uid: 1000\n        gid: 1000\n") == [])
    }

    // What each workload type holds: Request-Driven Web Services and Static Sites run no sidecars;
    // their own fields (http.private, files, http.certificate) are Copilot's, not unknown.
    @Test func workloadTypesWithoutSidecars() {
        let rdws = "name: front\ntype: Request-Driven Web Service\nimage:\n  location: nginx\n  port: 80\nhttp:\n  alias: web.example.com\n  private: true\n"
        #expect(errorMessages(loader(environment: "test").load(text: rdws, file: "m.yml")) == [])
        #expect(
            errorMessages(loader(environment: "test").load(text: rdws + "sidecars:\n  proxy:\n    image: envoy\n", file: "m.yml")) == [
                "sidecars are not supported for Request-Driven Web Services"
            ])
        let site = "name: site\ntype: Static Site\nhttp:\n  certificate: arn:aws:acm:us-east-1:1:certificate/x\nfiles:\n  - source: src/\n    recursive: true\n"
        #expect(errorMessages(loader(environment: "test").load(text: site, file: "m.yml")) == [])
        #expect(
            errorMessages(loader(environment: "test").load(text: site + "sidecars:\n  proxy:\n    image: envoy\n", file: "m.yml")) == [
                "sidecars are not supported for Static Sites (a Static Site serves files, it runs no containers)"
            ])
    }
}
