# shellcheck shell=bash
# The info callback as OpenSSL 3.0 fires it (ctests/info_seq.c): every (side, where,
# SSL_state_string, SSL_state_string_long, ret) of a full and a resumed handshake, with and
# without a cookie exchange, identical under rdtls and under the system OpenSSL.

# info_seq_same [cookie]
info_seq_same() {
    local ossl="$BUILD/ctests-openssl/info_seq"
    [ -x "$ossl" ] || fail "missing $ossl (make ctest-progs RDTLS_BACKEND=openssl)"
    timeout 30 "$ossl" "$CERTDIR/server.pem" "$CERTDIR/server.key" "$CERTDIR/ca.pem" "$@" \
        > openssl.txt || fail "info_seq failed under OpenSSL"
    timeout 30 "$CTDIR/info_seq" "$CERTDIR/server.pem" "$CERTDIR/server.key" \
        "$CERTDIR/ca.pem" "$@" > ours.txt || fail "info_seq failed under $RDTLS_BACKEND"
    grep -q '^-- client done, server done, resumed 1$' ours.txt || fail "no resumed handshake"
    [ "$(grep -c 'LOOP' ours.txt)" -gt 30 ] || fail "too few SSL_CB_LOOP events"
    diff openssl.txt ours.txt || fail "info callback sequences differ (< OpenSSL, > ours)"
}

test_info_callback_sequence() {
    info_seq_same
}

test_info_callback_sequence_cookie() {
    info_seq_same cookie
}
