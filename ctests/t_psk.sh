# shellcheck shell=bash
# Pre-shared keys (RFC 4279, RFC 5489) and AES-CCM (RFC 6655, RFC 7251) against OpenSSL's
# and GnuTLS's command-line tools, both directions, one test per suite: our s_client/
# s_server with -psk/-psk_identity/-psk_hint (as openssl s_client/s_server spell them).
# Helpers client_vs_openssl_server / openssl_client_vs_server live in t_openssl.sh.

PSK_KEY=00112233445566778899aabbccddeeff
# Every PSK suite we implement, and the ECDHE-ECDSA CCM suites (certificate-based).
PSK_SUITES="PSK-AES128-CCM8 PSK-AES256-CCM8 PSK-AES128-CCM PSK-AES256-CCM PSK-AES128-GCM-SHA256
PSK-AES256-GCM-SHA384 PSK-CHACHA20-POLY1305 ECDHE-PSK-CHACHA20-POLY1305"
CCM_SUITES="ECDHE-ECDSA-AES128-CCM8 ECDHE-ECDSA-AES256-CCM8 ECDHE-ECDSA-AES128-CCM
ECDHE-ECDSA-AES256-CCM"

# our client -> openssl s_server -nocert -psk, with an identity hint.
psk_openssl_server() {
    local suite="$1"
    client_vs_openssl_server -nocert -psk "$PSK_KEY" -psk_hint gateway-7 -cipher "$suite" -- \
        -psk "$PSK_KEY" -cipher "$suite"
    grep -q "Cipher: $suite " cli.err || fail "$suite not negotiated"
    grep -q "^Received PSK identity hint 'gateway-7'$" cli.err || fail "hint not received"
}

# openssl s_client -psk -> our server (which also has a certificate, as s_server does).
psk_openssl_client() {
    local suite="$1"
    openssl_client_vs_server -psk "$PSK_KEY" -psk_hint gateway-7 -cipher "$suite" -- \
        -psk "$PSK_KEY" -cipher "$suite"
    grep -q "Cipher: $suite " srv.err || fail "$suite not negotiated"
    if grep -q 'PSK warning' srv.err; then fail "identity Client_identity not seen"; fi
}

ccm_openssl_server() {
    client_vs_openssl_server "${OSSL_SRV_CERT[@]}" -cipher "$1" -- -cipher "$1"
    grep -q "Cipher: $1 " cli.err || fail "$1 not negotiated"
}

ccm_openssl_client() {
    openssl_client_vs_server -cipher "$1" -- -cipher "$1"
    grep -q "Cipher: $1 " srv.err || fail "$1 not negotiated"
}

# A client that offers only PSK suites but has no PSK key fails locally (OpenSSL: no
# ciphers available), without sending anything.
test_psk_without_callback_offers_nothing() {
    need openssl
    "$BINDIR/rdtls-s_client" -connect 127.0.0.1:9 -cipher PSK-AES128-CCM8 < /dev/null \
        > cli.out 2> cli.err && fail "handshake without a PSK succeeded"
    grep -qi 'no cipher' cli.err || fail "no 'no ciphers' reason: $(cat cli.err)"
}

for s in $PSK_SUITES; do
    n=${s//-/_}
    eval "test_psk_openssl_server_$n() { psk_openssl_server $s; }"
    eval "test_psk_openssl_client_$n() { psk_openssl_client $s; }"
done
for s in $CCM_SUITES; do
    n=${s//-/_}
    eval "test_ccm_openssl_server_$n() { ccm_openssl_server $s; }"
    eval "test_ccm_openssl_client_$n() { ccm_openssl_client $s; }"
done
