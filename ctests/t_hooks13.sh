# shellcheck shell=bash
# The server callbacks of a legacy DTLS server on DTLS 1.3 (issue 13): ctests/hooks13.c
# runs a server using DTLSv1_listen with cookie callbacks, a client-hello callback, an ALPN
# select callback and a key log callback against a client in the same process (loopback
# UDP). With both ends allowing DTLS 1.3 the handshake is DTLS 1.3 (the listener answered
# with the HelloRetryRequest cookie, the application's cookie inside it) and every callback
# ran; capped at DTLS 1.2, it prints exactly what the system OpenSSL build prints.

test_hooks13_listen_callbacks_13() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "DTLS 1.3 is rdtls's (OpenSSL 3.0 has none)"
    [ -x "$CTDIR/hooks13" ] || fail "missing $CTDIR/hooks13 (make ctest-progs)"
    timeout "$PROC_TIMEOUT" "$CTDIR/hooks13" "$CERTDIR" 13 > out 2> err ||
        { cat out err; fail "hooks13 failed"; }
    cat out err
    grep -q '^version: client DTLSv1.3 server DTLSv1.3$' out || fail "not DTLS 1.3"
    grep -q '^first server message type: 2$' out ||
        fail "DTLSv1_listen did not answer with a HelloRetryRequest"
    # Verify runs twice, as OpenSSL 3.0 does on 1.2 (hooks13_listen_callbacks_12_like_openssl
    # diffs the counts): once in DTLSv1_listen, once when SSL_accept processes the ClientHello.
    grep -q '^cookie callbacks: generate 1 verify 2 verify_ok 2$' out ||
        fail "the cookie callbacks did not run as on 1.2"
    grep -q '^client_hello callback: 1 legacy_version 0xfefd sni 1 alpn 1$' out ||
        fail "the client-hello callback did not see the 1.3 ClientHello"
    grep -q '^supported_versions in ClientHello: 1$' out || fail "no supported_versions"
    grep -q '^servername callback: 1 name localhost; after the handshake localhost$' out ||
        fail "the servername callback / SSL_get_servername on 1.3"
    grep -q '^alpn select callback: 1 offered h2,coap$' out || fail "no ALPN callback"
    grep -q '^alpn: client coap server coap$' out || fail "ALPN not in EncryptedExtensions"
    local labels="CLIENT_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 EXPORTER_SECRET"
    labels+=" SERVER_HANDSHAKE_TRAFFIC_SECRET SERVER_TRAFFIC_SECRET_0"
    grep -q "^keylog client: $labels\$" out || fail "client key log lines"
    grep -q "^keylog server: $labels\$" out || fail "server key log lines"
    grep -q '^data: ok$' out || fail "no data"
}

test_hooks13_listen_callbacks_12_like_openssl() {
    local ossl="$BUILD/ctests-openssl/hooks13"
    [ -x "$ossl" ] || fail "missing $ossl (make ctest-progs RDTLS_BACKEND=openssl)"
    [ -x "$CTDIR/hooks13" ] || fail "missing $CTDIR/hooks13 (make ctest-progs)"
    timeout "$PROC_TIMEOUT" "$ossl" "$CERTDIR" 12 > openssl.txt ||
        fail "hooks13 failed under OpenSSL"
    timeout "$PROC_TIMEOUT" "$CTDIR/hooks13" "$CERTDIR" 12 > ours.txt ||
        fail "hooks13 failed under $RDTLS_BACKEND"
    cat ours.txt
    grep -q '^version: client DTLSv1.2 server DTLSv1.2$' ours.txt || fail "not DTLS 1.2"
    diff -u openssl.txt ours.txt || fail "output differs from OpenSSL's (- OpenSSL, + ours)"
}

# The port's server with -listen (DTLSv1_listen and its application cookie callbacks) on
# DTLS 1.3: the listener's HelloRetryRequest cookie, then the 1.3 handshake (exchange13 in
# t_dtls13_capi.sh checks both ends report DTLSv1.3, data and a KeyUpdate).
test_hooks13_s_server_listen_13() {
    exchange13 -dtls1_3 -listen -- -dtls1_3 -msg
    grep -q '^<<< DTLS 1.3, Handshake .*EncryptedExtensions$' cli.err ||
        fail "no EncryptedExtensions traced"
}

# The same server offering 1.2 and 1.3 (-dtls) with -listen: a 1.3-only client gets 1.3
# (before, DTLSv1_listen's HelloVerifyRequest failed it).
test_hooks13_s_server_listen_dual() {
    export RDTLS_MAX_PROTO=DTLSv1.3
    exchange13 -listen -- -dtls1_3
}
