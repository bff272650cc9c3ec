#!/usr/bin/env bash
# Sets up and runs every test on a fresh machine: formatting lint, the build, the differential test of the
# Mia rules against Python's jsonschema, every rendered file against the engines' own validators
# (installed by ../shared/validators/install.sh), and the Swift test suites.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== swift format lint"
swift format lint --strict --recursive Sources Tests Benchmarks Package.swift

echo "== build"
swift build --build-tests
bin="$(swift build --show-bin-path)"

echo "== tandem-supervisor links no Foundation (its memory goal depends on it)"
if ldd "$bin/tandem-supervisor" | grep -i foundation; then
  echo "error: tandem-supervisor links Foundation; keep Foundation out of TandemRuntime and TandemCore" >&2
  exit 1
fi

echo "== differential test: Mia items, Tandem vs jsonschema"
.build-py/venv/bin/python scripts/mia/differential.py "$bin/tandem"

echo "== rendered files against the engines' validators"
scripts/validate-renders.sh "$bin/tandem"

echo "== swift test"
swift test --skip-build
