import Foundation

/// JSON Schemas (draft-07) for editors and other validators, built from the same patterns and lists the
/// Swift readers check, so the two cannot drift apart. Output is deterministic (sorted keys).
public enum JSONSchemas {
    public static func miaItem(profile: MiaSchemaProfile) -> String {
        render(MiaSchemaBuilder(profile: profile).item())
    }

    public static var tandemManifest: String { render(TandemSchemaBuilder.manifest()) }

    static func render(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Small constructors that keep the schema text close to how it reads.
enum SchemaNode {
    static func object(_ properties: [String: Any], required: [String] = [], closed: Bool = true) -> [String: Any] {
        var node: [String: Any] = ["type": "object", "properties": properties]
        if !required.isEmpty { node["required"] = required }
        if closed { node["additionalProperties"] = false }
        return node
    }

    static func string(
        pattern: String? = nil, minLength: Int? = nil, maxLength: Int? = nil, enumeration: [String]? = nil, format: String? = nil, description: String? = nil
    ) -> [String: Any] {
        var node: [String: Any] = ["type": "string"]
        if let pattern { node["pattern"] = pattern }
        if let minLength { node["minLength"] = minLength }
        if let maxLength { node["maxLength"] = maxLength }
        if let enumeration { node["enum"] = enumeration }
        if let format { node["format"] = format }
        if let description { node["description"] = description }
        return node
    }

    static func array(_ items: [String: Any]) -> [String: Any] { ["type": "array", "items": items] }
    static var boolean: [String: Any] { ["type": "boolean"] }
    static var number: [String: Any] { ["type": "number"] }
    static var integer: [String: Any] { ["type": "integer"] }
}

struct MiaSchemaBuilder {
    let profile: MiaSchemaProfile
    var strict: Bool { profile != .marketplace }

    func item() -> [String: Any] {
        typealias S = SchemaNode
        var properties: [String: Any] = [
            "name": strict ? S.string(minLength: 1) : S.string(),
            "itemId": strict ? S.string(pattern: MiaPatterns.itemId.source, minLength: 1, maxLength: 63) : S.string(),
            "tenantId": S.string(),
            "description": S.string(),
            "type": ["const": "sidecar"],
            "documentation": strict
                ? S.object(["type": S.string(enumeration: MiaPatterns.documentationTypes), "url": S.string()], required: ["type", "url"])
                : S.object(["type": S.string(), "url": S.string()], closed: false),
            "resources": resources(),
        ]
        var required = ["name", "itemId", "tenantId", "resources"]
        switch profile {
        case .standard: break
        case .marketplace: required += ["description", "type", "documentation"]
        case .catalog: required += ["lifecycleStatus"]
        case .publicCatalog:
            required += [
                "lifecycleStatus", "categoryId", "image", "supportedBy", "supportedByImage", "visibility", "releaseDate", "itemTypeDefinitionRef",
            ]
        }
        if strict {
            let keyPattern = MiaPatterns.qualifiedKey.source
            properties["lifecycleStatus"] = S.string(enumeration: MiaPatterns.lifecycleStatuses)
            properties["visibility"] = S.object(["allTenants": S.boolean, "public": S.boolean])
            for key in ["categoryId", "imageUrl", "providerId", "repositoryUrl", "supportedBy", "supportedByImageUrl", "$schema"] {
                properties[key] = S.string()
            }
            properties["releaseDate"] = S.string(format: "date-time")
            properties["tags"] = S.array(S.string(pattern: MiaPatterns.tag.source, minLength: 1, maxLength: 63))
            properties["labels"] = [
                "type": "object", "additionalProperties": false,
                "patternProperties": [keyPattern: S.string(pattern: MiaPatterns.labelValue.source, maxLength: 63)],
            ]
            properties["annotations"] = [
                "type": "object", "additionalProperties": false,
                "patternProperties": [keyPattern: S.string(maxLength: 262_144)],
            ]
            properties["links"] = S.array(S.object(["url": S.string(pattern: MiaPatterns.linkURL.source), "displayName": S.string()], required: ["url"]))
            properties["maintainers"] = S.array(
                S.object(["name": S.string(minLength: 1), "email": S.string(minLength: 1, format: "email")], required: ["name"]))
            properties["relationships"] = S.array(S.object(["target": S.string(), "type": S.string()], required: ["target", "type"]))
            properties["itemTypeDefinitionRef"] = S.object(
                ["name": S.string(pattern: MiaPatterns.itemId.source, minLength: 1, maxLength: 63), "namespace": S.string(minLength: 1)],
                required: ["name", "namespace"])
        }
        var schema: [String: Any] = [
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "https://tandem.dev/schemas/mia-sidecar-item.\(profile.rawValue).schema.json",
            "title": "Mia-Platform Marketplace sidecar item (\(profile.rawValue) rules)",
            "type": "object",
            "properties": properties,
            "required": required,
        ]
        if strict { schema["additionalProperties"] = false }
        if profile == .publicCatalog {
            // items/sidecar/manifest.schema.json of mia-platform-marketplace/public-catalog.
            let upload = SchemaNode.object(["localPath": SchemaNode.string()], required: ["localPath"])
            properties["image"] = upload
            properties["supportedByImage"] = upload
            properties["type"] = nil
            properties["imageUrl"] = nil
            properties["supportedByImageUrl"] = nil
            properties["tenantId"] = ["const": "mia-platform"]
            properties["categoryId"] = SchemaNode.string(enumeration: MiaPatterns.publicCategories)
            properties["supportedBy"] = SchemaNode.string(enumeration: MiaPatterns.publicSupporters)
            properties["visibility"] = SchemaNode.object(["public": ["const": true]], required: ["public"])
            properties["itemTypeDefinitionRef"] = SchemaNode.object(
                ["name": ["const": "sidecar"], "namespace": ["const": "mia-platform"]], required: ["name", "namespace"])
            // Its resources have no `$schema`.
            if var resources = properties["resources"] as? [String: Any], var fields = resources["properties"] as? [String: Any] {
                fields["$schema"] = nil
                resources["properties"] = fields
                properties["resources"] = resources
            }
            schema["properties"] = properties
        }
        if profile == .standard {
            // miactl's upload fields: replaced by imageUrl / supportedByImageUrl when the item is applied.
            let upload = SchemaNode.object(["localPath": SchemaNode.string()], required: ["localPath"])
            properties["image"] = upload
            properties["supportedByImage"] = upload
            properties["publishOnMiaDocumentation"] = SchemaNode.boolean
            properties["releaseStage"] = SchemaNode.string()
            properties["itemTypeDefinitionRef"] = SchemaNode.object(
                ["name": ["const": "sidecar"], "namespace": SchemaNode.string(minLength: 1)], required: ["name", "namespace"])
            schema["properties"] = properties
            schema["allOf"] = [
                ["not": ["required": ["image", "imageUrl"]]],
                ["not": ["required": ["supportedByImage", "supportedByImageUrl"]]],
                // What the item is: `type` (seed), `lifecycleStatus` (v14) or `itemTypeDefinitionRef` (today).
                ["anyOf": [["required": ["type"]], ["required": ["lifecycleStatus"]], ["required": ["itemTypeDefinitionRef"]]]],
            ]
        }
        return schema
    }

    func resources() -> [String: Any] {
        typealias S = SchemaNode
        guard strict else {
            let port: [String: Any] = ["type": ["integer", "string"]]
            return S.object(
                [
                    "name": S.string(), "dockerImage": S.string(),
                    "containerPorts": S.array(S.object(["name": S.string(), "from": port, "to": port, "protocol": S.string()], closed: false)),
                    "defaultArgs": S.array(S.string()),
                    "defaultConfigMaps": S.array(
                        S.object(
                            [
                                "files": S.array(S.object(["content": S.string(), "name": S.string()], closed: false)),
                                "mountPath": S.string(), "name": S.string(),
                            ], closed: false)),
                    "defaultEnvironmentVariables": S.array(S.object(["name": S.string(), "value": S.string(), "valueType": S.string()], closed: false)),
                    "defaultProbes": S.object(
                        [
                            "liveness": S.object(["path": S.string(), "port": S.string()], closed: false),
                            "readiness": S.object(["path": S.string(), "port": S.string()], closed: false),
                            "startup": ["type": "object"],
                        ], closed: false),
                    "defaultResources": S.object(
                        [
                            "cpuLimits": S.object(["max": S.string(), "min": S.string()], closed: false),
                            "memoryLimits": S.object(["max": S.string(), "min": S.string()], closed: false),
                        ], closed: false),
                    "defaultSecrets": S.array(S.object(["mountPath": S.string(), "name": S.string()], closed: false)),
                ], required: ["name", "dockerImage"], closed: false)
        }
        let port: [String: Any] = [
            "oneOf": [
                ["type": "integer", "minimum": 0, "maximum": 65535],
                S.string(pattern: MiaPatterns.port.source),
            ]
        ]
        let kebab = MiaPatterns.kebabName.source
        let mountPath = S.string(pattern: MiaPatterns.mountPath.source)
        let timing: [String: Any] = [
            "initialDelaySeconds": S.number, "periodSeconds": S.number, "timeoutSeconds": S.number, "successThreshold": S.number,
            "failureThreshold": S.number,
        ]
        func probe() -> [String: Any] {
            [
                "oneOf": [
                    S.object(timing.merging(["cmd": S.array(S.string())]) { a, _ in a }, required: ["cmd"]),
                    S.object(timing.merging(["port": S.string()]) { a, _ in a }),
                    S.object(timing.merging(["path": S.string(pattern: MiaPatterns.probePath.source), "port": S.string()]) { a, _ in a }, required: ["path"]),
                ]
            ]
        }
        let variableCommon: [String: Any] = [
            "name": S.string(minLength: 1), "description": S.string(), "managedBy": S.string(enumeration: ["fast-data"]), "readOnly": S.boolean,
        ]
        func variable(_ extra: [String: Any], required: [String]) -> [String: Any] {
            S.object(variableCommon.merging(extra) { a, _ in a }, required: required)
        }
        let configMapVariableRequired =
            profile.isPublishedSchema
            // The published schema's own requirement, which no object can meet; kept so the catalog profile matches it.
            ? ["name", "valueType", "secretName", "secretKey"]
            : ["name", "valueType", "configMapName", "configMapFileName"]
        let fieldPathBasic: [String: Any] = [
            "oneOf": [
                S.string(enumeration: MiaPatterns.downwardFieldPaths),
                S.string(pattern: MiaPatterns.annotationFieldPath.source),
                S.string(pattern: MiaPatterns.labelFieldPath.source),
            ]
        ]
        let limits = { (pattern: String) in S.object(["max": S.string(pattern: pattern), "min": S.string(pattern: pattern)]) }
        var required = ["name"]
        if profile == .standard { required.append("dockerImage") }
        return S.object(
            [
                "name": S.string(pattern: MiaPatterns.dnsLabel.source, minLength: 1),
                "dockerImage": S.string(pattern: MiaPatterns.dockerImageSource),
                "componentId": S.string(), "description": S.string(), "exclusiveServiceExposure": S.boolean, "$schema": S.string(),
                "defaultTerminationGracePeriodSeconds": S.number,
                "owners": S.array(S.object(["owner": S.string()], required: ["owner"], closed: false)),
                "defaultArgs": S.array(S.string()),
                "containerPorts": S.array(
                    S.object(
                        [
                            "name": S.string(pattern: MiaPatterns.dnsLabel.source), "from": port, "to": port,
                            "protocol": ["type": "string", "enum": ["TCP", "UDP"], "default": "TCP"],
                        ], required: ["name", "from"])),
                "defaultConfigMaps": S.array(
                    S.object(
                        [
                            "name": S.string(pattern: kebab), "mountPath": mountPath,
                            "files": S.array(S.object(["name": S.string(), "content": S.string()], required: ["name", "content"], closed: false)),
                            "link": S.object(["targetSection": S.string()], closed: false),
                            "subPaths": S.array(S.string()), "usePreserve": S.boolean, "viewAsReadOnly": S.boolean,
                        ], required: ["name", "files", "mountPath"])),
                "defaultSecrets": S.array(S.object(["name": S.string(pattern: kebab), "mountPath": mountPath], required: ["name", "mountPath"])),
                "defaultEnvironmentVariables": S.array([
                    "oneOf": [
                        variable(["value": S.string(), "valueType": ["const": "plain"]], required: ["name", "valueType"]),
                        variable(
                            [
                                "configMapName": S.string(pattern: kebab), "configMapFileName": S.string(pattern: MiaPatterns.configMapFileName.source),
                                "valueType": ["const": "configmap"],
                            ], required: configMapVariableRequired),
                        variable(
                            [
                                "secretName": S.string(pattern: kebab), "secretKey": S.string(pattern: MiaPatterns.secretKey.source),
                                "valueType": ["const": "secret"],
                            ], required: ["name", "valueType", "secretName", "secretKey"]),
                        [
                            "oneOf": [
                                variable(["fieldPath": fieldPathBasic, "valueType": ["const": "downwardAPI"]], required: ["fieldPath", "name", "valueType"]),
                                variable(
                                    [
                                        "fieldPath": S.string(enumeration: MiaPatterns.resourceFieldPaths), "valueType": ["const": "downwardAPI"],
                                        "containerName": S.string(),
                                    ], required: ["fieldPath", "name", "valueType", "containerName"]),
                            ]
                        ],
                    ]
                ]),
                "defaultProbes": S.object(["liveness": probe(), "readiness": probe(), "startup": probe()]),
                "defaultResources": S.object(["cpuLimits": limits(MiaPatterns.cpu.source), "memoryLimits": limits(MiaPatterns.memory.source)]),
            ], required: required)
    }
}
