# shellcheck shell=bash
# ALPN (RFC 7301) interop with `openssl s_server/s_client -dtls1_2 -alpn` and gnutls-serv:
# the protocol both sides report, and the no_application_protocol alert when the lists do
# not meet (the server's callback says fatal, as openssl s_server's does). gnutls-serv
# --alpn-fatal sends no alert over DTLS (it only logs), so that mismatch is not tested.

# our client -> openssl s_server -alpn. Args: SERVER_LIST CLIENT_LIST
alpn_client_vs_openssl() {
    local port
    need openssl
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -alpn "$1"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "openssl s_server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -alpn "$2"
    feed_open cli
}

# openssl s_client -alpn -> our server. Args: SERVER_LIST CLIENT_LIST
alpn_openssl_vs_server() {
    local port
    need openssl
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -alpn "$1"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error -no_ign_eof -alpn "$2"
    feed_open ocli
}

test_alpn_openssl_server() {
    alpn_client_vs_openssl c-webrtc,coap webrtc,c-webrtc
    wait_grep cli.out '^ALPN protocol: ' || fail "no handshake"
    grep -qx 'ALPN protocol: c-webrtc' cli.out || fail "our client: not c-webrtc"
    grep -qx 'ALPN protocols advertised by the client: webrtc, c-webrtc' osrv.out ||
        fail "s_server did not see our offer"
    grep -qx 'ALPN protocols selected: c-webrtc' osrv.out || fail "s_server chose otherwise"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
    feed_close osrv
    expect_exit osrv 0 || fail "openssl s_server failed"
}

test_alpn_openssl_server_mismatch() {
    alpn_client_vs_openssl webrtc coap
    expect_exit cli 1 || fail "our client did not fail"
    grep -q 'tlsv1 alert no application protocol' cli.err ||
        fail "our client did not report no_application_protocol"
    grep -q 'no application protocol' osrv.out osrv.err || fail "s_server saw no mismatch"
    feed_close osrv
}

test_alpn_openssl_client() {
    alpn_openssl_vs_server webrtc,coap coap,webrtc
    wait_grep ocli.out '^ALPN protocol: ' || fail "openssl s_client: no handshake"
    grep -qx 'ALPN protocol: webrtc' ocli.out || fail "s_client: not webrtc"
    grep -qx 'ALPN protocols advertised by the client: coap, webrtc' srv.out ||
        fail "our server did not see the offer"
    grep -qx 'ALPN protocols selected: webrtc' srv.out || fail "our server chose otherwise"
    feed_close ocli
    expect_exit ocli 0 || fail "openssl s_client failed"
    expect_exit srv 0 || fail "our server failed"
}

test_alpn_openssl_client_mismatch() {
    alpn_openssl_vs_server coap webrtc
    wait_grep ocli.err 'tlsv1 alert no application protocol' ||
        fail "s_client did not get no_application_protocol"
    feed_close ocli
    expect_exit srv 1 || fail "our server did not fail"
}

# our client -> gnutls-serv --alpn: the server's choice among the protocols we offer.
test_alpn_gnutls_server() {
    local port
    need gnutls-serv
    port=$(free_port) || fail "no free port"
    start_bg gsrv gnutls-serv --udp --echo -p "$port" --x509certfile "$CERTDIR/server.pem" \
        --x509keyfile "$CERTDIR/server.key" --alpn=coap --alpn=webrtc
    wait_grep gsrv.err "UDP Echo Server listening on IPv4" || fail "gnutls-serv did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -alpn c-webrtc,webrtc
    feed_open cli
    wait_grep cli.out '^ALPN protocol: ' || fail "no handshake"
    grep -qx 'ALPN protocol: webrtc' cli.out || fail "our client: not webrtc"
    send cli "hello gnutls"
    wait_grep cli.out '^hello gnutls$' || fail "no echo from gnutls-serv"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
}
