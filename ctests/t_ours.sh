# shellcheck shell=bash
# rdtls-s_client against rdtls-s_server: I/O disciplines and every option of the ports.

SRV_CERT=(-cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key")
CLI_VERIFY=(-CAfile "$CERTDIR/ca.pem" -verify 2)

# exchange [SERVER_ARGS...] -- [CLIENT_ARGS...]: one server connection (-naccept 1), the
# client sends $MSG, both see it ($ECHO expected back, default $MSG), the client's stdin
# EOF closes with close_notify, both exit 0; both report $PROTO (default: ours_version).
exchange() {
    local sargs=() cargs=() side=s a port want="${PROTO:-$(ours_version)}"
    for a in "$@"; do
        if [ "$side" = s ] && [ "$a" = -- ]; then
            side=c
        elif [ "$side" = s ]; then
            sargs+=("$a")
        else
            cargs+=("$a")
        fi
    done
    : "${MSG:=hello from rdtls}"
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 "${sargs[@]}"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" "${cargs[@]}"
    feed_open cli
    send cli "$MSG"
    wait_grep srv.out "^$MSG\$" || fail "server did not receive the line"
    wait_grep cli.out "^${ECHO:-$MSG}\$" || fail "client did not receive the echo"
    feed_close cli
    expect_exit cli 0 || fail "client failed"
    expect_exit srv 0 || fail "server failed"
    grep -q 'CONNECTION CLOSED' srv.err || fail "server saw no close_notify"
    grep -q "^Protocol: $want  Cipher: " cli.err || fail "no client $want handshake summary"
    grep -q "^Protocol: $want  Cipher: " srv.err || fail "no server $want handshake summary"
}

test_ours_blocking() {
    exchange "${SRV_CERT[@]}" -- "${CLI_VERIFY[@]}"
    grep -q 'Peer certificate: .*CN=localhost' cli.err || fail "client did not show the server"
    grep -q '^Verify return code: 0 (ok)' cli.err || fail "verification result not ok"
}

test_ours_nbio() {
    exchange "${SRV_CERT[@]}" -nbio -- "${CLI_VERIFY[@]}" -nbio
}

test_ours_listen() {
    exchange "${SRV_CERT[@]}" -listen -- "${CLI_VERIFY[@]}"
}

test_ours_listen_nbio() {
    exchange "${SRV_CERT[@]}" -listen -nbio -- "${CLI_VERIFY[@]}" -nbio
}

test_ours_timeout_flag() {
    exchange "${SRV_CERT[@]}" -timeout -- "${CLI_VERIFY[@]}" -timeout
}

test_ours_no_cookie() {
    exchange "${SRV_CERT[@]}" -no_cookie -- "${CLI_VERIFY[@]}" -msg
    if grep -q 'HelloVerifyRequest' cli.err; then fail "-no_cookie still sent a HelloVerifyRequest"; fi
    # On 1.3 the cookie would come in a HelloRetryRequest (RFC 9147 §5.1).
    if grep -q 'HelloRetryRequest' cli.err; then fail "-no_cookie still sent a cookie HRR"; fi
}

test_ours_rev() {
    MSG="hello rdtls" ECHO="sltdr olleh" exchange "${SRV_CERT[@]}" -rev -- "${CLI_VERIFY[@]}"
}

test_ours_rsa_cert() {
    exchange -cert "$CERTDIR/server-rsa.pem" -key "$CERTDIR/server-rsa.key" -- "${CLI_VERIFY[@]}"
    # On 1.3 the suite does not name the key type; the verified handshake with an RSA-only
    # server shows the RSA (RSASSA-PSS, RFC 8446 §4.2.3) signature worked.
    [ "$(ours_version)" = DTLSv1.3 ] && return 0
    grep -q 'Cipher: ECDHE-RSA-' cli.err || fail "not an ECDHE-RSA suite"
}

test_ours_cipher() {
    # -cipher sets the 1.2 cipher list (not the TLS 1.3 suites): the client pins 1.2.
    PROTO=DTLSv1.2 exchange "${SRV_CERT[@]}" -- "${CLI_VERIFY[@]}" -dtls1_2 \
        -cipher ECDHE-ECDSA-AES128-GCM-SHA256
    grep -q 'Cipher: ECDHE-ECDSA-AES128-GCM-SHA256 ' cli.err || fail "client cipher"
    grep -q 'Cipher: ECDHE-ECDSA-AES128-GCM-SHA256 ' srv.err || fail "server cipher"
}

test_ours_sni() {
    exchange "${SRV_CERT[@]}" -- "${CLI_VERIFY[@]}" -servername sni.example.test
    grep -q '^Server name: sni.example.test$' srv.err || fail "server did not see the SNI name"
}

test_ours_client_cert_required() {
    exchange "${SRV_CERT[@]}" -Verify 2 -CAfile "$CERTDIR/ca.pem" -- "${CLI_VERIFY[@]}" \
        -cert "$CERTDIR/client.pem" -key "$CERTDIR/client.key"
    grep -q 'Peer certificate: .*CN=rdtls demo client' srv.err ||
        fail "server did not show the client certificate"
}

test_ours_client_cert_missing() {
    local port
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 "${SRV_CERT[@]}" \
        -Verify 2 -CAfile "$CERTDIR/ca.pem"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg cli "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" "${CLI_VERIFY[@]}"
    expect_exit srv 1 || fail "server did not report the failed connection"
    grep -q 'handshake failed' srv.err || fail "no handshake failure message on the server"
    if [ "$(ours_version)" = DTLSv1.3 ]; then
        # RFC 8446 §4.4.2.4: a 1.3 client's handshake is over when it sends its Finished;
        # the server's refusal (certificate_required) reaches it afterwards, if it reads.
        grep -q 'no client certificate' srv.err || fail "server did not name the reason"
        ! grep -q 'Peer certificate: .*CN=rdtls demo client' srv.err ||
            fail "a client certificate was seen"
    else
        expect_exit cli 1 || fail "client without a certificate was not refused"
    fi
}

test_ours_wrong_ca() {
    local port
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 "${SRV_CERT[@]}"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg cli "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/other-ca.pem" -verify 2
    expect_exit cli 1 || fail "client accepted a server it cannot verify"
    grep -q 'handshake failed' cli.err || fail "no handshake failure message"
    expect_exit srv 1 || fail "server did not report the failed connection"
}

test_ours_mtu_big_chain() {
    exchange -cert "$CERTDIR/big-chain.pem" -key "$CERTDIR/big.key" -mtu 576 -- \
        "${CLI_VERIFY[@]}" -mtu 576 -msg
    grep -q '^<<< .*Handshake \[length [0-9a-f]*\], Certificate$' cli.err ||
        fail "no Certificate message in the trace"
}

test_ours_msg_keylog() {
    # The 1.2 trace and CLIENT_RANDOM line (1.3's trace: dtls13_ports_ours; its key log
    # labels: hooks13_listen_callbacks_13): the client pins 1.2.
    PROTO=DTLSv1.2 exchange "${SRV_CERT[@]}" -keylogfile srv.keylog -- "${CLI_VERIFY[@]}" \
        -msg -keylogfile cli.keylog -dtls1_2
    local m
    for m in '>>> .*Handshake .*ClientHello' '<<< .*Handshake .*ServerHello$' \
        '<<< .*Handshake .*HelloVerifyRequest' '<<< .*Handshake .*Certificate$' \
        '>>> .*Handshake .*ClientKeyExchange' '>>> .*ChangeCipherSpec' \
        '>>> .*Handshake .*Finished' '<<< .*Handshake .*Finished'; do
        grep -qE "^$m" cli.err || fail "-msg trace lacks /$m/"
    done
    grep -qE '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$' cli.keylog || fail "bad client key log"
    cmp -s cli.keylog srv.keylog || fail "client and server key logs differ"
}

# client_session NAME PORT LINE [CLIENT_ARGS...]: one rdtls-s_client run (to CLIENT_HOST,
# default 127.0.0.1) that sends LINE, waits for its echo and closes with close_notify.
client_session() {
    local name="$1" port="$2" line="$3"
    shift 3
    with_fifo "$name"
    start_bg "$name" --stdin "$name.in" "$BINDIR/rdtls-s_client" \
        -connect "${CLIENT_HOST:-127.0.0.1}:$port" "$@"
    feed_open "$name"
    send "$name" "$line"
    wait_grep "$name.out" "^$line\$" || fail "$name got no echo"
    feed_close "$name"
    expect_exit "$name" 0 || fail "$name failed"
}

test_ours_two_connections() {
    local port
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 2 "${SRV_CERT[@]}"
    port=$(wait_port srv.err) || fail "server did not start"
    client_session cli1 "$port" "first client" "${CLI_VERIFY[@]}"
    client_session cli2 "$port" "second client" "${CLI_VERIFY[@]}" -nbio
    expect_exit srv 0 || fail "server failed"
    [ "$(grep -c 'CONNECTION CLOSED' srv.err)" = 2 ] || fail "expected two clean closes"
}

test_ours_two_connections_listen() {
    local port
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 2 -listen "${SRV_CERT[@]}"
    port=$(wait_port srv.err) || fail "server did not start"
    client_session cli1 "$port" "first client" "${CLI_VERIFY[@]}"
    client_session cli2 "$port" "second client" "${CLI_VERIFY[@]}"
    expect_exit srv 0 || fail "server failed"
}

# IPv6 loopback, with the per-client socket of -listen (skipped where ::1 does not exist).
test_ours_ipv6() {
    local port
    grep -q '^0\{31\}1 ' /proc/net/if_inet6 2> /dev/null || skip "no IPv6 loopback"
    start_bg srv "$BINDIR/rdtls-s_server" -accept '[::1]:0' -naccept 1 -listen "${SRV_CERT[@]}"
    port=$(wait_port srv.err) || fail "server did not start"
    grep -q '^ACCEPT \[::1\]:' srv.err || fail "not bound to [::1]"
    CLIENT_HOST='[::1]' client_session cli "$port" "over ipv6" "${CLI_VERIFY[@]}"
    expect_exit srv 0 || fail "server failed"
}
