#!/usr/bin/env bash
# Builds go-guide-wasm with standard Go (TinyGo is not available on every machine that runs the tests):
#   build/plugin.wasm          the reactor samuel runs (-buildmode=c-shared: _initialize + lint, health)
#   build/plugin-command.wasm  a command module whose main runs lint and that imports only WASI
#                              (-tags samuel_standalone), for `samuel plugin exec` and wasmtime
# and copies the reactor to ./plugin.wasm, where samuel-plugin.toml's [wasm].module points, so
# `samuel install file://$PWD --allow-unsigned` works from here. Skips a module that is newer than every
# source file. Called by scripts/build-fixtures.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
GO="${GO_BIN:-$(command -v go || echo /usr/local/go/bin/go)}"
mkdir -p build
sources=(build.sh go.mod $(find cmd internal sdk -name '*.go' ! -name '*_test.go'))
stale() {
  [ -f "$1" ] || return 0
  for s in "${sources[@]}"; do [ "$s" -nt "$1" ] && return 0; done
  return 1
}
export GOOS=wasip1 GOARCH=wasm
# Each module is written to a temp name and renamed, so a concurrent reader never sees half a file.
if stale build/plugin.wasm; then
  "$GO" build -buildmode=c-shared -trimpath -ldflags=-s -o "build/.plugin.wasm.$$" ./cmd
  mv -f "build/.plugin.wasm.$$" build/plugin.wasm
fi
if stale build/plugin-command.wasm; then
  "$GO" build -tags samuel_standalone -trimpath -ldflags=-s -o "build/.plugin-command.wasm.$$" ./cmd
  mv -f "build/.plugin-command.wasm.$$" build/plugin-command.wasm
fi
if ! cmp -s build/plugin.wasm plugin.wasm; then
  cp -f build/plugin.wasm ".plugin.wasm.$$" && mv -f ".plugin.wasm.$$" plugin.wasm
fi
