#!/usr/bin/env bash
# Prints the path of a Deno 2.9.x binary, installing the pinned release from the npm registry into
# .tools/ when none is available. Everything else in scripts/ runs Deno through this.
set -euo pipefail
PIN="2.9.6"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
local_bin="$root/.tools/node_modules/.bin/deno"

is_pinned() { "$1" --version 2>/dev/null | head -n1 | grep -q "^deno 2\.9\."; }

if [ -x "$local_bin" ] && is_pinned "$local_bin"; then
  echo "$local_bin"; exit 0
fi
if command -v deno >/dev/null 2>&1 && is_pinned "$(command -v deno)"; then
  command -v deno; exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "samuel setup: Deno $PIN is missing and npm is not available to install it." >&2
  echo "  fix: install Node.js (which brings npm), or Deno $PIN, then run this again" >&2
  exit 1
fi
echo "samuel setup: installing Deno $PIN from the npm registry into .tools/ ..." >&2
mkdir -p "$root/.tools"
( cd "$root/.tools" && npm install --no-audit --no-fund --loglevel=error --prefix "$root/.tools" "deno@$PIN" >&2 )
if ! is_pinned "$local_bin"; then
  echo "samuel setup: the npm package deno@$PIN did not provide a working binary at $local_bin" >&2
  exit 1
fi
echo "$local_bin"
