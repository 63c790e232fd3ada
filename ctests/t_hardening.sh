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

# Item 7a: `openssl s_client -groups X25519` against a server whose only certificate is
# ECDSA P-256: as OpenSSL's own server, ours answers "no shared cipher" with a
# handshake_failure alert (RFC 8422 §5.1) instead of a suite the client aborts on with
# "wrong curve". Both backends: the openssl build shows OpenSSL doing the same.
test_hard_ecdsa_server_x25519_only_client() {
    local port
    need openssl
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 -groups X25519 \
        -connect "127.0.0.1:$port" < /dev/null > ocli.out 2> ocli.err
    cat ocli.err
    grep -q 'wrong curve' ocli.err && fail "the server chose an ECDSA suite on a curve the client did not offer"
    grep -q 'alert handshake failure' ocli.err || fail "no handshake_failure alert"
    grep -q 'Cipher is (NONE)' ocli.out || fail "a handshake completed"
    # With P-256 offered too, the same server completes.
    start_bg srv2 "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv2.err) || fail "server did not start"
    timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 -groups X25519:P-256 \
        -connect "127.0.0.1:$port" < /dev/null > ocli2.out 2> ocli2.err
    grep -q 'Cipher is ECDHE-ECDSA' ocli2.out || fail "X25519:P-256 did not complete"
}

# Item 5: while 64 fake clients hold half-open associations (cookie passed, then silent) on a
# poll server whose table holds 64, a real client still completes: it evicts the oldest
# half-open association. Bounded by the client's timeout, not timed.
test_hard_poll_server_halfopen_flood() {
    local port
    [ -x "$CTDIR/halfopen_flood" ] || fail "missing $CTDIR/halfopen_flood (make ctest-progs)"
    start_bg srv "$BINDIR/rdtls-poll-server" -accept 127.0.0.1:0 -naccept 1 -max_clients 64 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg flood "$CTDIR/halfopen_flood" "$port" 64 20
    wait_grep flood.out '^HELD 64$' 15 || fail "the flood did not hold 64 associations"
    # The client's stdin stays open until the server has the line: a 1.3 client is done
    # before the server (its Finished is the last flight) and must not exit meanwhile.
    with_fifo cli
    PROC_TIMEOUT=10 start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" \
        -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" -verify 2
    feed_open cli
    send cli "real client"
    wait_grep srv.out '^real client$' 10 || fail "the real client's data never arrived"
    feed_close cli
    expect_exit cli 0 || fail "the real client failed"
    grep -q "^Protocol: $(ours_version)" cli.err || fail "the real client did not complete"
    expect_exit srv 0 || fail "poll server failed"
    grep -q 'evicted (half-open, table full)' srv.err || fail "nothing was evicted"
}

# Item 5, threaded server: the same flood; the real client's verified ClientHello evicts the
# oldest half-open worker.
test_hard_threaded_server_halfopen_flood() {
    local port
    [ -x "$CTDIR/halfopen_flood" ] || fail "missing $CTDIR/halfopen_flood (make ctest-progs)"
    start_bg srv "$BINDIR/rdtls-threaded-server" -accept 127.0.0.1:0 -max_clients 64 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg flood "$CTDIR/halfopen_flood" "$port" 64 20
    wait_grep flood.out '^HELD 64$' 15 || fail "the flood did not hold 64 associations"
    # The client's stdin stays open until the server has the line: a 1.3 client is done
    # before the server (its Finished is the last flight) and must not exit meanwhile.
    with_fifo cli
    PROC_TIMEOUT=10 start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" \
        -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" -verify 2
    feed_open cli
    send cli "real client"
    wait_grep srv.out '^real client$' 10 || fail "the real client's data never arrived"
    feed_close cli
    expect_exit cli 0 || fail "the real client failed"
    grep -q "^Protocol: $(ours_version)" cli.err || fail "the real client did not complete"
    wait_grep srv.err 'evicted \(half-open, table full\)' 5 || fail "nothing was evicted"
}

# Item 5, rdtls-s_server: with -listen a client that completes its handshake and then goes
# silent is dropped after -idle_timeout, and the next client is served.
idle_then_next() {
    local port
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -listen -naccept 2 \
        -idle_timeout 1 -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" "$@"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo quiet
    start_bg quiet --stdin quiet.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port"
    feed_open quiet
    wait_grep quiet.err "^Protocol: $(ours_version)" || fail "the silent client did not connect"
    wait_grep srv.err 'client silent for 1 s, dropping the connection' 10 ||
        fail "the silent client was not dropped"
    # Open until served (a 1.3 client is done before the server, see the flood tests).
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port"
    feed_open cli
    send cli "next client"
    wait_grep srv.out '^next client$' 10 || fail "the next client was not served"
    feed_close cli
    expect_exit cli 0 || fail "the next client failed"
    # One connection dropped, one clean: the server reports the failure.
    expect_exit srv 1 || fail "server exit status"
}

test_hard_s_server_idle_timeout() {
    idle_then_next
}

test_hard_s_server_idle_timeout_nbio() {
    idle_then_next -nbio
}

# Item 7c: sessions saved with -sess_out (PEM_write_bio_SSL_SESSION) and offered again with
# -sess_in (PEM_read_bio_SSL_SESSION + SSL_set_session) resume.
test_hard_s_client_sess_out_in() {
    local port
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 2 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    echo one > one.in
    # The 1.2 layout; DTLS 1.3 sessions: test_dtls13_capi_s_client_sess_out_in.
    timeout "$PROC_TIMEOUT" "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" -dtls1_2 \
        -sess_out sess.pem < one.in > c1.out 2> c1.err || fail "first client failed"
    grep -q '^New session$' c1.err || fail "first handshake not new"
    grep -q 'BEGIN SSL SESSION PARAMETERS' sess.pem || fail "no session saved"
    if command -v openssl > /dev/null; then
        openssl sess_id -in sess.pem -noout -text > sess.txt ||
            fail "openssl cannot parse the saved session"
        grep -q 'Protocol  : DTLSv1.2' sess.txt || fail "openssl reads no DTLS 1.2 session"
    fi
    timeout "$PROC_TIMEOUT" "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" -dtls1_2 \
        -sess_in sess.pem < one.in > c2.out 2> c2.err || fail "second client failed"
    grep -q '^Reused session$' c2.err || fail "the saved session was not resumed"
    expect_exit srv 0 || fail "server failed"
}

# The same with the stock openssl s_client on the drop-in, and a session file that the
# system OpenSSL wrote, read back by the drop-in.
test_hard_dropin_s_client_sess_out_in() {
    local port
    hard_need_dropin
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 4 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    LD_PRELOAD="$HARD_SO" timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 \
        -connect "127.0.0.1:$port" -sess_out ours.pem < /dev/null > c1.out 2>&1
    grep -q '^New, ' c1.out || fail "first handshake not new"
    LD_PRELOAD="$HARD_SO" timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 \
        -connect "127.0.0.1:$port" -sess_in ours.pem < /dev/null > c2.out 2>&1
    grep -q '^Reused, ' c2.out || fail "the drop-in did not resume its own session"
    timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -sess_out system.pem < /dev/null > c3.out 2>&1
    grep -q '^New, ' c3.out || fail "system client: no handshake"
    LD_PRELOAD="$HARD_SO" timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 \
        -connect "127.0.0.1:$port" -sess_in system.pem < /dev/null > c4.out 2>&1
    grep -q '^Reused, ' c4.out || fail "the drop-in did not resume OpenSSL's session file"
    expect_exit srv 0 || fail "server failed"
}
