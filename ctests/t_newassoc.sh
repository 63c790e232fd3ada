# shellcheck shell=bash
# A new client after an aborted one, on one server socket without -listen (RFC 6347 §4.2.8,
# src/handshake/new_association.rs). The first client rejects the server certificate and
# aborts with a plaintext fatal alert, which the server remembers rather than obeys
# (src/input_policy.rs). The second client's ClientHello must be answered with a
# HelloVerifyRequest, not with the first client's retransmitted flight; once it returns the
# cookie the old handshake ends and the accept loop serves it. Stock OpenSSL obeys the alert
# at once; both backends (RDTLS_BACKEND) and the drop-in under stock s_server must pass.

# newassoc_client KIND PORT NAME CAFILE: starts one client (ours or stock openssl).
newassoc_client() {
    local kind="$1" port="$2" name="$3" ca="$4"
    with_fifo "$name"
    case "$kind" in
        ours)
            start_bg "$name" --stdin "$name.in" "$BINDIR/rdtls-s_client" \
                -connect "127.0.0.1:$port" -CAfile "$ca" -verify 2 -verify_return_error
            ;;
        openssl)
            start_bg "$name" --stdin "$name.in" openssl s_client -dtls1_2 \
                -connect "127.0.0.1:$port" -CAfile "$ca" -verify_return_error -no_ign_eof
            ;;
    esac
    feed_open "$name"
}

# newassoc_clients KIND PORT SERVER_OUT: the aborting client, then the good one, which sends
# a line that must reach the server (its output file SERVER_OUT).
newassoc_clients() {
    local kind="$1" port="$2" srv_out="$3"
    newassoc_client "$kind" "$port" bad "$CERTDIR/other-ca.pem"
    expect_exit bad 1 || fail "the client with the wrong CA did not fail"
    feed_close bad
    newassoc_client "$kind" "$port" good "$CERTDIR/ca.pem"
    if [ "$kind" = ours ]; then
        wait_grep good.err '^Verify return code: 0 \(ok\)' 15 || fail "second client: no handshake"
    else
        wait_grep good.out '^ *Verify return code: 0 \(ok\)' 15 || fail "second client: no handshake"
    fi
    send good "second client"
    wait_grep "$srv_out" '^second client$' || fail "the server did not receive the line"
    feed_close good
    expect_exit good 0 || fail "second client failed"
}

# newassoc_s_server KIND: rdtls-s_server -naccept 2 without -listen.
newassoc_s_server() {
    local port
    [ "$1" = openssl ] && need openssl
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 2 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    newassoc_clients "$1" "$port" srv.out
    # The first connection failed (the client's alert), the second was served.
    expect_exit srv 1 || fail "server exit status"
    grep -q '2 connection(s), 1 failed' srv.err || fail "server summary"
}

test_newassoc_s_server_ours_clients() {
    newassoc_s_server ours
}

test_newassoc_s_server_openssl_clients() {
    newassoc_s_server openssl
}

# The same with stock `openssl s_server` on the drop-in libssl.so.3.
test_dropin_newassoc_openssl_s_server() {
    local port
    need openssl
    dropin_need
    with_fifo osrv
    start_bg osrv --stdin osrv.in env LD_PRELOAD="$DROPIN_REAL" openssl s_server -dtls1_2 \
        -accept 127.0.0.1:0 -naccept 2 -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "s_server did not start"
    expect_lib osrv ours
    newassoc_clients openssl "$port" osrv.out
    wait_grep osrv.out 'CONNECTION CLOSED' || fail "s_server saw no close"
    feed_close osrv
    expect_exit osrv 0 || fail "s_server failed"
}
