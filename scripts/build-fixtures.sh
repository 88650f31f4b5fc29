#!/usr/bin/env bash
# Rebuilds every test fixture from its committed sources: runs each tests/fixtures/*/build.sh and
# examples/*/build.sh (each writes only into its own build/ folder and skips work that is up to date).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DENO="${DENO:-$("$root/scripts/ensure-deno.sh")}"
export PATH="$PATH:/usr/local/go/bin"
for script in "$root"/tests/fixtures/*/build.sh "$root"/examples/*/build.sh; do
  [ -f "$script" ] || continue
  ( cd "$(dirname "$script")" && bash "$script" ) || { echo "fixture build failed: $script" >&2; exit 1; }
done
