import TandemCore

/// Reads a Mia-Platform Marketplace sidecar item (YAML or JSON, one item per file) and checks it against
/// the rules of a `MiaSchemaProfile`, reporting every problem with its field path and position.
public struct MiaItemReader: Sendable {
    public var profile: MiaSchemaProfile

    public init(profile: MiaSchemaProfile = .standard) {
        self.profile = profile
    }

    /// `serviceRules: false` leaves out the rules beyond the item schema (duplicate ports, config file
    /// names, probe thresholds), to compare verdicts with a JSON Schema validator.
    public func read(_ root: DocumentNode, file: String, serviceRules: Bool = true) -> (item: MiaItem?, diagnostics: [Diagnostic]) {
        let context = ReadContext(file: file, strictTypes: true)
        let reading = ItemReading(profile: profile, context: context)
        let item = reading.readItem(root)
        var diagnostics = context.diagnostics
        if let item, serviceRules {
            diagnostics += ServiceValidator().validate(item.service, file: file).map(Self.softenCrossReferences)
        }
        return (item, diagnostics)
    }

    /// A Mia item is a fragment of a service: its environment may name config maps defined by the service
    /// it is added to, so a config map missing from the item is only worth a warning.
    static func softenCrossReferences(_ diagnostic: Diagnostic) -> Diagnostic {
        var diagnostic = diagnostic
        if diagnostic.message.hasPrefix("two mounts of container") {
            // The Marketplace's schemas accept it; the engines mount one over the other.
            diagnostic.severity = .warning
            diagnostic.message += ": the Marketplace accepts the item, but only one of them is seen there"
        }
        if diagnostic.message.hasPrefix("config map \""), diagnostic.message.hasSuffix("is not declared") {
            diagnostic.severity = .warning
            diagnostic.message += " in this item; the service it is added to must define it"
        }
        return diagnostic
    }
}

private final class ItemReading {
    let profile: MiaSchemaProfile
    let context: ReadContext
    var strict: Bool { profile != .marketplace }

    init(profile: MiaSchemaProfile, context: ReadContext) {
        self.profile = profile
        self.context = context
    }

    // MARK: Top level

    func readItem(_ root: DocumentNode) -> MiaItem? {
        guard var fields = Fields(root, path: "", context: context) else { return nil }
        var required = ["name", "itemId", "tenantId", "resources"]
        switch profile {
        case .standard:
            // Each era says what the item is its own way: `type: sidecar` (the seed's Marketplace), or
            // `lifecycleStatus` (console-sdk v14), or `itemTypeDefinitionRef` (the public catalog today).
            if !fields.has("type") && !fields.has("itemTypeDefinitionRef") && !fields.has("lifecycleStatus") {
                context.error(
                    root, "",
                    "missing required field \"type\" (a sidecar item says type: sidecar, or itemTypeDefinitionRef: {name: sidecar, namespace: mia-platform})")
            }
        case .marketplace: required += ["description", "type", "documentation"]
        case .catalog: required += ["lifecycleStatus"]
        case .publicCatalog:
            required += [
                "lifecycleStatus", "categoryId", "image", "supportedBy", "supportedByImage", "visibility", "releaseDate", "itemTypeDefinitionRef",
            ]
        }
        for key in required where !fields.has(key) {
            context.error(root, "", "missing required field \"\(key)\"")
        }

        let name = fields.string("name")
        if strict, let name, name.isEmpty, let node = fields.node("name") {
            context.error(node, "name", "must not be empty")
        }
        let itemId = fields.string("itemId")
        if strict, let itemId, let node = fields.node("itemId") {
            check(itemId, MiaPatterns.itemId, node, "itemId", "1 to 63 letters, digits and \"-\", starting and ending with a letter or digit")
        }
        let tenantId = fields.string("tenantId")
        if profile == .publicCatalog, let tenantId, tenantId != "mia-platform", let node = fields.node("tenantId") {
            context.error(node, "tenantId", "must be \"mia-platform\" in the public catalog, found \"\(tenantId)\"")
        }
        let description = fields.string("description")
        // The public catalog's items say what they are with itemTypeDefinitionRef only.
        if profile != .publicCatalog, let node = fields.node("type") {
            if case .string("sidecar")? = node.value {
            } else {
                context.error(node, "type", "must be \"sidecar\", found \(Fields.describe(node))")
            }
        }

        var documentationType: String?
        var documentationURL: String?
        if let node = fields.node("documentation"), var documentation = Fields(node, path: "documentation", context: context) {
            if strict {
                for key in ["type", "url"] where !documentation.has(key) {
                    context.error(node, "documentation", "missing required field \"\(key)\"")
                }
            }
            documentationType = documentation.string("type")
            if strict, let type = documentationType, !MiaPatterns.documentationTypes.contains(type), let typeNode = documentation.node("type") {
                context.error(typeNode, "documentation.type", "must be externalLink or markdown, found \"\(type)\"")
            }
            documentationURL = documentation.string("url")
            if strict { documentation.reportUnknown() }
        }

        var lifecycleStatus: String?
        if strict {
            lifecycleStatus = fields.string("lifecycleStatus")
            if let status = lifecycleStatus, !MiaPatterns.lifecycleStatuses.contains(status), let node = fields.node("lifecycleStatus") {
                context.error(node, "lifecycleStatus", "must be one of \(MiaPatterns.lifecycleStatuses.joined(separator: ", ")), found \"\(status)\"")
            }
        }

        var visibleToAll = false
        var isPublic = false
        if strict {
            if let node = fields.node("visibility"), var visibility = Fields(node, path: "visibility", context: context) {
                if profile == .publicCatalog {
                    if !visibility.has("public") { context.error(node, "visibility", "missing required field \"public\"") }
                    if let flag = visibility.bool("public"), !flag, let flagNode = visibility.node("public") {
                        context.error(flagNode, "visibility.public", "must be true: the public catalog holds public items")
                    }
                } else {
                    visibleToAll = visibility.bool("allTenants") ?? false
                }
                isPublic = visibility.bool("public") ?? false
                visibility.reportUnknown()
            }
            var known = ["categoryId", "providerId", "repositoryUrl", "supportedBy", "$schema"]
            if profile != .publicCatalog { known += ["imageUrl", "supportedByImageUrl"] }
            for key in known { _ = fields.string(key) }
            if profile == .publicCatalog {
                for (key, values) in [("categoryId", MiaPatterns.publicCategories), ("supportedBy", MiaPatterns.publicSupporters)] {
                    if let node = fields.node(key), case .string(let value)? = node.value, !values.contains(value) {
                        context.error(node, key, "must be one of \(values.joined(separator: ", ")), found \"\(value)\"")
                    }
                }
            }
            if let node = fields.node("releaseDate"), let text = Fields.string(node, path: "releaseDate", context: context),
                !RFC3339.isDateTime(text)
            {
                context.error(node, "releaseDate", "must be an RFC 3339 date-time such as 2025-09-17T10:30:45Z, found \"\(text)\"")
            }
            readTags(&fields)
            readKeyValueMap(&fields, "labels", valuePattern: MiaPatterns.labelValue, maxLength: 63)
            readKeyValueMap(&fields, "annotations", valuePattern: nil, maxLength: 262_144)
            readObjectList(&fields, "links", required: ["url"]) { entry, path in
                if let url = entry.string("url"), let node = entry.node("url"), !MiaPatterns.linkURL.matches(url) {
                    context.error(node, FieldPath.child(path, "url"), "must be an http or https URL, found \"\(url)\"")
                }
                _ = entry.string("displayName")
            }
            readObjectList(&fields, "maintainers", required: ["name"]) { entry, path in
                if let name = entry.string("name"), name.isEmpty, let node = entry.node("name") {
                    context.error(node, FieldPath.child(path, "name"), "must not be empty")
                }
                if let email = entry.string("email"), let node = entry.node("email") {
                    if email.isEmpty {
                        context.error(node, FieldPath.child(path, "email"), "must not be empty")
                    } else if !email.contains("@") {
                        context.error(node, FieldPath.child(path, "email"), "must be an e-mail address, found \"\(email)\"")
                    }
                }
            }
            readObjectList(&fields, "relationships", required: ["target", "type"]) { entry, _ in
                _ = entry.string("target")
                _ = entry.string("type")
            }
            if let node = fields.node("itemTypeDefinitionRef"), var reference = Fields(node, path: "itemTypeDefinitionRef", context: context) {
                for key in ["name", "namespace"] where !reference.has(key) {
                    context.error(node, "itemTypeDefinitionRef", "missing required field \"\(key)\"")
                }
                if let refName = reference.string("name"), let refNode = reference.node("name") {
                    if (profile == .standard || profile == .publicCatalog) && refName != "sidecar" {
                        context.error(refNode, "itemTypeDefinitionRef.name", "must be \"sidecar\" for a sidecar item, found \"\(refName)\"")
                    } else {
                        check(refName, MiaPatterns.itemId, refNode, "itemTypeDefinitionRef.name", "1 to 63 letters, digits and \"-\"")
                    }
                }
                if let namespace = reference.string("namespace"), let nsNode = reference.node("namespace") {
                    if profile == .publicCatalog && namespace != "mia-platform" {
                        context.error(nsNode, "itemTypeDefinitionRef.namespace", "must be \"mia-platform\", found \"\(namespace)\"")
                    } else if namespace.isEmpty {
                        context.error(nsNode, "itemTypeDefinitionRef.namespace", "must not be empty")
                    }
                }
                reference.reportUnknown()
            }
            if profile == .publicCatalog {
                readUploadImage(&fields, "image", urlKey: "imageUrl")
                readUploadImage(&fields, "supportedByImage", urlKey: "supportedByImageUrl")
            }
            if profile == .standard {
                readUploadImage(&fields, "image", urlKey: "imageUrl")
                readUploadImage(&fields, "supportedByImage", urlKey: "supportedByImageUrl")
                // Fields of the seed era that the public catalog's items still carry.
                _ = fields.bool("publishOnMiaDocumentation")
                _ = fields.string("releaseStage")
            }
        }

        var service = Service(name: itemId ?? name ?? "sidecar", origin: Origin(path: "", location: context.at(root)))
        if let node = fields.node("resources") {
            readResources(node, into: &service)
        }
        if strict {
            fields.reportUnknown(hint: nil)
        }
        return MiaItem(
            name: name, itemId: itemId, tenantId: tenantId, description: description, lifecycleStatus: lifecycleStatus,
            visibleToAllTenants: visibleToAll, isPublic: isPublic, documentationType: documentationType,
            documentationURL: documentationURL, service: service, document: root)
    }

    // MARK: resources

    func readResources(_ node: DocumentNode, into service: inout Service) {
        guard var fields = Fields(node, path: "resources", context: context) else { return }
        let required = profile.isPublishedSchema ? ["name"] : ["name", "dockerImage"]
        for key in required where !fields.has(key) {
            context.error(node, "resources", "missing required field \"\(key)\"")
        }
        var container = Container(name: "sidecar", role: .sidecar, origin: Origin(path: "resources", location: context.at(node)))
        if let name = fields.string("name") {
            container.name = name
            if strict, let nameNode = fields.node("name") {
                if name.isEmpty {
                    context.error(nameNode, "resources.name", "must not be empty")
                } else {
                    check(name, MiaPatterns.dnsLabel, nameNode, "resources.name", Self.dnsLabelRule)
                }
            }
        }
        if let image = fields.string("dockerImage") {
            container.image = image
            if strict, !MiaPatterns.matchesDockerImage(image), let imageNode = fields.node("dockerImage") {
                context.error(imageNode, "resources.dockerImage", "must be an image reference such as registry.example.com/team/image:1.0, found \"\(image)\"")
            }
        }
        if strict {
            _ = fields.string("componentId")
            _ = fields.string("description")
            _ = fields.bool("exclusiveServiceExposure")
            readObjectList(&fields, "owners", required: ["owner"], strictKeys: false) { entry, _ in _ = entry.string("owner") }
            if profile != .publicCatalog { _ = fields.string("$schema") }
        }
        if strict, let grace = fields.number("defaultTerminationGracePeriodSeconds") { container.stopGracePeriod = grace }
        if let args = listOfStrings(&fields, "defaultArgs") { container.args = args }

        readPorts(&fields, into: &container)
        readConfigMaps(&fields, into: &container, service: &service)
        readSecrets(&fields, into: &container, service: &service)
        readEnvironment(&fields, into: &container)
        readProbes(&fields, into: &container)
        readResourceLimits(&fields, into: &container)
        if strict { fields.reportUnknown() }
        service.containers = [container]
    }

    static let dnsLabelRule = "lower-case letters, digits and \"-\", starting with a letter and not ending with \"-\""
    static let kebabRule = "lower-case letters and digits in words joined by single \"-\", starting with a letter"
    static let portRule = "a port number 0-65535, a string of digits or a {{VARIABLE}} placeholder"

    func readPorts(_ fields: inout Fields, into container: inout Container) {
        readObjectList(&fields, "containerPorts", required: strict ? ["name", "from"] : []) { entry, path in
            let name = entry.string("name")
            if strict, let name, let node = entry.node("name") {
                check(name, MiaPatterns.dnsLabel, node, FieldPath.child(path, "name"), Self.dnsLabelRule)
            }
            let from = portValue(&entry, "from", path: path)
            let to = portValue(&entry, "to", path: path)
            var transport = TransportProtocol.tcp
            if let proto = entry.string("protocol") {
                if let parsed = TransportProtocol(rawValue: proto) {
                    transport = parsed
                } else if strict, let node = entry.node("protocol") {
                    context.error(node, FieldPath.child(path, "protocol"), "must be TCP or UDP, found \"\(proto)\"")
                }
            }
            if strict { entry.reportUnknown() }
            // `from` is the port the service exposes, `to` the port the container listens on.
            if let from, case .some(let exposed) = from {
                let listening: PortNumber = (to ?? nil) ?? exposed
                container.ports.append(
                    Port(name: name, containerPort: listening, exposedPort: exposed, transport: transport, origin: context.origin(entry.node, path)))
            }
        }
    }

    /// nil: absent or invalid; .some(nil): an empty string (the schema allows it; it means "not set").
    func portValue(_ entry: inout Fields, _ key: String, path: String) -> PortNumber?? {
        guard let node = entry.node(key) else { return nil }
        let fieldPath = FieldPath.child(path, key)
        switch node.value {
        case .int(let number)?:
            if strict && !(0...65535).contains(number) {
                context.error(node, fieldPath, "must be \(Self.portRule), found \(number)")
                return nil
            }
            return .some(.number(number))
        case .double(let number)? where number.rounded() == number && abs(number) < 1e9:
            if strict && !(0...65535).contains(Int(number)) {
                context.error(node, fieldPath, "must be \(Self.portRule), found \(node.scalar?.text ?? "")")
                return nil
            }
            return .some(.number(Int(number)))
        case .string(let text)?:
            if strict && !MiaPatterns.port.matches(text) {
                context.error(node, fieldPath, "must be \(Self.portRule), found \"\(text)\"")
                return nil
            }
            if text.isEmpty { return .some(nil) }
            if let number = Int(text) { return .some(.number(number)) }
            if text.hasPrefix("{{") && text.hasSuffix("}}") { return .some(.placeholder(String(text.dropFirst(2).dropLast(2)))) }
            return .some(nil)
        default:
            context.error(node, fieldPath, "must be \(Self.portRule), found \(Fields.describe(node))")
            return nil
        }
    }

    func readConfigMaps(_ fields: inout Fields, into container: inout Container, service: inout Service) {
        readObjectList(&fields, "defaultConfigMaps", required: strict ? ["name", "files", "mountPath"] : []) { entry, path in
            let (name, mountPath) = nameAndMountPath(&entry, path: path)
            var files: [ConfigFile] = []
            readObjectList(&entry, "files", required: strict ? ["name", "content"] : [], strictKeys: false) { file, filePath in
                let fileName = file.string("name")
                let content = file.string("content")
                if let fileName {
                    files.append(ConfigFile(name: fileName, content: content ?? "", origin: context.origin(file.node, filePath)))
                }
            }
            var readOnly = true
            if strict {
                if let linkNode = entry.node("link"), var link = Fields(linkNode, path: FieldPath.child(path, "link"), context: context) {
                    _ = link.string("targetSection")
                }
                _ = listOfStrings(&entry, "subPaths")
                _ = entry.bool("usePreserve")
                readOnly = entry.bool("viewAsReadOnly") ?? true
                entry.reportUnknown()
            }
            if let name {
                let origin = context.origin(entry.node, path)
                service.configMaps.append(ConfigMap(name: name, files: files, origin: origin))
                service.volumes.append(Volume(name: name, kind: .configMap(name), readOnly: true, origin: origin))
                if let mountPath {
                    container.mounts.append(Mount(volume: name, path: mountPath, readOnly: readOnly, origin: origin))
                }
            }
        }
    }

    /// The `name` (kebab case) and `mountPath` that config maps and secrets share.
    func nameAndMountPath(_ entry: inout Fields, path: String) -> (name: String?, mountPath: String?) {
        let name = entry.string("name")
        if strict, let name, let node = entry.node("name") {
            check(name, MiaPatterns.kebabName, node, FieldPath.child(path, "name"), Self.kebabRule)
        }
        let mountPath = entry.string("mountPath")
        if strict, let mountPath, let node = entry.node("mountPath") {
            check(mountPath, MiaPatterns.mountPath, node, FieldPath.child(path, "mountPath"), "a path of letters, digits, spaces and common punctuation")
        }
        return (name, mountPath)
    }

    func readSecrets(_ fields: inout Fields, into container: inout Container, service: inout Service) {
        readObjectList(&fields, "defaultSecrets", required: strict ? ["name", "mountPath"] : []) { entry, path in
            let (name, mountPath) = nameAndMountPath(&entry, path: path)
            if strict { entry.reportUnknown() }
            if let name {
                let origin = context.origin(entry.node, path)
                let volumeName = "secret-\(name)"
                service.volumes.append(Volume(name: volumeName, kind: .secret(name), readOnly: true, origin: origin))
                if let mountPath {
                    container.mounts.append(Mount(volume: volumeName, path: mountPath, readOnly: true, origin: origin))
                }
            }
        }
    }

    func readEnvironment(_ fields: inout Fields, into container: inout Container) {
        guard let listNode = fields.node("defaultEnvironmentVariables") else { return }
        let listPath = "resources.defaultEnvironmentVariables"
        guard let items = listNode.items else {
            context.error(listNode, listPath, "expected a list, found \(Fields.describe(listNode))")
            return
        }
        for (index, item) in items.enumerated() {
            let path = FieldPath.index(listPath, index)
            guard var entry = Fields(item, path: path, context: context) else { continue }
            if let variable = readVariable(&entry, path: path) { container.environment.append(variable) }
        }
    }

    func readVariable(_ entry: inout Fields, path: String) -> EnvironmentVariable? {
        let node = entry.node
        let origin = context.origin(node, path)
        guard strict else {
            let name = entry.string("name")
            let value = entry.string("value")
            _ = entry.string("valueType")
            return name.map { EnvironmentVariable(name: $0, value: .plain(value ?? ""), origin: origin) }
        }
        let common = ["name", "description", "managedBy", "readOnly", "valueType"]
        let name = entry.string("name")
        if !entry.has("name") { context.error(node, path, "missing required field \"name\"") }
        if let name, name.isEmpty, let nameNode = entry.node("name") {
            context.error(nameNode, FieldPath.child(path, "name"), "must not be empty")
        }
        _ = entry.string("description")
        if let managedBy = entry.string("managedBy"), managedBy != "fast-data", let managedNode = entry.node("managedBy") {
            context.error(managedNode, FieldPath.child(path, "managedBy"), "must be \"fast-data\", found \"\(managedBy)\"")
        }
        _ = entry.bool("readOnly")
        guard let typeNode = entry.node("valueType") else {
            context.error(node, path, "missing required field \"valueType\" (plain, secret, configmap or downwardAPI)")
            return nil
        }
        guard case .string(let valueType)? = typeNode.value, ["plain", "secret", "configmap", "downwardAPI"].contains(valueType) else {
            context.error(typeNode, FieldPath.child(path, "valueType"), "must be plain, secret, configmap or downwardAPI, found \(Fields.describe(typeNode))")
            return nil
        }
        var value: EnvironmentValue?
        var allowed = common
        switch valueType {
        case "plain":
            allowed += ["value"]
            value = .plain(entry.string("value") ?? "")
        case "secret":
            allowed += ["secretName", "secretKey"]
            let secretName = requiredString(&entry, "secretName", path: path, pattern: MiaPatterns.kebabName, rule: Self.kebabRule)
            let secretKey = requiredString(
                &entry, "secretKey", path: path, pattern: MiaPatterns.secretKey, rule: "letters, digits, \"-\", \"_\" and \".\", or a {{VARIABLE}} placeholder")
            if let secretName, let secretKey { value = .secretKey(secret: secretName, key: secretKey) }
        case "configmap":
            allowed += ["configMapName", "configMapFileName"]
            if profile.isPublishedSchema {
                // The published schema requires secretName and secretKey here while forbidding them, so no
                // configmap variable can pass it; the catalog profile reproduces that, the others do not.
                context.error(
                    node, path, "the catalog schema accepts no configmap variable (it requires \"secretName\" and \"secretKey\", which it does not allow)")
            }
            let mapName = requiredString(&entry, "configMapName", path: path, pattern: MiaPatterns.kebabName, rule: Self.kebabRule)
            let fileName = requiredString(
                &entry, "configMapFileName", path: path, pattern: MiaPatterns.configMapFileName, rule: "letters, digits, \"-\", \"_\" and \".\"")
            if let mapName, let fileName { value = .configMapFile(configMap: mapName, file: fileName) }
        default:  // downwardAPI
            allowed += ["fieldPath", "containerName"]
            let fieldPath = requiredString(&entry, "fieldPath", path: path, pattern: nil, rule: "")
            let containerName = entry.string("containerName")
            if let fieldPath, let fieldNode = entry.node("fieldPath") {
                if MiaPatterns.resourceFieldPaths.contains(fieldPath) {
                    if !entry.has("containerName") {
                        context.error(node, path, "missing required field \"containerName\" (a resource field path names the container)")
                    }
                    value = .field(path: fieldPath, container: containerName)
                } else if MiaPatterns.downwardFieldPaths.contains(fieldPath) || MiaPatterns.annotationFieldPath.matches(fieldPath)
                    || MiaPatterns.labelFieldPath.matches(fieldPath)
                {
                    if let containerNode = entry.node("containerName") {
                        context.error(
                            containerNode, FieldPath.child(path, "containerName"), "is only allowed with a resource field path (resource.limits.cpu, ...)")
                    }
                    value = .field(path: fieldPath, container: nil)
                } else {
                    context.error(
                        fieldNode, FieldPath.child(path, "fieldPath"),
                        "must be one of \(MiaPatterns.downwardFieldPaths.joined(separator: ", ")), metadata.labels['KEY'], metadata.annotations['KEY'] or a resource field (resource.limits.cpu, ...), found \"\(fieldPath)\""
                    )
                }
            }
        }
        entry.reportUnknown(known: allowed)
        guard let name, let value else { return nil }
        return EnvironmentVariable(name: name, value: value, origin: Origin(path: path, location: context.at(node)))
    }

    func requiredString(_ entry: inout Fields, _ key: String, path: String, pattern: Pattern?, rule: String) -> String? {
        guard entry.has(key) else {
            context.error(entry.node, path, "missing required field \"\(key)\"")
            return nil
        }
        guard let text = entry.string(key) else { return nil }
        if let pattern, let node = entry.node(key) {
            guard check(text, pattern, node, FieldPath.child(path, key), rule) else { return nil }
        }
        return text
    }

    func readProbes(_ fields: inout Fields, into container: inout Container) {
        guard let node = fields.node("defaultProbes"), var probes = Fields(node, path: "resources.defaultProbes", context: context) else { return }
        for kind in ["liveness", "readiness", "startup"] {
            guard let probeNode = probes.node(kind) else { continue }
            let path = FieldPath.child("resources.defaultProbes", kind)
            guard var probe = Fields(probeNode, path: path, context: context) else { continue }
            let parsed = strict ? readStrictProbe(&probe, path: path) : readSeedProbe(&probe, kind: kind)
            switch kind {
            case "liveness": container.probes.liveness = parsed
            case "readiness": container.probes.readiness = parsed
            default: container.probes.startup = parsed
            }
        }
        if strict { probes.reportUnknown() }
    }

    func readSeedProbe(_ probe: inout Fields, kind: String) -> Probe? {
        guard kind != "startup" else { return nil }
        let path = probe.string("path")
        let port = probe.string("port")
        guard let path else { return nil }
        return Probe(action: .http(path: path, port: port.flatMap(Self.probePort)), origin: context.origin(probe.node, probe.path))
    }

    func readStrictProbe(_ probe: inout Fields, path: String) -> Probe? {
        let timing = ["initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold"]
        var result = Probe(action: .tcp(port: nil), origin: Origin(path: path, location: context.at(probe.node)))
        var allowed = timing
        // The schema's oneOf: a command (exec), a path (HTTP, with an optional port) or only a port (TCP).
        if probe.has("cmd") {
            allowed.append("cmd")
            if let command = listOfStrings(&probe, "cmd") { result.action = .exec(command) }
        } else if probe.has("path") {
            allowed += ["path", "port"]
            let port = probe.string("port")
            if let httpPath = probe.string("path"), let node = probe.node("path"),
                check(httpPath, MiaPatterns.probePath, node, FieldPath.child(path, "path"), "an absolute URL path such as /healthz")
            {
                result.action = .http(path: httpPath, port: port.flatMap(Self.probePort))
            }
        } else {
            allowed.append("port")
            result.action = .tcp(port: probe.string("port").flatMap(Self.probePort))
        }
        let numbers = timing.map { probe.number($0) }
        result.initialDelay = numbers[0]
        result.period = numbers[1]
        result.timeout = numbers[2]
        result.successThreshold = numbers[3].map { Int($0) }
        result.failureThreshold = numbers[4].map { Int($0) }
        for key in ["cmd", "path", "port"] where probe.has(key) && !allowed.contains(key) {
            let reason = key == "port" ? "a command probe has no port" : "a probe is either a command (cmd), an HTTP check (path, port) or a TCP check (port)"
            context.report(.error, at: context.at(probe.node(key)), path: FieldPath.child(path, key), "unexpected field \"\(key)\": \(reason)")
        }
        probe.reportUnknown(known: timing + ["cmd", "path", "port"])
        return result
    }

    static func probePort(_ text: String) -> PortNumber? {
        if let number = Int(text) { return .number(number) }
        if text.hasPrefix("{{") && text.hasSuffix("}}") { return .placeholder(String(text.dropFirst(2).dropLast(2))) }
        return nil
    }

    func readResourceLimits(_ fields: inout Fields, into container: inout Container) {
        guard let node = fields.node("defaultResources"), var resources = Fields(node, path: "resources.defaultResources", context: context) else { return }
        for (key, unit, pattern) in [("cpuLimits", "m", MiaPatterns.cpu), ("memoryLimits", "Mi", MiaPatterns.memory)] {
            guard let limitsNode = resources.node(key) else { continue }
            let path = FieldPath.child("resources.defaultResources", key)
            guard var limits = Fields(limitsNode, path: path, context: context) else { continue }
            for bound in ["min", "max"] {
                guard let text = limits.string(bound), let valueNode = limits.node(bound) else { continue }
                let rule =
                    unit == "m"
                    ? "a whole number of millicores such as \"150m\", or a {{VARIABLE}}m placeholder"
                    : "a whole number of MiB such as \"256Mi\", or a {{VARIABLE}}Mi placeholder"
                if strict {
                    guard check(text, pattern, valueNode, FieldPath.child(path, bound), rule) else { continue }
                }
                guard text.hasSuffix(unit) else { continue }
                let amount = String(text.dropLast(unit.count))
                let quantity: Quantity? =
                    Int(amount).map(Quantity.value)
                    ?? (amount.hasPrefix("{{") && amount.hasSuffix("}}") ? .placeholder(String(amount.dropFirst(2).dropLast(2))) : nil)
                switch (key, bound) {
                case ("cpuLimits", "min"): container.resources.cpuRequest = quantity
                case ("cpuLimits", _): container.resources.cpuLimit = quantity
                case ("memoryLimits", "min"): container.resources.memoryRequest = quantity
                default: container.resources.memoryLimit = quantity
                }
            }
            if strict { limits.reportUnknown() }
        }
        if strict { resources.reportUnknown() }
        let resource = container.resources
        if let request = resource.memoryRequest?.value, let limit = resource.memoryLimit?.value, request > limit {
            context.warning(node, "resources.defaultResources.memoryLimits", "min (\(request)Mi) is above max (\(limit)Mi); Kubernetes will refuse it")
        }
        if let request = resource.cpuRequest?.value, let limit = resource.cpuLimit?.value, request > limit {
            context.warning(node, "resources.defaultResources.cpuLimits", "min (\(request)m) is above max (\(limit)m); Kubernetes will refuse it")
        }
    }

    // MARK: Helpers

    @discardableResult
    func check(_ text: String, _ pattern: Pattern, _ node: DocumentNode, _ path: String, _ rule: String) -> Bool {
        if pattern.matches(text) { return true }
        context.error(node, path, "must be \(rule), found \"\(text)\"")
        return false
    }

    func listOfStrings(_ fields: inout Fields, _ key: String) -> [String]? {
        guard let node = fields.node(key) else { return nil }
        return Fields.stringList(node, path: fields.childPath(key), context: context)
    }

    /// Reads a list of objects, reporting missing required keys; `body` reads one entry's fields.
    func readObjectList(
        _ fields: inout Fields, _ key: String, required: [String], strictKeys: Bool = true,
        _ body: (inout Fields, String) -> Void
    ) {
        guard let node = fields.node(key) else { return }
        let path = fields.childPath(key)
        guard let items = node.items else {
            context.error(node, path, "expected a list, found \(Fields.describe(node))")
            return
        }
        for (index, item) in items.enumerated() {
            let itemPath = FieldPath.index(path, index)
            guard var entry = Fields(item, path: itemPath, context: context) else { continue }
            for requiredKey in required where !entry.has(requiredKey) {
                context.error(item, itemPath, "missing required field \"\(requiredKey)\"")
            }
            body(&entry, itemPath)
            if strict && strictKeys { entry.reportUnknown() }
        }
    }

    func readTags(_ fields: inout Fields) {
        guard let node = fields.node("tags") else { return }
        guard let items = node.items else {
            context.error(node, "tags", "expected a list, found \(Fields.describe(node))")
            return
        }
        for (index, item) in items.enumerated() {
            let path = FieldPath.index("tags", index)
            guard let tag = Fields.string(item, path: path, context: context) else { continue }
            let length = tag.unicodeScalars.count
            if length < 1 || length > 63 {
                context.error(item, path, "must be 1 to 63 characters long, found \(length)")
            } else {
                check(tag, MiaPatterns.tag, item, path, "lower-case letters, digits, \":\", \"+\" and \"#\" in words joined by \"-\"")
            }
        }
    }

    func readKeyValueMap(_ fields: inout Fields, _ key: String, valuePattern: Pattern?, maxLength: Int) {
        guard let node = fields.node(key), let map = Fields(node, path: key, context: context) else { return }
        for entry in map.allEntries {
            let path = FieldPath.child(key, entry.key)
            if !MiaPatterns.qualifiedKey.matches(entry.key) {
                context.report(
                    .error, at: context.at(entry.keyPosition), path: path,
                    "\"\(entry.key)\" is not a valid key: an optional DNS prefix and \"/\", then letters, digits, \".\" and \"-\"")
                continue
            }
            guard let value = Fields.string(entry.value, path: path, context: context) else { continue }
            if value.unicodeScalars.count > maxLength {
                context.error(entry.value, path, "must be at most \(maxLength) characters long")
            } else if let valuePattern {
                check(
                    value, valuePattern, entry.value, path,
                    "empty or 1 to 63 letters, digits, \".\", \"_\" and \"-\", starting and ending with a letter or digit")
            }
        }
    }

    /// miactl's `image: {localPath}` upload fields, replaced by `imageUrl` when the item is applied.
    func readUploadImage(_ fields: inout Fields, _ key: String, urlKey: String) {
        guard let node = fields.node(key) else { return }
        if fields.has(urlKey) {
            context.error(node, key, "only one of the image keys is admitted, found both: \(key); \(urlKey)")
        }
        guard var image = Fields(node, path: key, context: context) else { return }
        if !image.has("localPath") {
            context.error(node, key, "the image object is not valid: localPath key not found")
        } else if let path = image.string("localPath") {
            let lower = path.lowercased()
            if !(lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")), let pathNode = image.node("localPath") {
                context.warning(pathNode, FieldPath.child(key, "localPath"), "the file must be a JPEG or PNG image")
            }
        }
        image.reportUnknown()
    }
}

/// RFC 3339 `date-time`, as JSON Schema's format means it.
enum RFC3339 {
    static func isDateTime(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= chars.count else { return nil }
            var value = 0
            for index in start..<(start + count) {
                guard chars[index] >= 48 && chars[index] <= 57 else { return nil }
                value = value * 10 + Int(chars[index] - 48)
            }
            return value
        }
        guard chars.count >= 20, let year = digits(0, 4), chars[4] == 45, let month = digits(5, 2), chars[7] == 45,
            let day = digits(8, 2), chars[10] == 84 || chars[10] == 116 || chars[10] == 32,
            let hour = digits(11, 2), chars[13] == 58, let minute = digits(14, 2), chars[16] == 58, let second = digits(17, 2)
        else { return false }
        guard (1...12).contains(month), day >= 1, hour <= 23, minute <= 59, second <= 60 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= monthDays[month - 1] else { return false }
        var index = 19
        if index < chars.count, chars[index] == 46 {
            index += 1
            let start = index
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 { index += 1 }
            guard index > start else { return false }
        }
        guard index < chars.count else { return false }
        if chars[index] == 90 || chars[index] == 122 { return index + 1 == chars.count }
        guard chars[index] == 43 || chars[index] == 45, let offsetHour = digits(index + 1, 2), index + 3 < chars.count,
            chars[index + 3] == 58, let offsetMinute = digits(index + 4, 2), index + 6 == chars.count
        else { return false }
        return offsetHour <= 23 && offsetMinute <= 59
    }
}
