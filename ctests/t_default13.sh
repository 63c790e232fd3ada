# shellcheck shell=bash
# DTLS 1.3 by default (issue 13): DTLS_method with no maximum offers 1.3 and 1.2, so a legacy
# binary on the drop-in negotiates 1.3 with a 1.3-capable peer and 1.2 with OpenSSL 3.0 and
# GnuTLS, with no environment variable; RDTLS_MAX_PROTO=DTLSv1.2 is the operator's pin.
# The in-process checks (getters, SSL_renegotiate refused on 1.3, DTLSv1_2_client_method and
# a maximum of DTLS1_2_VERSION staying 1.2 against a default server) are in dtls13_api.c.

# stock_s_client_dropin_gets_13 [VAR=VALUE...] -- [SERVER FLAG...]: the stock
# /usr/bin/openssl (OpenSSL 3.0, no DTLS 1.3 of its own) as `s_client -dtls` on the drop-in,
# with exactly the given environment added, against our s_server with the given flags:
# DTLS 1.3 both sides, verified, one line echoed.
stock_s_client_dropin_gets_13() {
    local port vars=()
    while [ "$1" != -- ]; do
        vars+=("$1")
        shift
    done
    shift
    dropin_need
    need openssl
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" "$@"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in env "${vars[@]}" LD_PRELOAD="$DROPIN_SO" \
        LD_LIBRARY_PATH="$BUILD" openssl s_client -dtls -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem"
    feed_open ocli
    wait_grep ocli.out '^New, ' || { cat ocli.out ocli.err srv.err; fail "no handshake"; }
    send ocli "hello from the stock openssl"
    wait_grep srv.out '^hello from the stock openssl$' || fail "our server got nothing"
    wait_grep ocli.out '^hello from the stock openssl$' || fail "no echo"
    feed_close ocli
    expect_exit ocli 0 || fail "openssl s_client failed"
    expect_exit srv 0 || fail "our server failed"
    cat ocli.out srv.err
    # s_client prints TLSv1.3 for the 1.3 session (its "New," line names the TLS family).
    grep -q '^New, TLSv1.3, Cipher is TLS_' ocli.out || fail "openssl: $(grep '^New' ocli.out)"
    grep -q '^Verification: OK$' ocli.out || fail "openssl did not verify"
    grep -q '^Protocol: DTLSv1.3  Cipher: TLS_' srv.err || fail "our server: not DTLS 1.3"
}

# The stock `openssl s_client -dtls` on the drop-in, NO environment, against our s_server
# with default flags: DTLS 1.3 both sides.
test_default13_dropin_openssl_s_client() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    unset RDTLS_MAX_PROTO
    stock_s_client_dropin_gets_13 --
}

# stock_s_server_dtls: starts OpenSSL 3.0's `s_server -dtls` (its stdin the FIFO osrv.in,
# held open) and sets the caller's `port` to its port.
stock_s_server_dtls() {
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls -accept 127.0.0.1:0 -naccept 1 \
        "${OSSL_SRV_CERT[@]}"
    feed_open osrv
    port=$(wait_port osrv.out)
}

# Our default client (no flag, no environment) against OpenSSL 3.0's `s_server -dtls`: one
# ClientHello offering 1.3 and 1.2, OpenSSL picks 1.2 and the handshake completes (RFC 9147
# §5.3 version negotiation through supported_versions; the 1.2 ServerHello of a server that
# knows no 1.3 carries no downgrade sentinel).
test_default13_client_openssl_server_dtls() {
    local port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    need openssl
    unset RDTLS_MAX_PROTO
    stock_s_server_dtls || fail "openssl s_server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -msg
    feed_open cli
    wait_grep cli.err '^Protocol: ' || { cat cli.err osrv.out; fail "no handshake"; }
    send cli "default client to openssl -dtls"
    wait_grep osrv.out '^default client to openssl -dtls$' || fail "openssl s_server got nothing"
    send osrv "openssl answers"
    wait_grep cli.out '^openssl answers$' || fail "our client got nothing"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
    feed_close osrv
    cat cli.err
    grep -q '^Protocol: DTLSv1.2' cli.err || fail "not DTLS 1.2: $(grep '^Protocol' cli.err)"
    grep -q '^<<< DTLS 1.2, Handshake .*ServerHello$' cli.err || fail "no 1.2 ServerHello"
}

# The same through the drop-in: the stock `openssl s_client -dtls` on our libssl.so.3 (no
# environment) against the stock `openssl s_server -dtls` on the system's libssl: 1.2.
test_default13_dropin_openssl_s_client_openssl_server() {
    local port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    dropin_need
    need openssl
    unset RDTLS_MAX_PROTO
    stock_s_server_dtls || fail "openssl s_server did not start"
    with_fifo ocli
    LD_PRELOAD="$DROPIN_SO" start_bg ocli --stdin ocli.in \
        openssl s_client -dtls -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem"
    feed_open ocli
    wait_grep ocli.out '^New, ' || { cat ocli.out ocli.err osrv.out; fail "no handshake"; }
    send ocli "drop-in to stock"
    wait_grep osrv.out '^drop-in to stock$' || fail "openssl s_server got nothing"
    feed_close ocli
    expect_exit ocli 0 || fail "openssl s_client failed"
    feed_close osrv
    cat ocli.out
    grep -q '^New, TLSv1.2, Cipher is ECDHE-' ocli.out || fail "openssl: $(grep '^New' ocli.out)"
    grep -q '^    Protocol  : DTLSv1.2$' ocli.out || fail "session not DTLS 1.2"
}

# Our default client against gnutls-serv (DTLS 1.2 only in GnuTLS 3.7): falls back to 1.2.
test_default13_client_gnutls_server() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    unset RDTLS_MAX_PROTO
    client_vs_gnutls_serv -msg
    grep -q '^Protocol: DTLSv1.2' cli.err || fail "not DTLS 1.2"
    grep -q '^>>> DTLS 1.2, Handshake .*ClientHello$' cli.err || fail "no ClientHello traced"
}

# pin12_pair WHO: our default s_server and s_client, RDTLS_MAX_PROTO=DTLSv1.2 on WHO
# (server, client): the pinned side offers or accepts 1.2 only, so both report DTLS 1.2.
pin12_pair() {
    local port senv=() cenv=()
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    unset RDTLS_MAX_PROTO
    case $1 in
    server) senv=(env RDTLS_MAX_PROTO=DTLSv1.2) ;;
    client) cenv=(env RDTLS_MAX_PROTO=DTLSv1.2) ;;
    esac
    start_bg srv "${senv[@]}" "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "${cenv[@]}" "$BINDIR/rdtls-s_client" \
        -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" -verify 2
    feed_open cli
    wait_grep cli.err '^Protocol: ' || { cat cli.err srv.err; fail "no handshake"; }
    send cli "pinned"
    wait_grep cli.out '^pinned$' || fail "no echo"
    feed_close cli
    expect_exit cli 0 || fail "client failed"
    expect_exit srv 0 || fail "server failed"
    cat cli.err srv.err
    grep -q '^Protocol: DTLSv1.2  Cipher: ECDHE-' cli.err || fail "client not on DTLS 1.2"
    grep -q '^Protocol: DTLSv1.2  Cipher: ECDHE-' srv.err || fail "server not on DTLS 1.2"
}

test_default13_env_pins_12_client() {
    pin12_pair client
}

test_default13_env_pins_12_server() {
    pin12_pair server
}

# The stock openssl s_client on the drop-in with RDTLS_MAX_PROTO=DTLSv1.2 against our
# default (1.3-capable) server: 1.2.
test_default13_dropin_env_pins_12() {
    local port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    dropin_need
    need openssl
    unset RDTLS_MAX_PROTO
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    RDTLS_MAX_PROTO=DTLSv1.2 LD_PRELOAD="$DROPIN_SO" start_bg ocli --stdin ocli.in \
        openssl s_client -dtls -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem"
    feed_open ocli
    wait_grep ocli.out '^New, ' || { cat ocli.out ocli.err srv.err; fail "no handshake"; }
    send ocli "pinned by the operator"
    wait_grep srv.out '^pinned by the operator$' || fail "our server got nothing"
    feed_close ocli
    expect_exit ocli 0 || fail "openssl s_client failed"
    expect_exit srv 0 || fail "our server failed"
    cat ocli.out srv.err
    grep -q '^New, TLSv1.2, Cipher is ECDHE-' ocli.out || fail "openssl: $(grep '^New' ocli.out)"
    grep -q '^Protocol: DTLSv1.2  Cipher: ECDHE-' srv.err || fail "our server: not DTLS 1.2"
}
