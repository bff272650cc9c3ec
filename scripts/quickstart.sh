#!/usr/bin/env bash
# The main job on its embedded defaults: build Tandem, check every example (a Mia Marketplace sidecar item,
# a Copilot service with sidecars, a Cloud Foundry app and manifest, a Tandem manifest), and convert one
# definition into the other formats, showing what each target keeps and drops.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product tandem
tandem="$(swift build --show-bin-path)/tandem"

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
