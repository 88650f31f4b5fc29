#!/usr/bin/env bash
# Makes sure the toolchains the tests build fixtures and scaffolded plugins with are present:
# - clang + lld + wasi-libc (Debian packages) for C fixtures;
# - Rust with a WASI preview1 standard library for the Rust fixture and the Rust scaffold: any rustc whose
#   sysroot has wasm32-wasip1 or wasm32-wasi (scripts/rust-wasm.sh), else Debian's rustc, cargo and
#   libstd-rust-dev-wasm32 (Rust 1.63, target wasm32-wasi; a rustup toolchain cannot download a target here);
# - Go for wasip1 fixtures;
# - the AssemblyScript compiler and WASI shim from npm, pinned, into .tools/assemblyscript (git-ignored),
#   for the AssemblyScript scaffold's tests.
# Installs the Debian packages when running as root; otherwise says what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASC_VERSION="0.28.20"
WASI_SHIM_VERSION="0.1.0"

need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v wasm-ld >/dev/null 2>&1 || command -v wasm-ld-14 >/dev/null 2>&1 || need_apt+=(lld)
[ -d /usr/include/wasm32-wasi ] || need_apt+=(wasi-libc)
ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 || need_apt+=(libclang-rt-14-dev-wasm32)
bash "$root/scripts/rust-wasm.sh" >/dev/null || need_apt+=(rustc cargo libstd-rust-dev-wasm32)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "samuel setup: installing ${need_apt[*]} with apt-get ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${need_apt[@]}" >&2
  else
    echo "samuel setup: missing ${need_apt[*]}; install them (Debian: apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  echo "samuel setup: Go (1.21+) is needed to build the wasip1 test plugins; install it from your distribution" >&2
  exit 1
fi

asc_dir="$root/.tools/assemblyscript"
asc_pkg="$asc_dir/node_modules/assemblyscript/package.json"
shim_pkg="$asc_dir/node_modules/@assemblyscript/wasi-shim/package.json"
if ! grep -q "\"version\": \"$ASC_VERSION\"" "$asc_pkg" 2>/dev/null ||
  ! grep -q "\"version\": \"$WASI_SHIM_VERSION\"" "$shim_pkg" 2>/dev/null; then
  echo "samuel setup: installing assemblyscript@$ASC_VERSION and @assemblyscript/wasi-shim@$WASI_SHIM_VERSION into .tools/assemblyscript ..." >&2
  mkdir -p "$asc_dir"
  [ -f "$asc_dir/package.json" ] || echo '{ "private": true }' >"$asc_dir/package.json"
  npm install --prefix "$asc_dir" --no-audit --no-fund --loglevel=error \
    "assemblyscript@$ASC_VERSION" "@assemblyscript/wasi-shim@$WASI_SHIM_VERSION" >&2
fi
