# shellcheck shell=bash
# Memory checking: no definite leaks and no invalid accesses under valgrind.

test_valgrind_mem_bio() {
    need valgrind
    # DTLS 1.2 (AES-GCM, the suppressed GHASH false positive of valgrind/README.md).
    RDTLS_MAX_PROTO=DTLSv1.2 timeout 300 "${VALGRIND[@]}" "$BINDIR/rdtls-mem-bio" -cert "$CERTDIR/server.pem" \
        -key "$CERTDIR/server.key" -CAfile "$CERTDIR/ca.pem" > out 2> err
    rc=$?
    cat out err
    [ "$rc" = 0 ] || fail "valgrind reported errors or the program failed (exit $rc)"
}

# DTLS 1.3 in one process with the suites that do not use ring's GHASH assembly. With
# AES-GCM, the GHASH false positive (a tag Memcheck wrongly thinks undefined) reaches our
# code through RFC 9147's record-number mask, whose sample includes the tag of a short
# record; ChaCha20-Poly1305 and AES-CCM, the same records and code, are clean
# (valgrind/README.md, "DTLS 1.3").
test_valgrind_mem_bio_13() {
    local cs
    need valgrind
    [ "$RDTLS_BACKEND" = rdtls ] || skip "DTLS 1.3 is rdtls's (OpenSSL 3.0 has none)"
    for cs in TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_CCM_SHA256; do
        timeout 300 "${VALGRIND[@]}" "$BINDIR/rdtls-mem-bio" -cert "$CERTDIR/server.pem" \
            -key "$CERTDIR/server.key" -CAfile "$CERTDIR/ca.pem" -ciphersuites "$cs" > out 2> err
        rc=$?
        cat out err
        [ "$rc" = 0 ] || fail "$cs: valgrind reported errors or the program failed (exit $rc)"
        grep -q "^client: DTLSv1.3 $cs\$" out || fail "$cs: not negotiated on DTLS 1.3"
    done
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
