#!/usr/bin/env python3
"""Copilot's own render tests as Tandem's oracle.

For every manifest in ../shared/conformance/copilot/workloads (Copilot's integration test data), renders
it with `tandem render --target cloudformation --env ENV --app my-app` and compares, part by part, the
task definition CloudFormation would create from Copilot's template and from Tandem's, given the same
stack parameters (Copilot's params.json; Tandem's defaults): the containers in order, with images,
ports and port names, dependencies, essential flags, mounts, logging, health checks, environment and
secrets; the volumes; ephemeral storage; and the ECS service's LoadBalancers.

Both templates are evaluated the same way: Ref/Sub/Join/If/Equals/Not resolved from the parameters and
the pseudo parameters (us-west-2, 123456789123, partition aws); Fn::ImportValue, Fn::GetAtt and Refs to
resources kept as references. Copilot reads three values from its environment stack through its
EnvController custom resource (!GetAtt EnvControllerAction.X); the environment stack exports the same
values, and Tandem imports the export, so `EnvControllerAction.X` is compared as that import. ECS's
default for `Essential` (true) is applied to both.

Usage: conformance.py TANDEM [CONFORMANCE_DIR]   (exit 1 on any difference, with a diff per part)
"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

# Upstream's render context: internal/pkg/deploy/cloudformation/stack/*_integration_test.go.
CASES = [
    ("svc-manifest.yml", "test", "svc-test.stack.yml", "svc-test.params.json"),
    ("svc-manifest.yml", "staging", "svc-staging.stack.yml", "svc-staging.params.json"),
    ("svc-manifest.yml", "prod", "svc-prod.stack.yml", "svc-prod.params.json"),
    ("svc-nlb-manifest.yml", "test", "svc-nlb-test.stack.yml", "svc-nlb-test.params.json"),
    ("svc-nlb-manifest.yml", "dev", "svc-nlb-dev.stack.yml", "svc-nlb-dev.params.json"),
    ("svc-nlb-manifest.yml", "prod", "svc-nlb-prod.stack.yml", "svc-nlb-prod.params.json"),
    ("job-manifest.yml", "test", "job-test.stack.yml", "job-test.params.json"),
    ("worker-manifest.yml", "test", "worker-test.stack.yml", "worker-test.params.json"),
    ("backend/http-full-config-manifest.yml", "my-env", "backend/http-full-config-template.yml", "backend/http-full-config-params.json"),
    ("backend/simple-manifest.yml", "my-env", "backend/simple-template.yml", "backend/simple-params.json"),
]
APP = "my-app"
PSEUDO = {"AWS::Region": "us-west-2", "AWS::AccountId": "123456789123", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
# The EnvController's attributes and the environment stack's exports of the same values.
ENV_EXPORTS = {
    "PublicLoadBalancerDNSName": "PublicLoadBalancerDNS",
    "InternalLoadBalancerDNSName": "InternalLoadBalancerDNS",
    "ManagedFileSystemID": "FilesystemID",
}
# What Copilot looks up with the AWS API during its test (mocked there), given to Tandem's stack as a parameter.
LOOKED_UP = {"ImportedLoadBalancerDNSName": "mockImportALBDNSName"}
NO_VALUE = object()


class Loader(yaml.SafeLoader):
    pass


def _tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    if suffix == "Ref:":  # upstream's own typo (`!Ref: AWS::NoValue`) parses as a tag
        return {"Ref": value}
    return {"Fn::" + suffix: value}


Loader.add_multi_constructor("!", _tagged)


class Evaluator:
    def __init__(self, template, parameters):
        self.parameters = dict(PSEUDO)
        for name, spec in (template.get("Parameters") or {}).items():
            if name in parameters:
                self.parameters[name] = str(parameters[name])
            elif isinstance(spec, dict) and "Default" in spec:
                self.parameters[name] = str(spec["Default"])
        self.conditions_source = template.get("Conditions") or {}
        self.conditions = {}

    def condition(self, name):
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.conditions_source[name]))
        return self.conditions[name]

    def substitute(self, text, extra):
        out, i = "", 0
        while i < len(text):
            start = text.find("${", i)
            if start < 0:
                return out + text[i:]
            end = text.find("}", start)
            name = text[start + 2 : end]
            out += text[i:start]
            if name.startswith("!"):
                out += "${" + name[1:] + "}"
            elif name in extra:
                value = extra[name]
                out += value if isinstance(value, str) else json.dumps(value, sort_keys=True)
            elif name in self.parameters:
                out += self.parameters[name]
            else:
                out += "${" + name + "}"
            i = end + 1
        return out

    def value(self, node):
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                if arg == "AWS::NoValue":
                    return NO_VALUE
                return self.parameters.get(arg, {"Ref": arg})
            if key == "Fn::Sub":
                if isinstance(arg, list):
                    extra = {k: self.value(v) for k, v in arg[1].items()}
                    return self.substitute(arg[0], extra)
                return self.substitute(arg, {})
            if key == "Fn::Join":
                parts = [self.value(p) for p in self.value(arg[1])]
                if all(isinstance(p, str) for p in parts):
                    return self.value(arg[0]).join(parts)
                return {"Fn::Join": [arg[0], parts]}
            if key == "Fn::If":
                branch = arg[1] if self.condition(arg[0]) else arg[2]
                return self.value(branch)
            if key == "Fn::Equals":
                a, b = (self.value(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Fn::And":
                return all(self.value(x) for x in arg)
            if key == "Fn::Or":
                return any(self.value(x) for x in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::GetAtt":
                target = arg.split(".", 1) if isinstance(arg, str) else arg
                if target[0] == "EnvControllerAction" and target[1] in ENV_EXPORTS:
                    env = self.parameters["EnvName"]
                    return {"Fn::ImportValue": f"{self.parameters['AppName']}-{env}-{ENV_EXPORTS[target[1]]}"}
                return {"Fn::GetAtt": target}
            if key == "Fn::ImportValue":
                return {"Fn::ImportValue": self.value(arg)}
        out = {}
        for key, item in node.items():
            item = self.value(item)
            if item is not NO_VALUE:
                out[key] = item
        return out


def parts(template, parameters):
    evaluator = Evaluator(template, parameters)
    resources = template["Resources"]
    task = evaluator.value(resources["TaskDefinition"]["Properties"])
    containers = task.get("ContainerDefinitions", [])
    for container in containers:
        container.setdefault("Essential", True)
        for key in ("Environment", "Secrets", "PortMappings", "MountPoints", "DependsOn", "EnvironmentFiles"):
            if container.get(key) == []:
                del container[key]
    service = resources.get("Service", {}).get("Properties", {})
    return {
        "ContainerDefinitions": containers,
        "Volumes": task.get("Volumes", []),
        "EphemeralStorage": task.get("EphemeralStorage"),
        "LoadBalancers": evaluator.value(service.get("LoadBalancers", [])),
    }


def main():
    tandem = sys.argv[1]
    folder = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "../../../shared/conformance/copilot/workloads")
    folder = os.path.normpath(folder)
    if not os.path.isdir(folder):
        print(f"copilot conformance: {folder} is missing", file=sys.stderr)
        return 1
    environment = dict(os.environ, TAG="cicdtest")
    failures = 0
    with tempfile.TemporaryDirectory() as out:
        for manifest, env, expected_file, params_file in CASES:
            label = f"{manifest} --env {env}"
            run = subprocess.run(
                [tandem, "render", "--target", "cloudformation", os.path.join(folder, manifest), "--env", env, "--app", APP],
                capture_output=True, text=True, env=environment,
            )
            if run.returncode != 0:
                print(f"FAIL {label}: tandem render exited {run.returncode}\n{run.stderr}")
                failures += 1
                continue
            path = os.path.join(out, label.replace("/", "_").replace(" ", "_") + ".yaml")
            with open(path, "w") as handle:
                handle.write(run.stdout)
            ours = yaml.load(run.stdout, Loader=Loader)
            theirs = yaml.load(open(os.path.join(folder, expected_file)), Loader=Loader)
            parameters = json.load(open(os.path.join(folder, params_file)))["Parameters"]
            expected = parts(theirs, parameters)
            actual = parts(ours, dict(LOOKED_UP, ContainerImage=parameters["ContainerImage"]))
            bad = [name for name in expected if expected[name] != actual[name]]
            if bad:
                failures += 1
                print(f"FAIL {label}: {', '.join(bad)} differ")
                for name in bad:
                    print(f"  -- {name}, Copilot:\n{json.dumps(expected[name], indent=1, sort_keys=True)}")
                    print(f"  -- {name}, Tandem:\n{json.dumps(actual[name], indent=1, sort_keys=True)}")
            else:
                print(f"ok   {label}: {len(expected['ContainerDefinitions'])} containers, {len(expected['Volumes'])} volumes, {len(expected['LoadBalancers'])} load balancer targets equal")
    print(f"copilot conformance: {len(CASES) - failures} of {len(CASES)} renders equal Copilot's")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
