# shellcheck shell=bash
# The multi-client servers: one thread per client, and one poll() loop for all.

# many_echo_clients PORT N COUNT: N rdtls-echo-clients at once, COUNT 1200-byte echoes each.
many_echo_clients() {
    local port="$1" n="$2" count="$3" i
    for i in $(seq 1 "$n"); do
        start_bg "ec$i" "$BINDIR/rdtls-echo-client" -connect "127.0.0.1:$port" \
            -CAfile "$CERTDIR/ca.pem" -count "$count" -size 1200
    done
    for i in $(seq 1 "$n"); do
        expect_exit "ec$i" 0 || fail "echo client $i failed"
        [ "$(wc -l < "ec$i.out")" = "$count" ] || fail "echo client $i: wrong number of echoes"
    done
}

test_threaded_server_3_clients() {
    local port
    start_bg srv "$BINDIR/rdtls-threaded-server" -accept 127.0.0.1:0 -naccept 3 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    many_echo_clients "$port" 3 10
    expect_exit srv 0 || fail "threaded server failed"
    [ "$(wc -c < srv.out)" = $((3 * 10 * 1200)) ] || fail "server echoed the wrong byte count"
    [ "$(grep -c 'handshake done' srv.err)" = 3 ] || fail "expected 3 handshakes"
}

test_poll_server_6_clients() {
    local port
    start_bg srv "$BINDIR/rdtls-poll-server" -accept 127.0.0.1:0 -naccept 6 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    many_echo_clients "$port" 6 10
    expect_exit srv 0 || fail "poll server failed"
    [ "$(wc -c < srv.out)" = $((6 * 10 * 1200)) ] || fail "server echoed the wrong byte count"
    [ "$(grep -c ': closed$' srv.err)" = 6 ] || fail "expected 6 clean closes"
}

# The poll server's memory-BIO path (record re-cutting, DTLSv1_listen front door) against
# a client we did not write.
test_poll_server_openssl_client() {
    local port
    need openssl
    start_bg srv "$BINDIR/rdtls-poll-server" -accept 127.0.0.1:0 -naccept 1 -mtu 600 \
        -cert "$CERTDIR/big-chain.pem" -key "$CERTDIR/big.key"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error -quiet -no_ign_eof
    feed_open ocli
    send ocli "hello poll server"
    wait_grep ocli.out '^hello poll server$' || fail "s_client got no echo"
    feed_close ocli
    expect_exit ocli 0 || fail "openssl s_client failed"
    expect_exit srv 0 || fail "poll server failed"
}
