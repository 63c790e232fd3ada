# shellcheck shell=bash
# Renegotiation requests from stock OpenSSL peers (issue 8 item 4; `R` on stdin of
# `openssl s_client` / `openssl s_server` renegotiates). rdtls refuses every request with a
# no_renegotiation warning alert when its policy refuses (src/handshake/renegotiation.rs),
# as OpenSSL 3.0's server does by default for client-initiated ones and either side does
# with SSL_OP_NO_RENEGOTIATION; the stock peer then ends the connection with
# "no renegotiation". Before the fix the request (message_seq 0) was taken for a
# retransmission and answered with our last flight, and the stock client hung.

# A stock client renegotiates with rdtls-s_server: refused (both backends: OpenSSL 3.0
# refuses client-initiated renegotiation without SSL_OP_ALLOW_CLIENT_RENEGOTIATION).
test_reneg_openssl_client_refused() {
    local port
    need openssl
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' 10 || fail "no handshake"
    send ocli "before renegotiation"
    wait_grep srv.out '^before renegotiation$' || fail "server did not receive the line"
    send ocli "R"
    wait_grep ocli.err 'no renegotiation' 10 || fail "the client was not refused"
    feed_close ocli
    expect_exit ocli 1 || fail "client exit status"
    # The stock client answers the refusal with a fatal handshake_failure.
    expect_exit srv 1 || fail "server exit status"
    grep -q 'alert handshake failure' srv.err || fail "server did not see the client's alert"
}

# A stock server renegotiates with rdtls-s_client -no_renegotiation (SSL_OP_NO_RENEGOTIATION):
# refused. Without the option rdtls-s_client accepts, as OpenSSL's client does (t_reneg2.sh).
test_reneg_openssl_server_refused() {
    local port
    need openssl
    port=$(free_port) || fail "no free port"
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept "127.0.0.1:$port" \
        -naccept 1 -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    feed_open osrv
    wait_grep osrv.out '^ACCEPT' 10 || fail "s_server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 2 -no_renegotiation
    feed_open cli
    wait_grep cli.err '^Verify return code: 0 \(ok\)' 10 || fail "no handshake"
    send cli "before renegotiation"
    wait_grep osrv.out '^before renegotiation$' || fail "s_server did not receive the line"
    send osrv "R"
    wait_grep osrv.err 'no renegotiation' 10 || fail "the server was not refused"
    # The stock server answers the refusal with a fatal handshake_failure.
    wait_grep cli.err 'alert handshake failure' 10 || fail "client did not see the alert"
    expect_exit cli 1 || fail "client exit status"
    feed_close cli
    feed_close osrv
    expect_exit osrv 0 || fail "s_server exit status"
}
