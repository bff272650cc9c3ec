#!/usr/bin/env bash
# Benchmarks, recorded in docs/performance.md. Builds a release binary first.
#   scripts/bench.sh validate [COMBINATIONS] [RUNS]   Mia item validation: Tandem vs Python jsonschema
#   scripts/bench.sh render [FILE] [ITERATIONS]        renders per second, per target
#   scripts/bench.sh supervisors [svbench run options] Tandem beside supervisord, s6, runit, honcho, circus
#   scripts/bench.sh sizes [10,50,200,500] [RUNS]      Tandem, the C floor and s6 at each size (start, idle,
#                                                      shutdown), as the table of docs/performance.md
#   scripts/bench.sh catalog [--postgres] [...]        the catalog server under wrk, beside nginx (SQLite, or
#                                                      a throwaway PostgreSQL with --postgres)
#   scripts/bench.sh runtime logs [LINES] [RUNS]       4 writers through tandem run, --log-format text beside json
#   scripts/bench.sh runtime shutdown [N] [RUNS]       SIGTERM -> all gone, every service with a setsid child and a daemon
#   scripts/bench.sh runtime start [N] [RUNS]          where tandem run's start goes, from the kernel's exec tracepoint (perf)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
# Release builds with the Swift runtime linked in, as shipped, and not position-independent (no
# relocations to apply at start: `tandem --version` 8.7 -> 7.6 ms); one configuration for every product
# and mode, so that switching never rebuilds everything.
release=(-c release --static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie)
swift build "${release[@]}" --product tandem >/dev/null
swift build "${release[@]}" --product tandem-bench >/dev/null
bin="$(swift build "${release[@]}" --show-bin-path)/tandem"
case "${1:-validate}" in
  validate) .build-py/venv/bin/python -W ignore scripts/mia/bench.py "$bin" "${2:-10000}" "${3:-5}" ;;
  render) "$(dirname "$bin")/tandem-bench" render "${2:-examples/copilot/api.yml}" "${3:-2000}" ;;
  supervisors)
    # The shared harness (../shared/bench) drives Tandem beside supervisord, s6, runit, honcho and circus.
    # The process that stays beside the children.
    swift build "${release[@]}" --product tandem-supervisor >/dev/null
    root="$PWD"
    # shared/ is read-only: the harness runs from a copy, where its setup can build and install.
    mkdir -p .build-bench
    rm -rf .build-bench/svbench && cp -r "$(cd .. && pwd)/shared/bench" .build-bench/svbench && chmod -R u+w .build-bench/svbench
    (cd .build-bench/svbench && ./setup.sh >/dev/null)
    shift
    (cd .build-bench/svbench && SVBENCH_PROJECT_ADAPTER="$root/scripts/bench/svbench-adapter.py" TANDEM_BIN="$root/.build/release/tandem" \
      python3 svbench.py run --peers "${PEERS:-project,baseline-c,s6,supervisord,circus,honcho,runit}" --out "$root/.build-bench/results.json" "$@" \
      && python3 svbench.py report "$root/.build-bench/results.json" --out "$root/.build-bench/RESULTS.md")
    echo "results: .build-bench/RESULTS.md"
    ;;
  runtime)
    swift build "${release[@]}" --product tandem-supervisor >/dev/null
    shift
    python3 scripts/bench/runtime.py "$bin" "$@"
    ;;
  sizes)
    sizes="${2:-10,50,200,500}" runs="${3:-3}"
    results=()
    for n in ${sizes//,/ }; do
      PEERS=project,baseline-c,s6 scripts/bench.sh supervisors --scenarios start,idle,shutdown --n "$n" --runs-start "$runs" --runs-shutdown "$runs" \
        --idle-seconds 5 >/dev/null
      cp .build-bench/results.json ".build-bench/sizes-$n.json"
      results+=(".build-bench/sizes-$n.json")
    done
    python3 scripts/bench/sizes.py "${results[@]}"
    ;;
  catalog)
    # wrk drives the load; nginx serving the same JSON file is the machine's limit.
    if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null
    fi
    shift
    if [ "${1:-}" = "--postgres" ]; then
      shift
      pgdir="$(mktemp -d)"
      trap 'bash ../shared/services/postgres.sh stop "$pgdir"' EXIT
      python3 scripts/bench/catalog.py "$bin" --database "$(bash ../shared/services/postgres.sh start "$pgdir")" "$@"
    else
      python3 scripts/bench/catalog.py "$bin" "$@"
    fi
    ;;
  *) echo "usage: scripts/bench.sh validate [COMBINATIONS] [RUNS] | render [FILE] [ITERATIONS] | supervisors [OPTIONS] | sizes [N,...] [RUNS] | runtime logs|shutdown|start | catalog [OPTIONS]" >&2; exit 2 ;;
esac
