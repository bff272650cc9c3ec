import TandemCore

/// The rules Copilot checks on a whole workload (internal/pkg/manifest/validate.go), in its words:
/// load balancer targets that exist and expose a port, ports exposed once, what each type requires.
enum CopilotRules {
    static func check(_ workload: CopilotWorkload, service: Service, file: String) -> [Diagnostic] {
        var problems: [(Origin, String)] = []
        let main = service.mainContainers.first
        if workload.kind == .loadBalancedWebService, let main {
            if main.image == nil && main.imageBuild == nil {
                problems.append((main.origin, "image: must specify one of \"build\" and \"location\""))
            }
            if main.ports.isEmpty {
                problems.append((main.origin, "image: \"port\" must be specified"))
            }
            if workload.httpDisabled && workload.listeners.isEmpty {
                problems.append((service.origin, "must specify at least one of \"http\" or \"nlb\""))
            }
        }
        func checkTarget(_ container: String?, _ origin: Origin, _ what: String) {
            guard let container else { return }
            if container == main?.name {
                if main?.ports.isEmpty ?? true { problems.append((origin, "\(what): target container \"\(container)\" doesn't expose a port")) }
                return
            }
            guard let sidecar = service.container(named: container), sidecar.role != .main else {
                problems.append((origin, "\(what): target container \"\(container)\" doesn't exist"))
                return
            }
            if sidecar.ports.isEmpty { problems.append((origin, "\(what): target container \"\(container)\" doesn't expose a port")) }
        }
        // The main rule's target (`http.target_container`) is the service's traffic target, which the
        // service's own rules check in the same words; the additional rules are Copilot's alone.
        for (index, rule) in workload.routingRules.enumerated().dropFirst() {
            checkTarget(rule.targetContainer, rule.origin, "http.additional_rules[\(index - 1)]")
        }
        for (index, listener) in workload.listeners.enumerated() {
            checkTarget(listener.targetContainer, listener.origin, index == 0 ? "nlb" : "nlb.additional_listeners[\(index - 1)]")
        }
        for (origin, message) in workload.exposedPorts(of: service).problems {
            problems.append((origin, message))
        }
        return problems.map { origin, message in Diagnostic(.error, origin: origin, file: file, message: message) }
    }
}
