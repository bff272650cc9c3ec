#!/usr/bin/env bash
# The main job on its embedded defaults: build Tandem, run a service with its sidecars on this machine
# (examples/tandem/web.yml: a web app, a proxy gated on its health, a metrics sidecar, a log router), then
# check every example format and show the same definition converted and rendered for other engines.
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
