import TandemCatalog
import TandemCore
import TandemFormats
import TandemRenderers

/// What an item's page shows, read from the stored document with Tandem's own Mia reader, and the
/// "use it" snippets made by Tandem's own writers and renderers. Plain values only: the template escapes.
enum ItemPresentation {
    /// The item's document as YAML and as indented JSON, in its author's key order.
    static func texts(of document: String) -> (yaml: String, json: String) {
        guard let root = DocumentLoader.load(text: document, file: "item.json").root else { return (document, document) }
        let value = YAMLValue(root)
        return (value.yaml(), value.json())
    }

    /// The item as Tandem's Mia reader reads it (read once per page: the container's fields, the example
    /// service and its graph all come from it).
    static func mia(of item: StoredItem) -> MiaItem? {
        InputLoader(format: .mia).load(text: item.document, file: "\(item.itemId).json").miaItem
    }

    /// The container's fields laid out for people; nil when the document has no container (not a sidecar
    /// or plugin). Secrets are shown by name, never by value (an item holds none anyway).
    static func container(of mia: MiaItem) -> [String: Any]? {
        guard let container = mia.container else { return nil }
        var values: [String: Any] = [:]
        values["image"] = container.image
        if let command = container.command {
            values["command"] =
                switch command {
                case .shell(let line): line
                case .exec(let argv): argv.map { $0.contains(" ") ? JSONText.quoted($0) : $0 }.joined(separator: " ")
                }
        }
        let resources = [
            container.resources.cpuRequest.map { "CPU request \($0)m" }, container.resources.cpuLimit.map { "CPU limit \($0)m" },
            container.resources.memoryRequest.map { "memory request \($0) MiB" }, container.resources.memoryLimit.map { "memory limit \($0) MiB" },
        ].compactMap { $0 }
        if !resources.isEmpty { values["resources"] = resources.joined(separator: ", ") }
        let ports: [[String: Any]] = container.ports.map { port in
            ["name": port.name ?? "–", "port": port.containerPort.description, "transport": port.transport.rawValue]
        }
        values["ports"] = ports
        values["hasPorts"] = !ports.isEmpty
        var probes: [[String: Any]] = []
        for (kind, probe) in [("startup", container.probes.startup), ("readiness", container.probes.readiness), ("liveness", container.probes.liveness)] {
            guard let probe else { continue }
            let check =
                switch probe.action {
                case .exec(let argv): argv.joined(separator: " ")
                case .shell(let line): line
                case .http(let path, let port): "HTTP GET \(path)" + (port.map { " on port \($0)" } ?? "")
                case .tcp(let port): "TCP connect" + (port.map { " to port \($0)" } ?? "")
                }
            let timing = [
                probe.initialDelay.map { "after \(seconds($0))" }, probe.period.map { "every \(seconds($0))" },
                probe.timeout.map { "timeout \(seconds($0))" }, probe.failureThreshold.map { "\($0) failures" },
            ].compactMap { $0 }.joined(separator: ", ")
            probes.append(["kind": kind, "check": check, "timing": timing.isEmpty ? "engine defaults" : timing])
        }
        values["probes"] = probes
        values["hasProbes"] = !probes.isEmpty
        let environment: [[String: Any]] = container.environment.map { variable in
            switch variable.value {
            case .plain(let value): ["name": variable.name, "value": value]
            case .secretKey(let secret, let key): ["name": variable.name, "value": "\(secret) / \(key)", "secret": true]
            case .secretReference(let source): ["name": variable.name, "value": "\(source)", "secret": true]
            case .configMapFile(let map, let file): ["name": variable.name, "value": "config map \(map), file \(file)"]
            case .field(let path, _): ["name": variable.name, "value": "field \(path)"]
            case .cloudFormationExport(let export): ["name": variable.name, "value": "CloudFormation export \(export)"]
            }
        }
        values["environment"] = environment
        values["hasEnvironment"] = !environment.isEmpty
        let configMaps: [[String: Any]] = mia.service.configMaps.map { map in
            ["name": map.name, "files": map.files.map(\.name).joined(separator: ", ")]
        }
        values["configMaps"] = configMaps
        values["hasConfigMaps"] = !configMaps.isEmpty
        return values
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(Int((value * 1000).rounded())) ms"
    }

    /// The example service of the snippets: an app with the item as a `from_catalog` sidecar.
    static func exampleManifest(of item: StoredItem) -> String {
        """
        tandem: v1
        name: my-service
        image: registry.example.com/my-service:1.0.0
        port: 8080
        sidecars:
          \(ContainerNames.dnsLabel(item.itemId)):
            from_catalog: {item: \(JSONText.quoted(item.itemId)), company: \(JSONText.quoted(item.tenantId)), version: \(JSONText.quoted(item.version))}

        """
    }

    /// The example service with the item resolved as `tandem render` resolves it; nil for an item that
    /// is not a container (nothing to run beside an app).
    static func exampleService(of item: StoredItem, mia: MiaItem?) -> Service? {
        guard let mia, mia.container != nil,
            let service = InputLoader().load(text: exampleManifest(of: item), file: "tandem.yml").services.first
        else { return nil }
        let resolved = CatalogResolver(items: [mia], versions: [item.version]).resolve(service, file: "tandem.yml")
        return resolved.diagnostics.hasErrors ? nil : resolved.service
    }

    /// A Tandem manifest that uses the item, the same service (`example`, from `exampleService`) as
    /// Copilot's `sidecars:` and as Kubernetes' sidecar container (both from Tandem's writers and
    /// renderers), and the commands that fetch it.
    static func snippets(of item: StoredItem, example: Service?) -> [[String: Any]] {
        let key = ContainerNames.dnsLabel(item.itemId)
        var snippets: [[String: Any]] = [["id": "use-tandem", "title": "Tandem manifest", "text": exampleManifest(of: item)]]
        if let service = example {
            if let block = block(in: ManifestWriter.copilot(service).text, where: { $0 == "sidecars:" }) {
                snippets.append(["id": "use-copilot", "title": "Copilot manifest (sidecars)", "text": block])
            }
            let rendered = Renderers.render(service, target: .kubernetes, file: "tandem.yml").files.first?.contents ?? ""
            if let block = block(in: rendered, where: { $0 == "- name: \(key)" || $0 == "- name: \(JSONText.quoted(key))" }) {
                snippets.append(["id": "use-kubernetes", "title": "Kubernetes sidecar container", "text": block])
            }
        }
        let version = item.version == "N/A" ? "" : " --version \(item.version)"
        snippets.append([
            "id": "use-cli", "title": "Fetch it",
            "text": "tandem marketplace get --item-id \(item.itemId)\(version) --company-id \(item.tenantId) -o yaml\n"
                + "miactl marketplace get --item-id \(item.itemId) --version \(item.version) --company-id \(item.tenantId)\n",
        ])
        return snippets
    }

    /// The line that `matches` (trimmed) and every later line indented deeper, dedented.
    static func block(in text: String, where matches: (Substring) -> Bool) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { matches($0.drop { $0 == " " }) }) else { return nil }
        let indent = lines[start].prefix { $0 == " " }.count
        var end = start + 1
        while end < lines.count, lines[end].isEmpty || lines[end].prefix(while: { $0 == " " }).count > indent { end += 1 }
        return lines[start..<end].map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n").trimmingTrailingNewlines() + "\n"
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
