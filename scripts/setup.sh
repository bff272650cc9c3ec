#!/usr/bin/env bash
# Installs what Tandem's tests and benchmarks need beyond the Swift toolchain, idempotently:
# a private Python environment (under .build-py/, git-ignored) with pinned jsonschema for the
# differential test against the Mia schemas. Safe to run again; a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build-py/venv
requirements=scripts/requirements.txt
stamp="$venv/.installed-$(sha256sum "$requirements" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if ! python3 -m venv --help >/dev/null 2>&1; then
    echo "setup: python3 has no venv module; installing python3-venv" >&2
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  touch "$stamp"
fi
echo "setup: Python tools ready in $venv"

# tandem stage unpacks zipped buildpacks with unzip (its tests zip one); tandem graph's SVG is checked
# with xmllint (libxml2-utils); the catalog's web page is tested in Debian's headless chromium, driven
# through chromium-driver.
missing=()
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
