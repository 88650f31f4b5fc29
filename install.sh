#!/bin/sh
# Installs the samuel binary from a GitHub release:
#
#   curl -fsSL https://github.com/samuel-cli/samuel/releases/latest/download/install.sh | sh
#   curl -fsSL .../install.sh | sh -s -- v2.2.0          # a given release
#
# Downloads samuel-<os>-<arch> and SHA256SUMS for the release, checks the binary's sha256 against
# SHA256SUMS (refusing on any mismatch, with nothing installed), and moves it into place atomically.
#
# Environment (all optional):
#   SAMUEL_VERSION       release tag, e.g. v2.2.0 (default: the first argument, else latest)
#   SAMUEL_INSTALL_DIR   where the binary goes (default: $HOME/.local/bin)
#   SAMUEL_REPO          GitHub repository publishing the releases (default below)
#   SAMUEL_DOWNLOAD_URL  base URL of release downloads; files are fetched from
#                        $SAMUEL_DOWNLOAD_URL/<version>/<file> (default: GitHub releases of SAMUEL_REPO)
#   SAMUEL_TARGET        asset suffix to install instead of the detected one, e.g. linux-arm64
#   SAMUEL_VERIFY_SIGNATURE=1  also verify SHA256SUMS.bundle with cosign (keyless, the release workflow's
#                        GitHub identity); refuses when cosign is missing or the signature does not verify
#
# POSIX sh only (tested with dash): no bashisms.
set -eu

DEFAULT_REPO="samuel-cli/samuel"
REPO="${SAMUEL_REPO:-$DEFAULT_REPO}"
VERSION="${SAMUEL_VERSION:-${1:-latest}}"
INSTALL_DIR="${SAMUEL_INSTALL_DIR:-${HOME:?HOME is not set; set SAMUEL_INSTALL_DIR}/.local/bin}"

say() { printf 'samuel-install: %s\n' "$*" >&2; }
fail() {
  say "error: $1"
  [ $# -gt 1 ] && say "  fix: $2"
  exit 1
}

case "$VERSION" in
  latest | v*) ;;
  [0-9]*) VERSION="v$VERSION" ;;
  *) fail "version \"$VERSION\" is not a release tag" "pass a tag such as v2.2.0, or nothing for the latest release" ;;
esac

# --- target -------------------------------------------------------------------------------------
detect_target() {
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$os" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
    *) fail "unsupported operating system: $os" "samuel ships for Linux, macOS and Windows; run it with \`deno run\` instead (see the README)" ;;
  esac
  case "$arch" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "unsupported CPU architecture: $arch" "samuel ships for x64 and arm64; run it with \`deno run\` instead (see the README)" ;;
  esac
  # Apple Silicon running a Rosetta shell reports x86_64: prefer the native build.
  if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
    arch=arm64
  fi
  if [ "$os" = windows ] && [ "$arch" != x64 ]; then
    fail "unsupported target: windows-$arch" "samuel ships for Windows x64 only"
  fi
  echo "$os-$arch"
}

TARGET="${SAMUEL_TARGET:-$(detect_target)}"
case "$TARGET" in
  windows-*) ASSET="samuel-$TARGET.exe"; BIN_NAME="samuel.exe" ;;
  *) ASSET="samuel-$TARGET"; BIN_NAME="samuel" ;;
esac

if [ -n "${SAMUEL_DOWNLOAD_URL:-}" ]; then
  BASE="${SAMUEL_DOWNLOAD_URL%/}/$VERSION"
elif [ "$VERSION" = latest ]; then
  BASE="https://github.com/$REPO/releases/latest/download"
else
  BASE="https://github.com/$REPO/releases/download/$VERSION"
fi

# --- download -----------------------------------------------------------------------------------
TMP="$(mktemp -d 2>/dev/null || mktemp -d -t samuel-install)"
STAGED=""
cleanup() {
  rm -rf "$TMP"
  [ -n "$STAGED" ] && rm -f "$STAGED"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# download URL FILE: fails with the HTTP status when the server answers with an error.
download() {
  if command -v curl >/dev/null 2>&1; then
    status="$(curl -sSL --retry 2 -o "$2" -w '%{http_code}' "$1" 2>"$TMP/curl.err")" || {
      fail "could not download $1: $(cat "$TMP/curl.err")" "check your network connection (and proxy settings), then retry"
    }
    case "$status" in
      2??) ;;
      404) fail "not found (HTTP 404): $1" "check that release $VERSION exists and publishes $ASSET (https://github.com/$REPO/releases)" ;;
      *) fail "download failed (HTTP $status): $1" "retry later; if it persists, download $ASSET by hand from https://github.com/$REPO/releases" ;;
    esac
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" 2>"$TMP/wget.err" || {
      fail "could not download $1 (not found, or a network error)" "check that release $VERSION exists and publishes $ASSET (https://github.com/$REPO/releases)"
    }
  else
    fail "neither curl nor wget is installed" "install curl, then run this again"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    fail "no sha256 tool found (sha256sum, shasum or openssl)" "install coreutils (sha256sum), then run this again"
  fi
}

say "downloading $ASSET ($VERSION) from $BASE"
download "$BASE/SHA256SUMS" "$TMP/SHA256SUMS"
download "$BASE/$ASSET" "$TMP/$ASSET"

# --- verify -------------------------------------------------------------------------------------
# SHA256SUMS lines are "<hex>  <name>" (or "<hex> *<name>" in binary mode).
expected="$(awk -v f="$ASSET" '$2 == f || $2 == "*" f { print tolower($1); exit }' "$TMP/SHA256SUMS")"
[ -n "$expected" ] || fail "SHA256SUMS of $VERSION has no entry for $ASSET" "this release does not ship $ASSET; pick another version or set SAMUEL_TARGET"
actual="$(sha256_of "$TMP/$ASSET" | tr 'A-F' 'a-f')"
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $ASSET: expected $expected, got $actual; nothing was installed" \
    "the download was corrupted or tampered with; retry, and report it if it happens again"
fi

if [ "${SAMUEL_VERIFY_SIGNATURE:-0}" = 1 ]; then
  command -v cosign >/dev/null 2>&1 || fail "SAMUEL_VERIFY_SIGNATURE=1 needs cosign" "install cosign (https://docs.sigstore.dev), or unset SAMUEL_VERIFY_SIGNATURE"
  download "$BASE/SHA256SUMS.bundle" "$TMP/SHA256SUMS.bundle"
  cosign verify-blob --bundle "$TMP/SHA256SUMS.bundle" \
    --certificate-identity-regexp "^https://github\\.com/$REPO/\\.github/workflows/release\\.yml@refs/tags/v" \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com "$TMP/SHA256SUMS" >/dev/null 2>"$TMP/cosign.err" ||
    fail "the signature of SHA256SUMS does not verify: $(cat "$TMP/cosign.err")" "do not use this download; report it"
  say "signature of SHA256SUMS verified (signed by $REPO's release workflow)"
fi

# --- install (atomic: stage next to the target, then rename over it) ----------------------------
mkdir -p "$INSTALL_DIR" || fail "cannot create $INSTALL_DIR" "set SAMUEL_INSTALL_DIR to a folder you can write"
STAGED="$INSTALL_DIR/.$BIN_NAME.install.$$"
cp "$TMP/$ASSET" "$STAGED" || fail "cannot write to $INSTALL_DIR" "set SAMUEL_INSTALL_DIR to a folder you can write"
chmod 755 "$STAGED"
mv -f "$STAGED" "$INSTALL_DIR/$BIN_NAME" || fail "cannot replace $INSTALL_DIR/$BIN_NAME" "is it running? close it and retry"
STAGED=""

say "installed $INSTALL_DIR/$BIN_NAME ($VERSION, sha256 $actual)"
case ":${PATH:-}:" in
  *":$INSTALL_DIR:"*) ;;
  *) say "note: $INSTALL_DIR is not on your PATH; add it, e.g. export PATH=\"$INSTALL_DIR:\$PATH\"" ;;
esac
