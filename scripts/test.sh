#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs Deno (pinned, from npm) and the fixture
# toolchains when missing, fetches the locked npm dependencies, rebuilds fixtures from source, runs every
# test, and ends with one summary line `tests: N passed, N failed, N ignored` (an ignored test says why in
# its name: tests/support/needs.ts).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
DENO="$("$root/scripts/ensure-deno.sh")"
export DENO PATH="$(dirname "$DENO"):$PATH:/usr/local/go/bin"
bash "$root/scripts/ensure-toolchain.sh"
"$DENO" install --frozen --quiet
bash "$root/scripts/build-fixtures.sh"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
NO_COLOR=1 "$DENO" test --frozen --allow-all --unstable-worker-options --parallel "$@" tests/ 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n1)"
passed="$(echo "$summary" | sed -E 's/.*\| ([0-9]+) passed.*/\1/')"
failed="$(echo "$summary" | sed -E 's/.*\| ([0-9]+) failed.*/\1/')"
ignored="$(echo "$summary" | grep -oE '[0-9]+ ignored' | grep -oE '[0-9]+' || true)"
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${ignored:-0} ignored"
exit "$status"
