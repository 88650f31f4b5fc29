#!/usr/bin/env bash
# Finds a Rust toolchain that can build WASI preview1 modules and prints it as shell assignments:
#   RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo TARGET=wasm32-wasi
# The first rustc (on PATH, then Debian's /usr/bin) whose sysroot holds the standard library for
# wasm32-wasip1 (Rust 1.78+) or wasm32-wasi (older, e.g. Debian's 1.63) wins; its cargo is the one next
# to it. Exits 1, printing nothing, when there is none. Used by scripts/build-fixtures.sh and the Rust
# plugin tests (tests/authoring), so both pick the same compiler.
set -uo pipefail
candidates=()
if command -v rustc >/dev/null 2>&1; then candidates+=("$(command -v rustc)"); fi
[ -x /usr/bin/rustc ] && candidates+=(/usr/bin/rustc)
for rustc in "${candidates[@]}"; do
  sysroot="$("$rustc" --print sysroot 2>/dev/null)" || continue
  for target in wasm32-wasip1 wasm32-wasi; do
    [ -d "$sysroot/lib/rustlib/$target" ] || continue
    cargo="$(dirname "$rustc")/cargo"
    [ -x "$cargo" ] || continue
    echo "RUSTC=$rustc CARGO=$cargo TARGET=$target"
    exit 0
  done
done
exit 1
