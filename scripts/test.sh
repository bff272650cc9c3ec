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
source scripts/lib/quiet-build.sh
quiet_build .build/logs/test-build.log --build-tests
bin="$(swift build --show-bin-path)"

echo "== tandem-supervisor links no Foundation (its memory goal depends on it)"
if ldd "$bin/tandem-supervisor" | grep -i foundation; then
  echo "error: tandem-supervisor links Foundation; keep Foundation out of TandemRuntime and TandemCore" >&2
  exit 1
fi

echo "== differential test: Mia items, Tandem vs jsonschema"
.build-py/venv/bin/python scripts/mia/differential.py "$bin/tandem"

echo "== Copilot's own render tests: every conformance pair renders equal to Copilot's template"
.build-py/venv/bin/python scripts/copilot/conformance.py "$bin/tandem"

echo "== rendered files against the engines' validators"
scripts/validate-renders.sh "$bin/tandem"

echo "== the catalog's OpenAPI description is current and valid"
python3 scripts/catalog/openapi.py
git diff --exit-code -- schemas/catalog-openapi.json Sources/TandemCatalogServer/CatalogOpenAPI.swift
.build-py/venv/bin/python -c 'import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))' schemas/catalog-openapi.json

echo "== a throwaway PostgreSQL on loopback for the store contract tests"
pgdir="$(mktemp -d)"
trap 'bash ../shared/services/postgres.sh stop "$pgdir"' EXIT
TANDEM_TEST_POSTGRES_URL="$(bash ../shared/services/postgres.sh start "$pgdir")"
export TANDEM_TEST_POSTGRES_URL TANDEM_REQUIRE_POSTGRES=1

echo "== swift test (a hang fails after 25 min, with what each process was doing)"
# Line-buffered: what a hung run printed last is all there.
scripts/lib/watchdog.sh 1500 stdbuf -oL -eL swift test --skip-build

echo "== the catalog's web page in headless chromium (screenshots in .build/screenshots)"
scripts/lib/watchdog.sh 300 .build-py/venv/bin/python scripts/catalog/browser_test.py "$bin/tandem"

echo "== fuzzing: a short run of each target under libFuzzer (scripts/fuzz.sh 1000000 is the long one)"
scripts/fuzz.sh 20000
