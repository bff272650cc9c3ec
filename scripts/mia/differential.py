#!/usr/bin/env python3
"""Differential test: on a generated corpus of valid and broken Mia sidecar items, Tandem's verdicts must
agree with Python's jsonschema applied to
  * the seed page's schema (../shared/seeds/000_*.txt) for --mia-schema marketplace,
  * Tandem's transcription of the console-sdk v14 schema (schemas/mia-sidecar-item.catalog.schema.json),
  * Tandem's transcription of the public catalog's schema (schemas/mia-sidecar-item.public-catalog.schema.json,
    from mia-platform-marketplace/public-catalog items/sidecar/manifest.schema.json; a third argument, the
    upstream file itself, replaces it),
  * Tandem's default rules as published (schemas/mia-sidecar-item.standard.schema.json).
Documented differences (docs/mia-differences.md) are applied to the schemas before comparing, each named
below; nothing else may differ. Usage: differential.py TANDEM_BINARY [SEED_FILE]."""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def seed_schema(path):
    text = open(path, encoding="utf-8").read()
    block = text.split("```json", 1)[1].split("```", 1)[0]
    # The seed page's JSON has trailing commas; JSON does not allow them.
    block = re.sub(r",(\s*[}\]])", r"\1", block)
    schema = json.loads(block)

    # Difference 1 (documented): the seed writes `items` as a one-element array, which draft-07 reads as a
    # tuple and so checks only the first element. The page means "each item is ..."; Tandem checks all.
    def every_item(node):
        if isinstance(node, dict):
            for key, value in list(node.items()):
                if key == "items" and isinstance(value, list) and len(value) == 1:
                    node[key] = value[0]
                every_item(node[key])
        elif isinstance(node, list):
            for value in node:
                every_item(value)

    every_item(schema)
    return schema


def tandem_verdicts(binary, folder, profile):
    result = subprocess.run(
        [binary, "validate", "--format", "mia", "--mia-schema", profile, "--mia-schema-only", "-o", "json", folder],
        capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"tandem failed ({result.returncode}): {result.stderr}")
    report = json.loads(result.stdout)
    return {os.path.basename(f["file"])[:-5]: (f["valid"], [d["message"] for d in f["diagnostics"] if d["severity"] == "error"]) for f in report["files"]}


def main():
    binary = sys.argv[1]
    seed_file = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared", "seeds", "000_4c6b071a33037e34.txt")
    schemas = {
        "marketplace": seed_schema(seed_file),
        "catalog": json.load(open(os.path.join(ROOT, "schemas", "mia-sidecar-item.catalog.schema.json"))),
        "standard": json.load(open(os.path.join(ROOT, "schemas", "mia-sidecar-item.standard.schema.json"))),
        "public-catalog": json.load(open(sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "schemas", "mia-sidecar-item.public-catalog.schema.json"))),
    }
    with tempfile.TemporaryDirectory() as folder:
        names = corpus.write(folder)
        items = {name: json.load(open(os.path.join(folder, name + ".json"))) for name in names}
        total_disagreements = 0
        for profile, schema in schemas.items():
            validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
            verdicts = tandem_verdicts(binary, folder, profile)
            disagreements = []
            valid_count = 0
            for name in names:
                expected_errors = list(validator.iter_errors(items[name]))
                expected = not expected_errors
                actual, messages = verdicts[name]
                valid_count += expected
                if expected != actual:
                    disagreements.append((name, expected, expected_errors[:1], messages[:2]))
            total_disagreements += len(disagreements)
            print(f"differential {profile}: {len(names)} items ({valid_count} valid per jsonschema), {len(names) - len(disagreements)} agree, {len(disagreements)} disagree")
            for name, expected, errors, messages in disagreements[:20]:
                print(f"  {name}: jsonschema says {'valid' if expected else 'invalid'} {[e.message for e in errors]}; tandem says {messages}")
        print(f"{len(schemas) * len(names) - total_disagreements} passed, {total_disagreements} failed")
        sys.exit(1 if total_disagreements else 0)


if __name__ == "__main__":
    main()
