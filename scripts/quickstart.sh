#!/usr/bin/env bash
# The main job on its embedded defaults: build Tandem, run a service with its sidecars on this machine
# (examples/tandem/web.yml: a web app, a proxy gated on its health, a metrics sidecar, a log router);
# start the catalog on an embedded SQLite file, publish a sidecar to it and run a service that takes
# its sidecar from there (examples/tandem/shop.yml); then check every example format and show the same
# definitions converted and rendered for other engines.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/quiet-build.sh
# Without the PostgreSQL trait: the demo's catalog is on embedded SQLite, and PostgresNIO with swift-crypto
# would add about a quarter to a cold build (docs/performance.md). `swift build` builds everything.
quiet_build .build/logs/quickstart-build.log --product tandem --disable-default-traits
tandem="$(swift build --show-bin-path)/tandem"

work="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$server" ] && wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
# The examples listen on 8080 and 8081; the demo runs copies of them on ports that are free here.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
web_port="$(free_port)"
shop_port="$(free_port)"
sed "s/8080/$web_port/g" examples/tandem/web.yml > "$work/web.yml"
sed "s/8081/$shop_port/g" examples/tandem/shop.yml > "$work/shop.yml"
sed "s/8081/$shop_port/g" examples/mia/request-logger.yaml > "$work/request-logger.yaml"

echo
echo "== tandem run examples/tandem/web.yml --stop-after 4s   (on port $web_port)"
# The metrics sidecar reads its token from the host's environment (never from the manifest).
METRICS_TOKEN="${METRICS_TOKEN:-quickstart-token}" "$tandem" run "$work/web.yml" --stop-after 4s --report /tmp/tandem-quickstart-report.json \
  --timeline /tmp/tandem-quickstart-timeline.svg
"$tandem" graph examples/tandem/web.yml --out /tmp/tandem-quickstart-graph.svg
echo "(report: /tmp/tandem-quickstart-report.json; pictures: /tmp/tandem-quickstart-timeline.svg, /tmp/tandem-quickstart-graph.svg)"

echo
echo "== the catalog on embedded SQLite: serve it, publish a sidecar, run a service that uses it"
# Contexts go to this run's own folder, not to your ~/.config.
export XDG_CONFIG_HOME="$work/config"
"$tandem" catalog token create --company-id acme --role admin --name quickstart --database "$work/catalog.sqlite" > "$work/token"
"$tandem" catalog serve --database "$work/catalog.sqlite" --port 0 --port-file "$work/port" --log-level notice &
server=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
"$tandem" context set quickstart --endpoint "http://127.0.0.1:$(cat "$work/port")" --company-id acme --token-file "$work/token"
echo "\$ tandem marketplace apply -f examples/mia/request-logger.yaml"
"$tandem" marketplace apply -f "$work/request-logger.yaml"
echo "\$ tandem marketplace list"
"$tandem" marketplace list
echo "\$ tandem run examples/tandem/shop.yml --stop-after 3s   (its sidecar resolved from the catalog; on port $shop_port)"
"$tandem" run "$work/shop.yml" --stop-after 3s

echo
echo "== tandem validate examples"
"$tandem" validate examples

echo
echo "== tandem convert examples/copilot/api.yml --to tandem"
"$tandem" convert examples/copilot/api.yml --to tandem

echo
echo "== tandem convert examples/cloudfoundry/app --to cf-manifest"
"$tandem" convert examples/cloudfoundry/app --to cf-manifest

echo
echo "== tandem render --target kubernetes examples/tandem/web.yml (native sidecars; losses on stderr)"
"$tandem" render --target kubernetes examples/tandem/web.yml

echo
echo "== tandem validate Tests/TandemCLITests/Fixtures/invalid/copilot.yml (a broken manifest)"
"$tandem" validate Tests/TandemCLITests/Fixtures/invalid/copilot.yml || echo "(exit status $?: invalid, as expected)"
