#!/usr/bin/env python3
"""Validation throughput: Tandem vs Python's jsonschema on the same corpus of Mia sidecar items.
Usage: bench.py TANDEM_BINARY [COMBINATIONS] [RUNS]. Prints a Markdown table row per validator.

Tandem is timed as a whole process (start-up, folder walk, reading and parsing every file, checking);
jsonschema is timed inside Python after its start-up and schema compilation, reading and parsing every
file with json.load and checking it with a reused Draft7Validator. Both use the catalog schema."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import jsonschema

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    binary = sys.argv[1]
    combinations = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    schema = json.load(open(os.path.join(ROOT, "schemas", "mia-sidecar-item.catalog.schema.json")))
    with tempfile.TemporaryDirectory() as folder:
        names = corpus.write(folder, seed=7, combinations=combinations)
        paths = [os.path.join(folder, name + ".json") for name in names]
        count = len(paths)

        tandem_times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = subprocess.run(
                [binary, "validate", "--format", "mia", "--mia-schema", "catalog", "--mia-schema-only", "-q", folder],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            tandem_times.append(time.perf_counter() - start)
            assert result.returncode in (0, 1), result.returncode

        validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
        python_times = []
        for _ in range(runs):
            start = time.perf_counter()
            for path in paths:
                with open(path) as handle:
                    validator.is_valid(json.load(handle))
            python_times.append(time.perf_counter() - start)

        items = [json.load(open(path)) for path in paths]
        memory_times = []
        for _ in range(runs):
            start = time.perf_counter()
            for item in items:
                validator.is_valid(item)
            memory_times.append(time.perf_counter() - start)
        bench = os.path.join(os.path.dirname(binary), "tandem-bench")
        in_memory = subprocess.run([bench, "mia", folder, str(runs), "catalog"], capture_output=True, text=True, check=True).stdout.strip()
        tandem_memory = float(in_memory.split("median ")[1].split(" s")[0])

        tandem = statistics.median(tandem_times)
        python = statistics.median(python_times)
        print(f"| validator | items | median seconds ({runs} runs) | items/s |")
        print("|---|---:|---:|---:|")
        print(f"| tandem validate (release) | {count} | {tandem:.3f} | {count / tandem:,.0f} |")
        print(f"| python jsonschema {jsonschema.__version__ if hasattr(jsonschema, '__version__') else ''} | {count} | {python:.3f} | {count / python:,.0f} |".replace("  ", " "))
        python_memory = statistics.median(memory_times)
        print(f"| tandem, in memory (bytes parsed and checked, both cores) | {count} | {tandem_memory:.3f} | {count / tandem_memory:,.0f} |")
        print(f"| python jsonschema, in memory (objects already decoded) | {count} | {python_memory:.3f} | {count / python_memory:,.0f} |")
        print(f"\nEnd to end, Tandem is {python / tandem:.1f} times faster; in memory, {python_memory / tandem_memory:.1f} times.")


if __name__ == "__main__":
    main()
