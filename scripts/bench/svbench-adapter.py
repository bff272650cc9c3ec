#!/usr/bin/env python3
"""The shared supervisor benchmark's adapter for Tandem (../shared/bench, see its README: "Adding an
adapter"). Reads WORKDIR/scenario.json, writes a Tandem manifest into WORKDIR and prints how to launch
`tandem run` in the foreground. Every service is a process of its own, not essential (the unit goes on
when one ends), restarted always or never as the scenario says; Tandem prefixes each line with the
service's name on its standard output, which the harness sends to a file it then validates.

The binary is $TANDEM_BIN, else .build/release/tandem (scripts/bench.sh supervisors builds it).
"""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("TANDEM_BIN", str(ROOT / ".build" / "release" / "tandem"))


def name(service):
    label = service.replace("_", "-").lower()
    return label if label[:1].isalpha() else "s-" + label


def quote(text):
    return json.dumps(text)


def main():
    if sys.argv[1:] == ["--version"]:
        os.execv(BINARY, [BINARY, "--version"])
    scenario = json.loads(Path(sys.argv[1]).read_text())
    workdir = Path(scenario["workdir"])
    services = scenario["services"]
    lines = ["tandem: v1"]
    first, rest = services[0], services[1:]

    def body(service, indent):
        pad = " " * indent
        return [
            f"{pad}command: [{', '.join(quote(a) for a in service['argv'])}]",
            f"{pad}essential: false",
            f"{pad}restart: {'always' if service['restart'] else 'never'}",
        ]

    lines.append(f"name: {name(first['name'])}")
    lines += body(first, 0)
    if rest:
        lines.append("processes:")
        for service in rest:
            lines.append(f"  {name(service['name'])}:")
            lines += body(service, 4)
    manifest = workdir / "tandem.yml"
    manifest.write_text("\n".join(lines) + "\n")
    out = Path(scenario["logdir"]) / "tandem.out"
    print(json.dumps({
        # TANDEM_BENCH_ARGS: more options for `tandem run` (e.g. "--containment none"), to measure what each costs.
        "argv": [BINARY, "run", *os.environ.get("TANDEM_BENCH_ARGS", "").split(), str(manifest)],
        "log_globs": [str(out)],
        "stdout_path": str(out),
        "env": {"NO_COLOR": "1"},
        "supports_restart": True,
    }))


if __name__ == "__main__":
    main()
