#!/bin/sh
# scripts/build-wolfssl-cid.sh - builds a wolfSSL with DTLS 1.2 connection IDs (RFC 9146)
# and DTLS 1.3 (RFC 9147) for ctests/t_cid.sh and ctests/t_dtls13.sh: its example client
# and server are the independent CID and DTLS 1.3 peer.
#
# Usage: build-wolfssl-cid.sh [OUTDIR]   (default build/wolfssl-cid)
#
# Debian's libwolfssl (5.5.4) is built without WOLFSSL_DTLS_CID, and Mbed TLS 2.28 has the
# pre-RFC draft only (disabled in Debian), so the source comes from the wolfssl-sys crate
# (crates.io; it vendors wolfSSL 5.9.x): taken from the local cargo registry, or fetched
# there with `cargo fetch` on a throw-away manifest. Configured with --enable-dtls
# --enable-dtlscid --enable-dtls13 --enable-curve25519 (X25519: our DTLS 1.3 client's first
# key share) --enable-session-ticket (DTLS 1.3 resumption), static, and only the library and
# examples/{client,server} are built. An existing build lacking one of these is rebuilt.
# Prints the directory holding examples/client/client on success.
set -eu

out="${1:-build/wolfssl-cid}"
version=5.3.0
# What ctests/t_cid.sh and ctests/t_dtls13.sh need of an existing build.
complete() {
    for d in WOLFSSL_DTLS_CID WOLFSSL_DTLS13 HAVE_CURVE25519 HAVE_SESSION_TICKET; do
        grep -q "define $d\$" "$out/wolfssl/options.h" 2> /dev/null || return 1
    done
}
if [ -x "$out/examples/client/client" ] && [ -x "$out/examples/server/server" ] && complete; then
    echo "$out"
    exit 0
fi
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
find_src() {
    for d in "$cargo_home"/registry/src/*/wolfssl-sys-$version/wolfssl-src; do
        [ -f "$d/configure.ac" ] && { echo "$d"; return 0; }
    done
    return 1
}
src="$(find_src || true)"
if [ -z "$src" ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/src"
    printf '[package]\nname = "fetch-wolfssl"\nversion = "0.0.0"\nedition = "2021"\n' \
        > "$tmp/Cargo.toml"
    printf '[dependencies]\nwolfssl-sys = "=%s"\n' "$version" >> "$tmp/Cargo.toml"
    : > "$tmp/src/lib.rs"
    timeout 600 cargo fetch --manifest-path "$tmp/Cargo.toml" > /dev/null 2>&1 || true
    src="$(find_src || true)"
fi
[ -n "$src" ] || { echo "build-wolfssl-cid.sh: no wolfssl-sys $version source" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
# autogen.sh writes into its tree: build in a copy.
cp -R "$src/." "$out/"
cd "$out"
log="$PWD/build.log"
{
    ./autogen.sh
    ./configure --enable-dtls --enable-dtlscid --enable-dtls13 --enable-curve25519 \
        --enable-session-ticket --disable-shared --enable-static --disable-crypttests \
        --disable-benchmark
    make src/libwolfssl.la examples/client/client examples/server/server
} > "$log" 2>&1 || { echo "build-wolfssl-cid.sh: build failed, see $log" >&2; exit 1; }
# The example programs look for the wolfSSL tree by this file; the crate ships no PEM
# files (the tests pass every certificate by path).
touch certs/dh2048.pem
pwd
