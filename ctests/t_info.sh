# shellcheck shell=bash
# The info callback as OpenSSL 3.0 fires it (ctests/info_seq.c): every (side, where,
# SSL_state_string, SSL_state_string_long, ret) of a full and a resumed handshake, with and
# without a cookie exchange, and of a client failing on an untrusted certificate (its fatal
# alert: SSL_CB_WRITE_ALERT with OpenSSL's level<<8|description value), identical under
# rdtls and under the system OpenSSL.

# info_seq_same [cookie|untrusted|msg|read]
info_seq_same() {
    local ossl="$BUILD/ctests-openssl/info_seq"
    [ -x "$ossl" ] || fail "missing $ossl (make ctest-progs RDTLS_BACKEND=openssl)"
    timeout 30 "$ossl" "$CERTDIR/server.pem" "$CERTDIR/server.key" "$CERTDIR/ca.pem" "$@" \
        > openssl.txt || fail "info_seq failed under OpenSSL"
    # The reference is OpenSSL 3.0's DTLS 1.2 state machine (it has no 1.3): ours pinned to
    # 1.2 by the environment (1.3's callbacks: hooks13_listen_callbacks_13).
    RDTLS_MAX_PROTO=DTLSv1.2 timeout 30 "$CTDIR/info_seq" "$CERTDIR/server.pem" \
        "$CERTDIR/server.key" "$CERTDIR/ca.pem" "$@" > ours.txt ||
        fail "info_seq failed under $RDTLS_BACKEND"
    if [ "${1:-}" = untrusted ]; then
        grep -q '^C WRITE|ALERT alert=fatal:unknown CA ret=560$' ours.txt || fail "no alert"
    else
        grep -q '^-- client done, server done, resumed 1$' ours.txt || fail "no resumption"
        [ "$(grep -c 'LOOP' ours.txt)" -gt 30 ] || fail "too few SSL_CB_LOOP events"
    fi
    diff openssl.txt ours.txt || fail "info callback sequences differ (< OpenSSL, > ours)"
}

test_info_callback_sequence() {
    info_seq_same
}

test_info_callback_sequence_cookie() {
    info_seq_same cookie
}

test_info_callback_failure() {
    info_seq_same untrusted
}

# The message callback interleaved with the info callback: handshake messages, CCS and
# alerts and record headers (SSL3_RT_HEADER) in OpenSSL's order, with a cookie exchange.
test_info_msg_callback_sequence() {
    info_seq_same msg
    grep -q '^C msg >>> version=fefd type=20 len=1$' ours.txt || fail "no ChangeCipherSpec"
    grep -q '^S msg >>> version=0000 type=256 record=22 epoch=0$' ours.txt ||
        fail "no record header"
}

# The same handshakes driven by SSL_read (an implicit handshake), as servers often do.
test_info_callback_sequence_read() {
    info_seq_same read
}

# A server that starts with DTLSv1_listen (stateless HelloVerifyRequest, no info events)
# and continues with SSL_accept on the same SSL: the sequence after listen, including
# OpenSSL's repeated "before SSL initialization" LOOP, as OpenSSL 3.0 fires it.
test_info_callback_sequence_listen() {
    info_seq_same listen
    [ "$(grep -c '^S DTLSv1_listen ret=1$' ours.txt)" -eq 2 ] || fail "listen did not return 1"
}

# A client-initiated renegotiation (SSL_renegotiate + SSL_do_handshake; the server in
# SSL_read, SSL_OP_ALLOW_CLIENT_RENEGOTIATION): HANDSHAKE_START from "SSL negotiation
# finished successfully", the states, the server's SSL_CB_ACCEPT_EXIT from SSL_read and
# HANDSHAKE_DONE, as OpenSSL 3.0 fires them (issue 8 item 4); also SSL_renegotiate under
# SSL_OP_NO_RENEGOTIATION, SSL_renegotiate_pending and the renegotiation counters.
test_info_callback_sequence_reneg() {
    info_seq_same reneg
    grep -q '^-- renegotiation: pending 0, finished 1/1$' ours.txt || fail "no renegotiation"
    [ "$(grep -c 'HANDSHAKE_DONE' ours.txt)" -eq 6 ] || fail "expected 6 HANDSHAKE_DONE"
}
