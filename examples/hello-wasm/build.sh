#!/usr/bin/env bash
# Builds examples/hello-wasm/plugin.wasm from plugin.wat with Deno and the wabt npm package (build.ts):
# works on a machine with only Node/npm, since scripts/ensure-deno.sh installs Deno from npm when missing.
# Usage: examples/hello-wasm/build.sh [OUT.wasm]; set DENO to use a given Deno binary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DENO="${DENO:-$("$root/scripts/ensure-deno.sh")}"
# The repository's deno.json maps `wabt` to the pinned npm version (and deno.lock locks it).
exec "$DENO" run -q --config "$root/deno.json" --allow-read --allow-write --allow-env "$here/build.ts" "$@"
