#!/usr/bin/env bash
# Fuzzes what the catalog reads from strangers under libFuzzer: the item reader, apply request bodies,
# query strings / forms / headers, and multipart uploads (Sources/tandem-fuzz/Fuzz.swift).
#   scripts/fuzz.sh [RUNS]     each target for RUNS executions (default 1,000,000); 0 crashes or it fails
# Seeds are the project's own example items; what libFuzzer finds is kept in .build-fuzz/corpus/TARGET.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1000000}"
swift build -c release --product tandem-fuzz --build-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -D -Xswiftc FUZZING -Xcc -DTANDEM_FUZZING 2>&1 | grep -v '^\[' || true
binary=.build-fuzz/release/tandem-fuzz
test -x "$binary"
for target in item apply query multipart; do
    corpus=.build-fuzz/corpus/$target
    mkdir -p "$corpus"
    case $target in
        item) cp examples/mia/*.json examples/mia/*.yaml "$corpus/" 2>/dev/null || true ;;
        apply) for f in examples/mia/*.json; do [ -f "$f" ] && { printf '{"resources":['; cat "$f"; printf ']}'; } > "$corpus/$(basename "$f")"; done ;;
        query) printf 'tenantId=acme&page=2&perPage=10' > "$corpus/list"; printf 'Basic c2FfMTp0ZHNfMg==' > "$corpus/basic" ;;
        multipart) printf 'b\n--b\r\nContent-Disposition: form-data; name="marketplace_image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--b--\r\n' > "$corpus/upload" ;;
    esac
    start=$(date +%s.%N)
    TANDEM_FUZZ_TARGET=$target "$binary" -runs="$runs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 "$corpus" 2> .build-fuzz/$target.log || { tail -40 .build-fuzz/$target.log; echo "fuzz: $target FAILED"; exit 1; }
    end=$(date +%s.%N)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' .build-fuzz/$target.log | grep -o '[0-9]*$')
    peak=$(grep -o 'stat::peak_rss_mb: *[0-9]*' .build-fuzz/$target.log | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' .build-fuzz/$target.log | tail -1 | grep -o '[0-9]*$')
    printf 'fuzz: %-9s %9s executions in %6.1f s, 0 crashes, coverage %s edges, peak RSS %s MB\n' "$target" "$execs" "$(awk "BEGIN { print $end - $start }")" "$cov" "$peak"
done
