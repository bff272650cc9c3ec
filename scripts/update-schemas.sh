#!/usr/bin/env bash
# Writes the JSON Schemas that `tandem schema` prints into schemas/, for editors and other validators.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product tandem >/dev/null
bin="$(swift build --show-bin-path)/tandem"
"$bin" schema tandem > schemas/tandem-manifest.v1.schema.json
for profile in standard marketplace catalog public-catalog; do
  "$bin" schema mia --profile "$profile" > "schemas/mia-sidecar-item.$profile.schema.json"
done
echo "schemas/ updated"
