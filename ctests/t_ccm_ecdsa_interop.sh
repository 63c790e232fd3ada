# shellcheck shell=bash
# ECDHE-ECDSA with AES-CCM / AES-CCM_8 (RFC 7251; TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 is the
# RFC 7925 mandatory certificate suite) against GnuTLS (gnutls-serv / gnutls-cli, priority
# strings +AES-128-CCM-8 etc.) and Mbed TLS 2.28 (ctests/mbedtls_psk_server.c -cert,
# ctests/mbedtls_psk_client.c -CAfile), both directions, one test per suite. The server
# certificate is the demo ECDSA P-256 one (build/demo-certs/server.pem, names 127.0.0.1).
# gnutls_priority comes from t_psk.sh (sourced after this file; used at run time only).

CCM_ECDSA_SUITES="ECDHE-ECDSA-AES128-CCM8 ECDHE-ECDSA-AES256-CCM8 ECDHE-ECDSA-AES128-CCM
ECDHE-ECDSA-AES256-CCM"

# Mbed TLS's name for one of the ECDHE-ECDSA CCM suites.
mbedtls_ccm_suite() {
    case $1 in
    ECDHE-ECDSA-AES128-CCM8) echo TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8 ;;
    ECDHE-ECDSA-AES256-CCM8) echo TLS-ECDHE-ECDSA-WITH-AES-256-CCM-8 ;;
    ECDHE-ECDSA-AES128-CCM) echo TLS-ECDHE-ECDSA-WITH-AES-128-CCM ;;
    ECDHE-ECDSA-AES256-CCM) echo TLS-ECDHE-ECDSA-WITH-AES-256-CCM ;;
    esac
}

# our client -> gnutls-serv --udp --echo with the ECDSA certificate, one CCM suite allowed.
ccm_ecdsa_gnutls_server() {
    local suite="$1" port
    need gnutls-serv
    port=$(free_port) || fail "no free port"
    start_bg gsrv gnutls-serv --udp --echo -p "$port" --x509certfile "$CERTDIR/server.pem" \
        --x509keyfile "$CERTDIR/server.key" --priority "$(gnutls_priority "$suite")"
    wait_grep gsrv.err "UDP Echo Server listening on IPv4" || fail "gnutls-serv did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -verify_return_error -cipher "$suite"
    feed_open cli
    wait_grep cli.err '^Protocol: DTLSv1.2' || fail "no handshake: $(cat gsrv.out gsrv.err)"
    grep -q "Cipher: $suite " cli.err || fail "$suite not negotiated"
    send cli "hello gnutls over $suite"
    wait_grep cli.out "^hello gnutls over $suite\$" || fail "no echo from gnutls-serv"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
}

# gnutls-cli --udp (verifies our ECDSA certificate) -> our server, one CCM suite allowed.
ccm_ecdsa_gnutls_client() {
    local suite="$1" port
    need gnutls-cli
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -cipher "$suite"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo gcli
    start_bg gcli --stdin gcli.in gnutls-cli --udp -p "$port" --x509cafile "$CERTDIR/ca.pem" \
        --priority "$(gnutls_priority "$suite")" 127.0.0.1
    feed_open gcli
    wait_grep gcli.out 'Handshake was completed' || fail "gnutls-cli: no handshake"
    send gcli "hello rdtls from gnutls"
    wait_grep srv.out '^hello rdtls from gnutls$' || fail "our server got nothing"
    wait_grep gcli.out '^hello rdtls from gnutls$' || fail "gnutls-cli got no echo"
    feed_close gcli
    expect_exit gcli 0 || fail "gnutls-cli failed"
    expect_exit srv 0 || fail "our server failed"
    grep -q "Cipher: $suite " srv.err || fail "$suite not negotiated"
}

# Our client -> Mbed TLS server presenting the ECDSA certificate, one CCM suite.
ccm_ecdsa_mbedtls_server() {
    local suite="$1" port
    [ -x "$CTDIR/mbedtls_psk_server" ] || fail "missing $CTDIR/mbedtls_psk_server"
    start_bg msrv "$CTDIR/mbedtls_psk_server" "$(mbedtls_ccm_suite "$suite")" \
        -cert "$CERTDIR/server.pem" "$CERTDIR/server.key"
    port=$(wait_port msrv.out) || fail "mbedtls server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -verify_return_error -cipher "$suite"
    feed_open cli
    wait_grep cli.err '^Protocol: DTLSv1.2' || fail "no handshake: $(cat msrv.err)"
    send cli "hello from the rdtls client"
    wait_grep cli.out '^hello from the rdtls client$' || fail "no echo"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
    expect_exit msrv 0 || fail "mbedtls server failed: $(cat msrv.err)"
    grep -q "^Ciphersuite: $(mbedtls_ccm_suite "$suite")$" msrv.out ||
        fail "$suite not negotiated"
    grep -q "Cipher: $suite " cli.err || fail "our client did not report $suite"
}

# Mbed TLS client (verifies our certificate against ca.pem) -> our server, one CCM suite.
ccm_ecdsa_mbedtls_client() {
    local suite="$1" port
    [ -x "$CTDIR/mbedtls_psk_client" ] || fail "missing $CTDIR/mbedtls_psk_client"
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -cipher "$suite"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg mcli "$CTDIR/mbedtls_psk_client" "$port" "$(mbedtls_ccm_suite "$suite")" \
        -CAfile "$CERTDIR/ca.pem"
    expect_exit mcli 0 || fail "mbedtls client failed: $(cat mcli.err)"
    grep -q '^echo: hello from mbedtls$' mcli.out || fail "no echo"
    grep -q "^Ciphersuite: $(mbedtls_ccm_suite "$suite")$" mcli.out ||
        fail "mbedtls did not report $suite"
    expect_exit srv 0 || fail "our server failed"
    grep -q "Cipher: $suite " srv.err || fail "$suite not negotiated"
}

for s in $CCM_ECDSA_SUITES; do
    n=${s//-/_}
    eval "test_ccm_ecdsa_gnutls_server_$n() { ccm_ecdsa_gnutls_server $s; }"
    eval "test_ccm_ecdsa_gnutls_client_$n() { ccm_ecdsa_gnutls_client $s; }"
    eval "test_ccm_ecdsa_mbedtls_server_$n() { ccm_ecdsa_mbedtls_server $s; }"
    eval "test_ccm_ecdsa_mbedtls_client_$n() { ccm_ecdsa_mbedtls_client $s; }"
done
