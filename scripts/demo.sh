#!/usr/bin/env bash
# The one-command demo on an embedded default: installs Deno when missing, creates a throw-away project
# with `samuel init`, and validates the bundled example plugin manifest. Leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DENO="$("$root/scripts/ensure-deno.sh")"
flags=(--allow-read --allow-write --allow-env --allow-net --allow-run --allow-sys --unstable-worker-options)
samuel() { "$DENO" run -q "${flags[@]}" "$root/main.ts" "$@"; }
project="$(mktemp -d)"
trap 'rm -rf "$project"' EXIT
cd "$project"
echo "== samuel version"
samuel version
echo "== samuel init (in a temporary project: $project)"
samuel init
echo "== samuel plugin validate examples/manifests/hello"
samuel plugin validate "$root/examples/manifests/hello"
echo "== demo finished: all steps succeeded"
