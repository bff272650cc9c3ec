#!/usr/bin/env bash
# Benchmarks, recorded in docs/performance.md. Builds a release binary first.
#   scripts/bench.sh validate [COMBINATIONS] [RUNS]   Mia item validation: Tandem vs Python jsonschema
#   scripts/bench.sh render [FILE] [ITERATIONS]        renders per second, per target
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
swift build -c release --product tandem >/dev/null
swift build -c release --product tandem-bench >/dev/null
bin="$(swift build -c release --show-bin-path)/tandem"
case "${1:-validate}" in
  validate) .build-py/venv/bin/python -W ignore scripts/mia/bench.py "$bin" "${2:-10000}" "${3:-5}" ;;
  render) "$(dirname "$bin")/tandem-bench" render "${2:-examples/copilot/api.yml}" "${3:-2000}" ;;
  *) echo "usage: scripts/bench.sh validate [COMBINATIONS] [RUNS] | render [FILE] [ITERATIONS]" >&2; exit 2 ;;
esac
