"""A deterministic corpus of Mia-Platform Marketplace sidecar items, valid and broken, for the
differential test and the validation benchmark. Every item is one JSON file."""
import copy
import json
import os
import random

BASES = [
    {
        "name": "My sidecar", "itemId": "my-sidecar", "description": "My sidecar", "type": "sidecar",
        "documentation": {"type": "externalLink", "url": "https://github.com/my-sidecar/docs"},
        "resources": {"name": "my-sidecar", "dockerImage": "ghcr.io/my-sidecar:1.0"},
        "tenantId": "rocket-playground", "lifecycleStatus": "published",
    },
    {
        "name": "Audit trail", "itemId": "audit-trail", "description": "Collects audit logs", "type": "sidecar",
        "tenantId": "acme", "lifecycleStatus": "draft",
        "documentation": {"type": "markdown", "url": "https://example.com/README.md"},
        "visibility": {"allTenants": True, "public": False}, "tags": ["audit", "e-commerce"],
        "labels": {"team": "payments", "example.com/tier": "gold"}, "annotations": {"example.com/owner": "payments"},
        "links": [{"url": "https://example.com/docs", "displayName": "Docs"}],
        "maintainers": [{"name": "Payments team", "email": "payments@example.com"}],
        "releaseDate": "2025-09-17T10:30:45Z",
        "resources": {
            "name": "audit-trail", "dockerImage": "registry.example.com:5000/acme/audit-trail:0.2.0",
            "containerPorts": [{"name": "http", "from": 8080, "to": 80, "protocol": "TCP"}, {"name": "metrics", "from": "9090"}],
            "defaultArgs": ["--log-format", "json"],
            "defaultEnvironmentVariables": [
                {"name": "LOG_LEVEL", "valueType": "plain", "value": "info"},
                {"name": "DB_PASSWORD", "valueType": "secret", "secretName": "audit-db", "secretKey": "password"},
                {"name": "POD_NAME", "valueType": "downwardAPI", "fieldPath": "metadata.name"},
                {"name": "CPU", "valueType": "downwardAPI", "fieldPath": "resource.limits.cpu", "containerName": "audit-trail"},
            ],
            "defaultConfigMaps": [{"name": "audit-config", "mountPath": "/home/node/config", "files": [{"name": "config.json", "content": "{}"}]}],
            "defaultSecrets": [{"name": "private-key", "mountPath": "/home/node/keys"}],
            "defaultProbes": {
                "liveness": {"port": "80", "path": "/healthz", "periodSeconds": 10},
                "readiness": {"port": "80", "path": "/ready", "failureThreshold": 3},
                "startup": {"cmd": ["cat", "/tmp/started"], "initialDelaySeconds": 1},
            },
            "defaultResources": {"memoryLimits": {"max": "250Mi", "min": "150Mi"}, "cpuLimits": {"min": "150m", "max": "{{CPU_MAX}}m"}},
            "defaultTerminationGracePeriodSeconds": 20, "exclusiveServiceExposure": False, "owners": [{"owner": "payments"}],
        },
    },
]

# The public catalog's current form: no `type`; what the item is in itemTypeDefinitionRef, images by path.
BASES.append({
    "itemId": "log-shipper", "name": "Log shipper", "tenantId": "mia-platform", "categoryId": "monitoring", "supportedBy": "Mia-Platform",
    "supportedByImage": {"localPath": "../../../../assets/img/team.png"}, "image": {"localPath": "../assets/logo.png"},
    "visibility": {"public": True}, "description": "Ships logs", "releaseDate": "2025-04-03T13:02:51.888Z", "lifecycleStatus": "draft",
    "itemTypeDefinitionRef": {"name": "sidecar", "namespace": "mia-platform"},
    "documentation": {"type": "externalLink", "url": "https://example.com/docs"},
    "resources": {"name": "log-shipper", "dockerImage": "ghcr.io/acme/log-shipper:1.0.0",
                  "defaultEnvironmentVariables": [{"name": "LOG_LEVEL", "value": "{{LOG_LEVEL}}", "valueType": "plain"}],
                  "defaultResources": {"cpuLimits": {"max": "100m", "min": "50m"}, "memoryLimits": {"max": "100Mi", "min": "50Mi"}}},
})

DELETE = object()

TOP = [
    ("name", [DELETE, "", 5, None, "Another name"]),
    ("itemId", [DELETE, "bad_item", "-x", "a" * 64, "a" * 63, "ok-id", 7, "A1"]),
    ("type", [DELETE, "plugin", None, "sidecar"]),
    ("tenantId", [DELETE, 5, "mia-platform"]),
    ("description", [DELETE, [], ""]),
    ("documentation", [DELETE, {"type": "pdf", "url": "x"}, {"type": "markdown"}, "str", {"type": "externalLink", "url": "u", "extra": 1}, {"type": 1, "url": 2}]),
    ("lifecycleStatus", [DELETE, "ready", "archived", 3]),
    ("visibility", [{"public": "yes"}, {"allTenants": True}, {"x": 1}, [], {"public": False}, {"public": True}, DELETE]),
    ("tags", [["ok"], ["Bad"], ["a" * 64], "notalist", [1], ["a-b", "c:d+e#"], [""], ["a--b"]]),
    ("labels", [{"ok": "v"}, {"bad key": "v"}, {"k": "-bad"}, {"k": 1}, {"k": "a" * 64}, {"k": ""}, {"a.b/c": "x"}]),
    ("annotations", [{"a/b": "x"}, {"-bad": "x"}, {"k": 5}]),
    ("links", [[{"url": "https://example.com"}], [{"url": "ftp://x"}], [{"displayName": "x"}], [{"url": "https://example.com", "x": 1}], [{"url": "see https://example.org/x"}]]),
    ("maintainers", [[{"name": "A"}], [{"name": ""}], [{"name": "A", "email": "nope"}], [{"name": "A", "email": "a@b.c"}], [{"email": "a@b"}]]),
    ("releaseDate", ["2025-09-17T10:30:45Z", "2025-13-01T00:00:00Z", "yesterday", "2024-01-01T12:30:10.199+00:00", 5]),
    ("relationships", [[{"target": "x", "type": "uses"}], [{"target": "x"}], [{"target": "x", "type": "t", "z": 1}]]),
    ("itemTypeDefinitionRef", [{"name": "plugin", "namespace": "mia"}, {"name": "plugin"}, {"name": "Bad_", "namespace": "x"}, {"name": "p", "namespace": ""},
                               {"name": "sidecar", "namespace": "mia-platform"}, {"name": "sidecar"}, "sidecar"]),
    ("publishOnMiaDocumentation", [True, "yes"]),
    ("supportedBy", ["Mia-Care", "Someone", 3]),
    ("supportedByImage", [DELETE, {"localPath": "x.png"}, {"localPath": 1}, {}]),
    ("releaseStage", ["stable", 3]),
    ("image", [{"localPath": "../assets/logo.png"}, {"url": "x"}, "logo.png"]),
    ("categoryId", [1, "ok", "healthcare", DELETE]),
    ("imageUrl", ["https://x/logo.png", 4]),
    ("version", [{"name": "1.0.0", "releaseNote": "x"}]),
    ("unknownField", [1]),
    ("$schema", ["x", 1]),
]

PORTS = [
    {"name": "http", "from": 80}, {"name": "http", "from": 80, "to": "8080"}, {"name": "HTTP", "from": 80}, {"from": 80},
    {"name": "http"}, {"name": "http", "from": 70000}, {"name": "http", "from": -1}, {"name": "http", "from": "{{PORT}}"},
    {"name": "http", "from": "{{port}}"}, {"name": "http", "from": "080"}, {"name": "http", "from": ""},
    {"name": "http", "from": 80, "protocol": "UDP"}, {"name": "http", "from": 80, "protocol": "SCTP"}, {"name": "http", "from": 80.5},
    {"name": "http", "from": 80.0}, {"name": "http", "from": True}, {"name": "http", "from": 80, "x": 1}, "port", {"name": "a-", "from": 1},
]

VARIABLES = [
    {"name": "A", "valueType": "plain", "value": "x"}, {"name": "A", "value": "x"}, {"name": "A", "valueType": "plain", "secretName": "s"},
    {"name": "A", "valueType": "secret", "secretName": "db", "secretKey": "k"}, {"name": "A", "valueType": "secret", "secretName": "Db", "secretKey": "k"},
    {"name": "A", "valueType": "secret", "secretName": "db"}, {"name": "A", "valueType": "secret", "secretName": "db", "secretKey": "{{KEY}}"},
    {"name": "A", "valueType": "secret", "secretName": "db", "secretKey": "bad key"},
    {"name": "A", "valueType": "configmap", "configMapName": "cfg", "configMapFileName": "a.json"},
    {"name": "A", "valueType": "downwardAPI", "fieldPath": "metadata.name"}, {"name": "A", "valueType": "downwardAPI", "fieldPath": "metadata.labels['app']"},
    {"name": "A", "valueType": "downwardAPI", "fieldPath": "metadata.annotations['-bad']"},
    {"name": "A", "valueType": "downwardAPI", "fieldPath": "resource.limits.memory", "containerName": "c"},
    {"name": "A", "valueType": "downwardAPI", "fieldPath": "resource.limits.memory"},
    {"name": "A", "valueType": "downwardAPI", "fieldPath": "metadata.name", "containerName": "c"},
    {"name": "A", "valueType": "downwardAPI", "fieldPath": "spec.other"}, {"name": "A", "valueType": "bogus"}, {"name": "", "valueType": "plain"},
    {"name": "A", "valueType": "plain", "readOnly": "yes"}, {"name": "A", "valueType": "plain", "managedBy": "other"},
    {"name": "A", "valueType": "plain", "managedBy": "fast-data", "readOnly": True, "description": "d"}, {"valueType": "plain"}, [],
]

RESOURCES = [
    ("name", [DELETE, "My_Sidecar", "ok-name", "", 5, "a-", "a" * 70]),
    ("dockerImage", [DELETE, "nginx", "Not An Image", "ghcr.io/a/b:1.0", 5, "app:", "{{REGISTRY}}/app:{{TAG}}", "localhost:5000/app", "UPPER/app"]),
    ("containerPorts", [[p] for p in PORTS] + [[PORTS[0], p] for p in PORTS[2:8] + PORTS[15:18]] + ["x"]),
    ("defaultArgs", [["a"], [1], "x", []]),
    ("defaultEnvironmentVariables", [[v] for v in VARIABLES] + [[VARIABLES[0], v] for v in VARIABLES[1:6] + [{"name": 1, "valueType": "plain"}]]),
    ("defaultConfigMaps", [
        [{"name": "cfg", "mountPath": "/etc/x", "files": [{"name": "a", "content": "b"}]}],
        [{"name": "cfg", "mountPath": "/etc/x"}], [{"name": "cfg", "mountPath": "/etc/x", "files": [{"name": "a"}]}],
        [{"name": "Cfg", "mountPath": "/etc/x", "files": []}], [{"name": "cfg", "mountPath": "", "files": []}],
        [{"name": "cfg", "mountPath": "/etc/x y (1)", "files": [], "link": {"targetSection": "s"}}],
        [{"name": "cfg", "mountPath": "/etc/x", "files": [], "subPaths": [1]}], [{"name": "cfg", "mountPath": "/etc/x", "files": [], "usePreserve": "x"}],
        [{"name": "cfg", "mountPath": "/etc/x", "files": [], "extra": 1}], [{"name": "cfg", "mountPath": "/etc/<x>", "files": []}],
        [{"name": "cfg", "mountPath": "/etc/x", "files": [{"name": "a", "content": "b", "mode": 1}]}],
    ]),
    ("defaultSecrets", [[{"name": "key", "mountPath": "/k"}], [{"name": "key"}], [{"name": "Key", "mountPath": "/k"}], [{"name": "key", "mountPath": "/k", "x": 1}]]),
    ("defaultProbes", [
        {"liveness": {"path": "/healthz", "port": "80"}}, {"liveness": {"path": "healthz"}}, {"liveness": {"path": "/a//b"}},
        {"liveness": {"cmd": ["true"]}}, {"liveness": {"cmd": ["true"], "port": "1"}}, {"liveness": {}}, {"liveness": {"port": 80}},
        {"startup": {"path": "/x"}}, {"readiness": {"cmd": ["a"], "periodSeconds": "5"}}, {"readiness": {"path": "/x", "extra": 1}},
        {"readiness": {"path": "/x", "cmd": ["a"]}}, "probes", {"other": {}}, {"liveness": {"path": ""}}, {"liveness": {"path": "/{{x}}/a-b:c.d"}},
        {"liveness": {"cmd": "true"}}, {"readiness": {"path": "/x", "successThreshold": 2, "timeoutSeconds": 0.5}},
    ]),
    ("defaultResources", [
        {"cpuLimits": {"min": "100m"}}, {"cpuLimits": {"min": "100"}}, {"cpuLimits": {"max": "{{CPU}}m"}}, {"cpuLimits": {"max": ""}},
        {"memoryLimits": {"max": "256Mi"}}, {"memoryLimits": {"max": "256M"}}, {"memoryLimits": {"min": "{{MEM}}Mi"}},
        {"memoryLimits": {"min": 256}}, {"extra": {}}, {"cpuLimits": {"avg": "1m"}}, {"memoryLimits": {"max": "1.5Mi"}},
    ]),
    ("defaultTerminationGracePeriodSeconds", [30, "30", 1.5]),
    ("exclusiveServiceExposure", ["true", True]),
    ("owners", [[{"owner": "x", "extra": 1}], [{}], [{"owner": 1}]]),
    ("componentId", [1, "c"]),
    ("unknownResourceField", [1]),
]


def mutate(item, target, key, value):
    holder = item if target == "top" else item.setdefault("resources", {})
    if not isinstance(holder, dict):
        return
    if value is DELETE:
        holder.pop(key, None)
    else:
        holder[key] = copy.deepcopy(value)


def generate(seed=1, combinations=1000):
    """Yields (name, item): every base, every single mutation of every base, then random combinations."""
    rng = random.Random(seed)
    singles = [("top", k, v) for k, vs in TOP for v in vs] + [("res", k, v) for k, vs in RESOURCES for v in vs]
    for b, base in enumerate(BASES):
        yield f"base{b}", copy.deepcopy(base)
        for index, (target, key, value) in enumerate(singles):
            item = copy.deepcopy(base)
            mutate(item, target, key, value)
            yield f"base{b}-single{index:04d}", item
    for index in range(combinations):
        item = copy.deepcopy(rng.choice(BASES))
        for target, key, value in rng.sample(singles, rng.randint(1, 3)):
            mutate(item, target, key, value)
        yield f"combo{index:05d}", item


def write(folder, seed=1, combinations=1000):
    os.makedirs(folder, exist_ok=True)
    names = []
    for name, item in generate(seed, combinations):
        with open(os.path.join(folder, name + ".json"), "w") as handle:
            json.dump(item, handle)
        names.append(name)
    return names
