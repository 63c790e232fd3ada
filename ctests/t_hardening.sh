# shellcheck shell=bash
# Issue 15 (bounds and compatibility under hostile load and odd peers), items 3, 4, 5 and 7:
# the stock openssl binary on the drop-in, the example servers under a half-open flood,
# an ICMP-refused client that keeps retransmitting, datagram packing of a fragmented flight.

HARD_SO="$BUILD/libssl.so.3"

# hard_need_dropin: the drop-in and the openssl CLI, or a failure.
hard_need_dropin() {
    need openssl
    [ -f "$HARD_SO" ] || fail "$HARD_SO missing (make dropin)"
}

# Item 7b: `openssl s_client -reconnect` on the drop-in calls SSL_shutdown and
# SSL_set_connect_state on the same SSL, then handshakes again on a new socket offering the
# session. OpenSSL reconnects five times, each "Reused"; so must we.
test_hard_dropin_s_client_reconnect() {
    local port n
    hard_need_dropin
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "s_server did not start"
    LD_PRELOAD="$HARD_SO" timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 \
        -connect "127.0.0.1:$port" -reconnect < /dev/null > ocli.out 2> ocli.err ||
        fail "s_client -reconnect failed"
    grep -E '^(New|Reused), ' ocli.out
    grep -q '^New, ' ocli.out || fail "no first handshake"
    n=$(grep -c '^Reused, ' ocli.out)
    [ "$n" = 5 ] || fail "$n of 5 reconnects resumed the session"
}

# Item 7d: a client started before its server gets ICMP port unreachable (ECONNREFUSED on a
# connected UDP socket) for its first ClientHello; it keeps retransmitting and completes once
# the server is up. OpenSSL 3.0 aborts here instead (SSL_ERROR_SYSCALL, checked with these
# programs built against it), so the openssl backend skips.
late_server() {
    local port
    [ "$RDTLS_BACKEND" = openssl ] &&
        skip "OpenSSL 3.0 itself aborts on ECONNREFUSED (SSL_ERROR_SYSCALL)"
    port=$(free_port) || fail "no free port"
    # A file, not a FIFO: the server started below must not inherit the writing end.
    echo "late hello" > cli.in
    start_bg cli --stdin cli.in "$@" -connect "127.0.0.1:$port"
    # Long enough for the first ClientHello and its ICMP reply on loopback.
    sleep 1
    kill -0 "$cli_pid" 2> /dev/null || fail "the client gave up on ECONNREFUSED"
    start_bg srv "$BINDIR/rdtls-s_server" -accept "127.0.0.1:$port" -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    wait_grep srv.out '^late hello$' || fail "the client never reached the late server"
    expect_exit cli 0 || fail "client failed"
    expect_exit srv 0 || fail "server failed"
}

test_hard_client_survives_econnrefused() {
    late_server "$BINDIR/rdtls-s_client"
}

test_hard_client_survives_econnrefused_nbio() {
    late_server "$BINDIR/rdtls-s_client" -nbio
}

test_hard_dropin_s_client_survives_econnrefused() {
    hard_need_dropin
    late_server env LD_PRELOAD="$HARD_SO" openssl s_client -dtls1_2 -quiet -no_ign_eof
}

# Item 4: every program that loads the drop-in is valgrind-clean with definite leaks as
# errors: the SSL error strings are registered from static storage. First at load alone
# (`openssl version`), then stock s_server and s_client, both on the drop-in, under valgrind.
test_hard_valgrind_dropin_load() {
    need valgrind
    hard_need_dropin
    LD_PRELOAD="$HARD_SO" timeout 300 "${VALGRIND[@]}" openssl version > out 2> err
    rc=$?
    cat out err
    [ "$rc" = 0 ] || fail "valgrind reported errors at load (exit $rc)"
}

test_hard_valgrind_dropin_s_server_s_client() {
    local port
    need valgrind
    hard_need_dropin
    with_fifo osrv
    PROC_TIMEOUT=300 start_bg osrv --stdin osrv.in env LD_PRELOAD="$HARD_SO" "${VALGRIND[@]}" \
        openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    feed_open osrv
    port=$(wait_port osrv.out 120) || fail "s_server did not start"
    with_fifo ocli
    PROC_TIMEOUT=300 start_bg ocli --stdin ocli.in env LD_PRELOAD="$HARD_SO" "${VALGRIND[@]}" \
        openssl s_client -dtls1_2 -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" \
        -verify_return_error -no_ign_eof
    feed_open ocli
    send ocli "hello valgrind"
    wait_grep osrv.out '^hello valgrind$' 120 || fail "s_server got nothing"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client: valgrind errors or failure"
    wait_grep osrv.out 'CONNECTION CLOSED' 60 || fail "s_server saw no close"
    feed_close osrv
    expect_exit osrv 0 || fail "s_server: valgrind errors or failure"
}
