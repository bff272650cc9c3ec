/// The JSON Schema of Tandem's own manifest (`tandem: v1`), for editors.
enum TandemSchemaBuilder {
    typealias S = SchemaNode

    static let name = #"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"#
    static let duration = #"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$"#

    static func manifest() -> [String: Any] {
        var properties = container(description: "The main process")
        properties["tandem"] = ["const": "v1", "description": "The manifest version; marks the file as a Tandem manifest."]
        properties["name"] = S.string(pattern: name, description: "The service name; also the main process's name.")
        properties["processes"] = namedMap(S.object(container(description: "Another main process (essential, not restarted by default)")))
        var sidecar = container(description: "A sidecar (not essential, restarted always by default)")
        sidecar["sidecar_for"] = stringOrList(description: "Process names this sidecar serves; it starts once they are healthy.")
        sidecar["from_catalog"] = S.object(
            ["company": S.string(), "item": S.string(pattern: MiaPatterns.itemId.source), "version": S.string()], required: ["item"])
        properties["sidecars"] = namedMap(S.object(sidecar))
        var logging = container(description: "The log router")
        logging["destination"] = stringMap()
        logging["secretOptions"] = [
            "type": "object",
            "additionalProperties": [
                "oneOf": [
                    S.string(), S.object(["secretsmanager": S.string()], required: ["secretsmanager"]),
                    S.object(["from_cfn": S.string()], required: ["from_cfn"]),
                ]
            ],
        ]
        logging["enableMetadata"] = S.boolean
        logging["configFilePath"] = S.string()
        logging["retention"] = S.integer
        properties["logging"] = S.object(logging)
        properties["storage"] = S.object([
            "volumes": namedMap(
                S.object(["path": S.string(pattern: #"^[a-zA-Z0-9\-\.\_/]+$"#), "read_only": S.boolean, "host_path": S.string()]))
        ])
        properties["config_maps"] = namedMap(S.object(["files": stringMap()], required: ["files"]))
        properties["http"] = S.object(["target_container": S.string(), "target_port": S.integer])
        properties["service_labels"] = stringMap()
        properties["stop_timeout"] = S.string(
            pattern: duration, description: "The most a whole shutdown may take; every phase's grace fits inside it (default 30s).")
        return [
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "https://tandem.dev/schemas/tandem-manifest.v1.schema.json",
            "title": "Tandem service manifest",
            "type": "object",
            "properties": properties,
            "required": ["tandem", "name"],
            "additionalProperties": false,
        ]
    }

    static func container(description: String) -> [String: Any] {
        let probe: [String: Any] = [
            "type": "object", "additionalProperties": false,
            "properties": [
                "http": S.object(["path": S.string(), "port": portSpec()]),
                "tcp": S.object(["port": portSpec()], required: ["port"]),
                "exec": S.array(S.string()),
                "shell": S.string(),
                "initial_delay": S.string(pattern: duration), "period": S.string(pattern: duration), "timeout": S.string(pattern: duration),
                "success_threshold": ["type": "integer", "minimum": 1], "failure_threshold": ["type": "integer", "minimum": 1],
            ],
            "oneOf": [["required": ["http"]], ["required": ["tcp"]], ["required": ["exec"]], ["required": ["shell"]]],
        ]
        let dependency: [String: Any] = [
            "oneOf": [
                conditionSchema(),
                S.object(["condition": conditionSchema(), "timeout": S.string(pattern: duration)], required: ["condition"]),
            ]
        ]
        return [
            "image": S.string(description: "\(description): container image, for deployment."),
            "build": S.string(description: "A Dockerfile to build the image from, for deployment."),
            "credentials": S.string(),
            "command": ["oneOf": [S.string(), S.array(S.string())], "description": "A shell command line, or an argument list run without a shell."],
            "entrypoint": stringOrList(description: "Overrides the image's entrypoint."),
            "args": S.array(S.string()),
            "working_dir": S.string(),
            "port": portSpec(),
            "ports": S.array([
                "oneOf": [portSpec(), S.object(["name": S.string(), "port": portSpec(), "exposed": S.integer], required: ["port"])]
            ]),
            "variables": [
                "type": "object",
                "additionalProperties": [
                    "oneOf": [S.string(), S.number, S.boolean, ["type": "null"], S.object(["from_cfn": S.string()], required: ["from_cfn"])]
                ],
            ],
            "secrets": [
                "type": "object",
                "additionalProperties": [
                    "oneOf": [
                        S.string(),
                        S.object(["secretsmanager": S.string()], required: ["secretsmanager"]),
                        S.object(["from_cfn": S.string()], required: ["from_cfn"]),
                        S.object(["from_file": S.string()], required: ["from_file"]),
                        S.object(["from_env": S.string()], required: ["from_env"]),
                    ]
                ],
            ],
            "env_file": S.string(pattern: #"\.env$"#),
            "healthcheck": S.object([
                "command": stringOrList(description: "CMD or CMD-SHELL first, as Docker's health checks."), "interval": S.string(pattern: duration),
                "retries": S.integer, "timeout": S.string(pattern: duration), "start_period": S.string(pattern: duration),
            ]),
            "probes": S.object(["startup": probe, "readiness": probe, "liveness": probe]),
            "memory": ["oneOf": [S.integer, S.string(pattern: #"^[0-9]+(Mi|M|MB|MiB|Gi|G|GB|GiB)$"#)], "description": "Memory limit; a bare number is MiB."],
            "cpu": ["oneOf": [S.number, S.string(pattern: #"^[0-9]+m$"#)], "description": "CPU limit, in cores or millicores (500m)."],
            "restart": S.string(enumeration: ["always", "on-failure", "never"]),
            "stop_grace_period": S.string(pattern: duration),
            "depends_on": ["type": "object", "additionalProperties": dependency],
            "essential": S.boolean,
            "notify_ready": S.boolean,
            "notify_fd": [
                "type": "integer", "minimum": 3, "maximum": 1023,
                "description": "The process writes a newline on this descriptor when it is ready (s6's notification-fd).",
            ],
            "forward_signals": [
                "type": "array", "items": S.string(pattern: "^(?i)(SIG)?(" + TandemManifestReader.forwardableSignals.joined(separator: "|") + ")$"),
                "description": "Signals tandem run passes on to this process (default: all for main processes, none for others).",
            ],
            "restart_limit": S.object([
                "restarts": ["type": "integer", "minimum": 0], "within": S.string(pattern: duration), "backoff_max": S.string(pattern: duration),
            ]),
            "labels": stringMap(),
            "mount_points": S.array(
                S.object(
                    ["source_volume": S.string(), "path": S.string(pattern: #"^[a-zA-Z0-9\-\.\_/]+$"#), "read_only": S.boolean],
                    required: ["source_volume", "path"])),
        ]
    }

    static func conditionSchema() -> [String: Any] {
        S.string(pattern: "^(?i)(start|healthy|complete|success)$", description: "START, HEALTHY, COMPLETE or SUCCESS (any case).")
    }

    static func portSpec() -> [String: Any] {
        ["oneOf": [["type": "integer", "minimum": 1, "maximum": 65535], S.string(pattern: #"^[0-9]+(/(tcp|udp|TCP|UDP))?$"#)]]
    }

    static func stringOrList(description: String) -> [String: Any] {
        ["oneOf": [S.string(), S.array(S.string())], "description": description]
    }

    static func stringMap() -> [String: Any] {
        ["type": "object", "additionalProperties": ["type": ["string", "number", "boolean"]]]
    }

    static func namedMap(_ value: [String: Any]) -> [String: Any] {
        ["type": "object", "propertyNames": ["pattern": name], "additionalProperties": value]
    }
}
