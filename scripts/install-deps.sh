#!/bin/sh
# Installs the Debian packages that `make test` needs, only those missing:
#   gnutls-bin (GnuTLS interop peers), valgrind, openssl (CLI peers, certificates),
#   libssl-dev (the OpenSSL build of the examples and the benchmark), pkg-config,
#   libsrtp2-dev (ctests/srtp_media.c: SRTP media keyed by DTLS-SRTP), libmbedtls-dev
#   (ctests/mbedtls_srtp_client.c: a Mbed TLS DTLS-SRTP peer), libwolfssl-dev
#   (ctests/wolfssl_client.c: a wolfSSL CCM_8 / PSK peer),
#   socat, ncat, coturn, libcoap3-bin (legacy programs on the drop-in), python3
#   (scripts/check-prototypes.py: headers agree with the Rust exports).
# Then PyPI's DTLSSocket (tinydtls peer of ctests/t_tinydtls.sh) with pip when python3
# cannot import it; its build runs tinydtls's autoconf, so autoconf/automake (and pip) are
# added to the Debian list first.
# Then a wolfSSL with DTLS 1.2 connection IDs (ctests/t_cid.sh; Debian's has none) and
# DTLS 1.3 (ctests/t_dtls13.sh) with
# scripts/build-wolfssl-cid.sh into build/wolfssl-cid, which needs autoconf/automake/libtool.
# Runs `apt-get update` once, quietly, and only when something is missing.
set -eu

missing=""
command -v gnutls-serv > /dev/null 2>&1 || missing="$missing gnutls-bin"
command -v valgrind > /dev/null 2>&1 || missing="$missing valgrind"
command -v openssl > /dev/null 2>&1 || missing="$missing openssl"
command -v pkg-config > /dev/null 2>&1 || missing="$missing pkg-config"
[ -f /usr/include/openssl/ssl.h ] || missing="$missing libssl-dev"
[ -f /usr/include/srtp2/srtp.h ] || missing="$missing libsrtp2-dev"
[ -f /usr/include/mbedtls/ssl.h ] || missing="$missing libmbedtls-dev"
[ -f /usr/include/wolfssl/ssl.h ] || missing="$missing libwolfssl-dev"
# Legacy programs run on the drop-in (ctests/t_legacy.sh, t_dropin_api.sh; issue 8).
command -v socat > /dev/null 2>&1 || missing="$missing socat"
command -v ncat > /dev/null 2>&1 || missing="$missing ncat"
command -v turnserver > /dev/null 2>&1 || missing="$missing coturn"
command -v coap-client-openssl > /dev/null 2>&1 || missing="$missing libcoap3-bin"
command -v ss > /dev/null 2>&1 || missing="$missing iproute2"
command -v python3 > /dev/null 2>&1 || missing="$missing python3"
dtlssocket=""
if ! python3 -c 'import DTLSSocket' > /dev/null 2>&1; then
    dtlssocket=yes
    command -v autoconf > /dev/null 2>&1 || missing="$missing autoconf"
    command -v automake > /dev/null 2>&1 || missing="$missing automake"
    command -v libtoolize > /dev/null 2>&1 || missing="$missing libtool"
    python3 -m pip --version > /dev/null 2>&1 || missing="$missing python3-pip"
fi
wolfcid=""
# An older build without DTLS 1.3, X25519 or tickets (ctests/t_dtls13.sh) is rebuilt.
wolf_opts=build/wolfssl-cid/wolfssl/options.h
if [ ! -x build/wolfssl-cid/examples/client/client ] ||
    ! grep -q 'define WOLFSSL_DTLS13$' "$wolf_opts" 2> /dev/null ||
    ! grep -q 'define HAVE_CURVE25519$' "$wolf_opts" ||
    ! grep -q 'define HAVE_SESSION_TICKET$' "$wolf_opts"; then
    wolfcid=yes
    command -v autoconf > /dev/null 2>&1 || missing="$missing autoconf"
    command -v automake > /dev/null 2>&1 || missing="$missing automake"
    command -v libtoolize > /dev/null 2>&1 || missing="$missing libtool"
fi
# cargo-fuzz (libFuzzer for `make fuzz` and the bounded pass of `make test`; it runs on the
# stable toolchain) from crates.io, when missing.
if ! cargo fuzz --version > /dev/null 2>&1; then
    echo "install-deps: cargo install cargo-fuzz"
    timeout 900 cargo install --locked cargo-fuzz > /dev/null 2>&1 ||
        echo "install-deps: cargo-fuzz did not install (make fuzz-short will say so and skip)" >&2
fi
[ -z "$missing" ] && [ -z "$dtlssocket" ] && [ -z "$wolfcid" ] && exit 0
build_wolfcid() {
    [ -n "$wolfcid" ] || return 0
    echo "install-deps: building wolfSSL with connection IDs (scripts/build-wolfssl-cid.sh)"
    timeout 1800 sh scripts/build-wolfssl-cid.sh build/wolfssl-cid > /dev/null ||
        echo "install-deps: wolfSSL build failed (the wolfSSL CID tests will skip)" >&2
}

if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo > /dev/null 2>&1; then
    SUDO="sudo -n"
else
    echo "install-deps: missing packages:$missing (not root; the tests needing them will fail)" >&2
    build_wolfcid
    exit 0
fi
if [ -n "$missing" ]; then
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086 # $SUDO is empty or "sudo -n"
    timeout 600 $SUDO apt-get update -qq > /dev/null
    # shellcheck disable=SC2086
    timeout 900 $SUDO apt-get install -y -qq --no-install-recommends $missing > /dev/null
fi
if [ -n "$dtlssocket" ]; then
    # Debian's python3 is "externally managed" (PEP 668): retry with
    # --break-system-packages. A failure only makes the tinydtls tests skip.
    echo "install-deps: pip install DTLSSocket"
    # shellcheck disable=SC2086
    timeout 900 $SUDO python3 -m pip install -q DTLSSocket > /dev/null 2>&1 ||
        timeout 900 $SUDO python3 -m pip install -q --break-system-packages DTLSSocket \
            > /dev/null 2>&1 ||
        echo "install-deps: pip install DTLSSocket failed (tinydtls tests will skip)" >&2
fi
build_wolfcid
