#!/usr/bin/env bash
# Renders every example for every target with the real CLI and checks each file with the engines' own
# validators (../shared/validators: kubernetes-validate with the API server's sidecar rules, botocore and
# cfn-lint, the Compose Specification schema, the Cloud Foundry rules). Usage: validate-renders.sh [TANDEM]
set -euo pipefail
cd "$(dirname "$0")/.."
tandem="${1:-$(swift build --show-bin-path)/tandem}"
validators="$(cd .. && pwd)/shared/validators"
[ -x "$validators/validate.sh" ] || { echo "validate-renders: $validators/validate.sh not found" >&2; exit 2; }
"$validators/install.sh" --quiet >/dev/null

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
declare -A kind=([kubernetes]=k8s [ecs]=ecs-taskdef [cloudformation]=cfn [compose]=compose [cloudfoundry]=cf-manifest)
# Each example with the images a pipeline would give where the input has none.
examples=(
  "web|examples/tandem/web.yml"
  "api|examples/copilot/api.yml|--image|api=123456789012.dkr.ecr.us-west-2.amazonaws.com/api:1.0"
  "cf|examples/cloudfoundry/manifest.yml|--image|web=ghcr.io/acme/my-app:1|--image|worker=ghcr.io/acme/my-app:1|--image|authenticator=ghcr.io/acme/auth:2|--image|performance monitor=ghcr.io/acme/perf:3"
  "cfapp|examples/cloudfoundry/app|--image|web=ghcr.io/acme/app:1|--image|worker=ghcr.io/acme/app:1|--image|config-server=ghcr.io/acme/config:1|--image|metrics=ghcr.io/acme/metrics:1"
  "shop|examples/tandem/shop.yml|--catalog-dir|examples/mia"
  "mia|examples/mia/audit-trail.json|--service|orders|--image|ghcr.io/acme/orders:1.0"
  "attached|examples/tandem/web.yml|--attach|examples/mia/audit-trail.json"
  "catalog|examples/tandem/orders-with-catalog.yml|--catalog-dir|examples/mia"
)
passed=0 failed=0
for entry in "${examples[@]}"; do
  IFS='|' read -r -a parts <<< "$entry"
  name="${parts[0]}" input="${parts[1]}" extra=("${parts[@]:2}")
  for target in kubernetes ecs cloudformation compose cloudfoundry; do
    dir="$out/$name-$target"
    if ! "$tandem" render --target "$target" "$input" "${extra[@]}" --out "$dir" 2>"$dir.log"; then
      echo "FAIL render $name --target $target"; grep -v warning "$dir.log" || true
      failed=$((failed + 1)); continue
    fi
    file="$(ls "$dir"/*)"
    if "$validators/validate.sh" "${kind[$target]}" "$file" >"$dir.check" 2>&1; then
      passed=$((passed + 1))
    else
      echo "FAIL validate $name --target $target"; grep -E "ERROR|INVALID" "$dir.check" || cat "$dir.check"
      failed=$((failed + 1))
    fi
  done
done
# Copilot's own manifests (its render tests' data), as Copilot deploys them to each environment.
conformance="$(cd .. && pwd)/shared/conformance/copilot/workloads"
for entry in svc-manifest.yml:test svc-manifest.yml:staging svc-manifest.yml:prod svc-nlb-manifest.yml:test svc-nlb-manifest.yml:dev \
  svc-nlb-manifest.yml:prod job-manifest.yml:test worker-manifest.yml:test backend/http-full-config-manifest.yml:my-env backend/simple-manifest.yml:my-env; do
  manifest="${entry%%:*}" env="${entry##*:}"
  dir="$out/copilot-${manifest//\//-}-$env"
  if ! TAG=cicdtest "$tandem" render --target cloudformation "$conformance/$manifest" --env "$env" --app my-app --out "$dir" 2>"$dir.log"; then
    echo "FAIL render $manifest --env $env"; grep -v warning "$dir.log" || true
    failed=$((failed + 1)); continue
  fi
  if "$validators/validate.sh" cfn "$dir/cloudformation.yaml" >"$dir.check" 2>&1; then
    passed=$((passed + 1))
  else
    echo "FAIL validate $manifest --env $env"; grep -E "ERROR|INVALID" "$dir.check" || cat "$dir.check"
    failed=$((failed + 1))
  fi
  # The same as an ECS task definition, with the main image a pipeline would give.
  main="$(sed -n 's/^name: *//p' "$conformance/$manifest" | head -1)"
  if ! TAG=cicdtest "$tandem" render --target ecs "$conformance/$manifest" --env "$env" --app my-app --account 123456789123 --region us-west-2 \
    --image "$main=123456789123.dkr.ecr.us-west-2.amazonaws.com/$main:1" --out "$dir-ecs" 2>"$dir-ecs.log"; then
    echo "FAIL render $manifest --env $env --target ecs"; grep -v warning "$dir-ecs.log" || true
    failed=$((failed + 1)); continue
  fi
  if "$validators/validate.sh" ecs-taskdef "$dir-ecs/ecs-task-definition.json" >"$dir-ecs.check" 2>&1; then
    passed=$((passed + 1))
  else
    echo "FAIL validate $manifest --env $env --target ecs"; grep -E "ERROR|INVALID" "$dir-ecs.check" || cat "$dir-ecs.check"
    failed=$((failed + 1))
  fi
done
echo "rendered files checked by the engines' validators:"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
