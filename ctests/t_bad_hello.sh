# shellcheck shell=bash
# A ClientHello with a malformed use_srtp (RFC 5764 §4.1.1) or ALPN (RFC 7301 §3.1)
# extension, crafted by ctests/bad_hello.c (after the HelloVerifyRequest, with the cookie),
# gets the same answer from rdtls-s_server as from openssl s_server -dtls1_2: a fatal
# decode_error alert (RFC 5246 §7.2.2), or a ServerHello where OpenSSL accepts the input.

# bad_hello_same EXT_TYPE HEXDATA EXPECTED [SERVER OPTIONS...]
bad_hello_same() {
    local ty="$1" data="$2" want="$3" port o r
    shift 3
    need openssl
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" "$@"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "openssl s_server did not start"
    o=$(timeout 10 "$CTDIR/bad_hello" "$port" "$ty" "$data") || fail "bad_hello failed"
    feed_close osrv
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" "$@"
    port=$(wait_port srv.err) || fail "server did not start"
    r=$(timeout 10 "$CTDIR/bad_hello" "$port" "$ty" "$data") || fail "bad_hello failed"
    echo "openssl s_server: $o; rdtls-s_server: $r"
    [ "$o" = "$want" ] || fail "openssl s_server answered '$o', not '$want'"
    [ "$r" = "$o" ] || fail "rdtls-s_server answered '$r', openssl s_server '$o'"
}

SRTP_80=(-use_srtp SRTP_AES128_CM_SHA1_80)

test_bad_hello_srtp_odd_list() {
    bad_hello_same 14 00030001000100 "alert 2 50" "${SRTP_80[@]}"
}

test_bad_hello_srtp_mki_overrun() {
    bad_hello_same 14 0002000102 "alert 2 50" "${SRTP_80[@]}"
}

test_bad_hello_srtp_empty_list() {
    bad_hello_same 14 000000 "handshake 2" "${SRTP_80[@]}"
}

test_bad_hello_alpn_empty_list() {
    bad_hello_same 16 0000 "alert 2 50"
}

test_bad_hello_alpn_empty_name() {
    bad_hello_same 16 00020000 "alert 2 50" -alpn coap
}

test_bad_hello_srtp_well_formed() {
    bad_hello_same 14 0002000100 "handshake 2" "${SRTP_80[@]}"
}
