# shellcheck shell=bash
# Interoperability with GnuTLS (`gnutls-serv --udp --echo`, `gnutls-cli --udp`; Debian package
# gnutls-bin, installed by `make test`).

# our client -> gnutls-serv --udp --echo. Args: extra client args.
client_vs_gnutls_serv() {
    local port
    need gnutls-serv
    port=$(free_port) || fail "no free port"
    start_bg gsrv gnutls-serv --udp --echo -p "$port" \
        --x509certfile "$CERTDIR/server.pem" --x509keyfile "$CERTDIR/server.key"
    wait_grep gsrv.err "UDP Echo Server listening on IPv4" || fail "gnutls-serv did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 "$@"
    feed_open cli
    wait_grep cli.err '^Protocol: DTLSv1.2' || fail "no handshake"
    send cli "hello gnutls from rdtls"
    wait_grep cli.out '^hello gnutls from rdtls$' || fail "no echo from gnutls-serv"
    send cli "second line"
    wait_grep cli.out '^second line$' || fail "no second echo"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
}

test_gnutls_server() {
    client_vs_gnutls_serv
}

test_gnutls_server_nbio() {
    client_vs_gnutls_serv -nbio -msg -cipher ECDHE-ECDSA-AES128-GCM-SHA256
    grep -q 'Cipher: ECDHE-ECDSA-AES128-GCM-SHA256 ' cli.err || fail "cipher not chosen"
    grep -q '^<<< DTLS 1.2, Handshake .*HelloVerifyRequest' cli.err ||
        fail "no HelloVerifyRequest from gnutls-serv"
}

# gnutls-cli --udp -> our server. Args: extra server args.
gnutls_cli_vs_server() {
    local port
    need gnutls-cli
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" "$@"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo gcli
    # The server certificate names IP 127.0.0.1, so full verification applies.
    start_bg gcli --stdin gcli.in gnutls-cli --udp -p "$port" \
        --x509cafile "$CERTDIR/ca.pem" 127.0.0.1
    feed_open gcli
    wait_grep gcli.out 'Handshake was completed' || fail "gnutls-cli: no handshake"
    send gcli "hello rdtls from gnutls"
    wait_grep srv.out '^hello rdtls from gnutls$' || fail "our server got nothing"
    wait_grep gcli.out '^hello rdtls from gnutls$' || fail "gnutls-cli got no echo"
    feed_close gcli
    expect_exit gcli 0 || fail "gnutls-cli failed"
    expect_exit srv 0 || fail "our server failed"
    grep -q 'CONNECTION CLOSED' srv.err || fail "our server saw no close_notify"
}

test_gnutls_client() {
    gnutls_cli_vs_server
}

test_gnutls_client_listen() {
    gnutls_cli_vs_server -listen -nbio
}
