#!/usr/bin/env bash
# The one-command demo on an embedded default: installs Deno when missing, creates a throw-away project
# with `samuel init`, validates the bundled example manifest, then builds the sample plugin
# examples/hello-wasm from its WebAssembly text (no Go or clang needed), installs it from file:// (unsigned),
# runs its `greet` export in the sandbox and checks everything with `samuel doctor`. The project and a
# private SAMUEL_HOME (module cache) are temporary and removed at the end; the only file left is the
# built examples/hello-wasm/plugin.wasm (git-ignored, rebuilt only when plugin.wat changes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DENO="$("$root/scripts/ensure-deno.sh")"
flags=(--allow-read --allow-write --allow-env --allow-net --allow-run --allow-sys --unstable-worker-options)
samuel() { "$DENO" run -q "${flags[@]}" "$root/main.ts" "$@"; }
project="$(mktemp -d)"
export SAMUEL_HOME
SAMUEL_HOME="$(mktemp -d)"
trap 'rm -rf "$project" "$SAMUEL_HOME"' EXIT
cd "$project"
echo "== samuel version"
samuel version
echo "== samuel init (in a temporary project: $project; SAMUEL_HOME=$SAMUEL_HOME)"
samuel init
echo "== samuel plugin validate examples/manifests/hello"
samuel plugin validate "$root/examples/manifests/hello"
echo "== build the sample plugin: examples/hello-wasm/build.sh (plugin.wat -> plugin.wasm, git-ignored)"
DENO="$DENO" bash "$root/examples/hello-wasm/build.sh"
echo "== samuel install file://$root/examples/hello-wasm --allow-unsigned --yes"
samuel install "file://$root/examples/hello-wasm" --allow-unsigned --yes
echo "# a project" > "$project/README.md"
echo "== samuel run hello-wasm greet (in the sandbox: it sees /workspace, read-only, and nothing else)"
echo '{"name": "samuel demo"}' | samuel run hello-wasm greet --input -
echo "== samuel doctor"
samuel doctor
echo "== demo finished: all steps succeeded"
