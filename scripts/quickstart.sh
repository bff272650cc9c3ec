#!/usr/bin/env bash
# The main job on its embedded defaults: build Tandem, run a service with its sidecars on this machine
# (examples/tandem/web.yml: a web app, a proxy gated on its health, a metrics sidecar, a log router);
# start the catalog on an embedded SQLite file, publish a sidecar to it and run a service that takes
# its sidecar from there (examples/tandem/shop.yml); then check every example format and show the same
# definitions converted and rendered for other engines.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product tandem
tandem="$(swift build --show-bin-path)/tandem"

echo
echo "== tandem run examples/tandem/web.yml --stop-after 4s"
# The metrics sidecar reads its token from the host's environment (never from the manifest).
METRICS_TOKEN="${METRICS_TOKEN:-quickstart-token}" "$tandem" run examples/tandem/web.yml --stop-after 4s --report /tmp/tandem-quickstart-report.json
echo "(report: /tmp/tandem-quickstart-report.json)"

echo
echo "== the catalog on embedded SQLite: serve it, publish a sidecar, run a service that uses it"
work="$(mktemp -d)"
# Contexts go to this run's own folder, not to your ~/.config.
export XDG_CONFIG_HOME="$work/config"
"$tandem" catalog token create --company-id acme --role admin --name quickstart --database "$work/catalog.sqlite" > "$work/token"
"$tandem" catalog serve --database "$work/catalog.sqlite" --port 0 --port-file "$work/port" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
"$tandem" context set quickstart --endpoint "http://127.0.0.1:$(cat "$work/port")" --company-id acme --token-file "$work/token"
echo "\$ tandem marketplace apply -f examples/mia/request-logger.yaml"
"$tandem" marketplace apply -f examples/mia/request-logger.yaml
echo "\$ tandem marketplace list"
"$tandem" marketplace list
echo "\$ tandem run examples/tandem/shop.yml --stop-after 3s   (its sidecar resolved from the catalog)"
"$tandem" run examples/tandem/shop.yml --stop-after 3s

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
