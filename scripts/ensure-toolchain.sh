#!/usr/bin/env bash
# Makes sure the toolchains the tests build fixtures with are present: clang + lld + wasi-libc (Debian
# packages) for C fixtures and Go for wasip1 fixtures. Installs the Debian packages when running as root;
# otherwise says what is missing.
set -euo pipefail
need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v wasm-ld >/dev/null 2>&1 || command -v wasm-ld-14 >/dev/null 2>&1 || need_apt+=(lld)
[ -d /usr/include/wasm32-wasi ] || need_apt+=(wasi-libc)
ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 || need_apt+=(libclang-rt-14-dev-wasm32)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "samuel setup: installing ${need_apt[*]} with apt-get ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq clang lld wasi-libc libclang-rt-14-dev-wasm32 >&2
  else
    echo "samuel setup: missing ${need_apt[*]}; install them (Debian: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)" >&2
    exit 1
  fi
fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  echo "samuel setup: Go (1.21+) is needed to build the wasip1 test plugins; install it from your distribution" >&2
  exit 1
fi
