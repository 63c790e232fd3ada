# shellcheck shell=bash
# Memory checking: no definite leaks and no invalid accesses under valgrind.

test_valgrind_mem_bio() {
    need valgrind
    # Pinned to 1.2: on 1.3 in one process the GHASH false positive of valgrind/README.md (a
    # tag that looks undefined) reaches the peer through RFC 9147's record-number mask,
    # whose sample includes the tag of a short record (then seq, nonce, plaintext); not
    # proven yet, so no suppression. Over UDP (valgrind_client_server) 1.3 is checked.
    RDTLS_MAX_PROTO=DTLSv1.2 timeout 300 "${VALGRIND[@]}" "$BINDIR/rdtls-mem-bio" -cert "$CERTDIR/server.pem" \
        -key "$CERTDIR/server.key" -CAfile "$CERTDIR/ca.pem" > out 2> err
    rc=$?
    cat out err
    [ "$rc" = 0 ] || fail "valgrind reported errors or the program failed (exit $rc)"
}

test_valgrind_client_server() {
    local port
    need valgrind
    PROC_TIMEOUT=300 start_bg srv "${VALGRIND[@]}" "$BINDIR/rdtls-s_server" \
        -accept 127.0.0.1:0 -naccept 1 -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err 120) || fail "server did not start"
    with_fifo cli
    PROC_TIMEOUT=300 start_bg cli --stdin cli.in "${VALGRIND[@]}" "$BINDIR/rdtls-s_client" \
        -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" -verify 2
    feed_open cli
    send cli "hello valgrind"
    wait_grep cli.out '^hello valgrind$' 120 || fail "no echo"
    feed_close cli
    expect_exit cli 0 || fail "client: valgrind errors or failure"
    expect_exit srv 0 || fail "server: valgrind errors or failure"
}
