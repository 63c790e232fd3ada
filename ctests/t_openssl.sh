# shellcheck shell=bash
# Interoperability with OpenSSL's own command-line tools (`openssl s_server/s_client
# -dtls1_2`, the system's OpenSSL 3.0): data both ways and a clean close.

OSSL_SRV_CERT=(-cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key")

# our client -> openssl s_server. Extra args: [SERVER_ARGS...] -- [CLIENT_ARGS...]
client_vs_openssl_server() {
    local sargs=() cargs=() side=s a port
    for a in "$@"; do
        if [ "$side" = s ] && [ "$a" = -- ]; then side=c
        elif [ "$side" = s ]; then sargs+=("$a")
        else cargs+=("$a"); fi
    done
    need openssl
    # s_server quits on stdin EOF, so its stdin is a FIFO kept open by this test.
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        -keylogfile osrv.keylog "${sargs[@]}"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "openssl s_server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -keylogfile cli.keylog "${cargs[@]}"
    feed_open cli
    wait_grep cli.err '^Protocol: DTLSv1.2' || fail "no handshake"
    send cli "hello from the rdtls client"
    wait_grep osrv.out '^hello from the rdtls client$' || fail "openssl s_server got nothing"
    send osrv "hello from openssl s_server"
    wait_grep cli.out '^hello from openssl s_server$' || fail "our client got nothing"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
    wait_grep osrv.out 'CONNECTION CLOSED' || fail "openssl s_server saw no close"
    feed_close osrv
    expect_exit osrv 0 || fail "openssl s_server failed"
    # Both sides derived the same master secret.
    grep -qE '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$' cli.keylog || fail "bad key log"
    grep -F -f cli.keylog osrv.keylog > /dev/null || fail "key logs differ"
}

test_openssl_server_blocking() {
    client_vs_openssl_server "${OSSL_SRV_CERT[@]}" --
}

test_openssl_server_nbio() {
    client_vs_openssl_server "${OSSL_SRV_CERT[@]}" -- -nbio -timeout -msg
    grep -q '^<<< DTLS 1.2, Handshake .*HelloVerifyRequest' cli.err ||
        fail "no HelloVerifyRequest from s_server (cookie exchange)"
}

test_openssl_server_mtu() {
    # s_server -cert takes only the leaf; -cert_chain adds the intermediate.
    client_vs_openssl_server -cert "$CERTDIR/big-chain.pem" -key "$CERTDIR/big.key" \
        -cert_chain "$CERTDIR/big-chain.pem" -mtu 500 -- -mtu 500 -msg
    grep -q '^<<< .*Handshake \[length [0-9a-f]*\], Certificate$' cli.err ||
        fail "no (reassembled) Certificate message"
}

test_openssl_server_client_cert() {
    client_vs_openssl_server "${OSSL_SRV_CERT[@]}" -Verify 2 -CAfile "$CERTDIR/ca.pem" \
        -verify_return_error -- -cert "$CERTDIR/client.pem" -key "$CERTDIR/client.key" \
        -cipher ECDHE-ECDSA-AES128-GCM-SHA256
    grep -q 'Cipher: ECDHE-ECDSA-AES128-GCM-SHA256 ' cli.err || fail "cipher not chosen"
}

# openssl s_client -> our server. Extra args: [SERVER_ARGS...] -- [CLIENT_ARGS...]
openssl_client_vs_server() {
    local sargs=() cargs=() side=s a port
    for a in "$@"; do
        if [ "$side" = s ] && [ "$a" = -- ]; then side=c
        elif [ "$side" = s ]; then sargs+=("$a")
        else cargs+=("$a"); fi
    done
    need openssl
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -keylogfile srv.keylog \
        "${sargs[@]}"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    # -quiet prints only application data; -no_ign_eof: stdin EOF sends close_notify.
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error -quiet -no_ign_eof \
        -keylogfile ocli.keylog "${cargs[@]}"
    feed_open ocli
    send ocli "hello from openssl s_client"
    wait_grep srv.out '^hello from openssl s_client$' || fail "our server got nothing"
    wait_grep ocli.out '^hello from openssl s_client$' || fail "s_client got no echo"
    feed_close ocli
    expect_exit ocli 0 || fail "openssl s_client failed"
    expect_exit srv 0 || fail "our server failed"
    grep -q 'CONNECTION CLOSED' srv.err || fail "our server saw no close_notify"
    grep -F -f srv.keylog ocli.keylog > /dev/null || fail "key logs differ"
}

test_openssl_client_blocking() {
    openssl_client_vs_server --
}

test_openssl_client_listen_nbio() {
    openssl_client_vs_server -listen -nbio -timeout --
}

test_openssl_client_client_cert() {
    openssl_client_vs_server -Verify 2 -CAfile "$CERTDIR/ca.pem" -- \
        -cert "$CERTDIR/client.pem" -key "$CERTDIR/client.key" -servername localhost
    grep -q 'Peer certificate: .*CN=rdtls demo client' srv.err || fail "no client certificate"
    grep -q '^Server name: localhost$' srv.err || fail "no SNI"
}
