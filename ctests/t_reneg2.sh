# shellcheck shell=bash
# Renegotiation that happens (issue 8 item 4; RFC 5746): `R` on the stdin of openssl
# s_client / s_server or of our ports renegotiates, gnutls-cli --rehandshake and gnutls-serv's
# `**REHANDSHAKE**` command too. Each test proves the second handshake from our side's -msg
# trace (a second Finished received) and that data flows in the new epoch afterwards.
# Refusals (no_renegotiation warning) are in t_reneg.sh.

# wait_finished FILE N: waits until the -msg trace FILE shows N received Finished messages.
wait_finished() {
    local i=0
    while [ "$i" -lt 300 ]; do
        [ "$(grep -cE '^<<< .*, Finished$' "$1" 2> /dev/null)" -ge "$2" ] && return 0
        sleep 0.05
        i=$((i + 1))
    done
    echo "timed out waiting for $2 Finished messages in $1"
    return 1
}

# Starts our server as srv under -client_renegotiation (SSL_OP_ALLOW_CLIENT_RENEGOTIATION).
# Args: start_bg options (--stdin FILE).
reneg2_start_server() {
    start_bg srv "$@" "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -client_renegotiation -msg
}

# A stock client types R: our server renegotiates with it, data flows after.
test_reneg2_openssl_client_R() {
    local port
    need openssl
    with_fifo srv
    reneg2_start_server --stdin srv.in
    feed_open srv
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' 10 || fail "no handshake"
    send ocli "before renegotiation"
    wait_grep srv.out '^before renegotiation$' || fail "server did not receive the line"
    send ocli "R"
    wait_grep ocli.err '^RENEGOTIATING' 10 || fail "s_client did not renegotiate"
    wait_finished srv.err 2 || fail "no second handshake"
    send ocli "after renegotiation"
    wait_grep srv.out '^after renegotiation$' || fail "no data after the renegotiation"
    send srv "from the server"
    wait_grep ocli.out '^from the server$' || fail "no server data after the renegotiation"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client exit status"
    feed_close srv
    expect_exit srv 0 || fail "server exit status"
}

# Our server types R (HelloRequest): the stock client renegotiates, data flows after.
test_reneg2_rdtls_server_R() {
    local port
    need openssl
    with_fifo srv
    reneg2_start_server --stdin srv.in
    feed_open srv
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' 10 || fail "no handshake"
    send ocli "before renegotiation"
    wait_grep srv.out '^before renegotiation$' || fail "server did not receive the line"
    send srv "R"
    wait_grep srv.err '^RENEGOTIATING' 10 || fail "our server did not start"
    wait_finished srv.err 2 || fail "no second handshake"
    send srv "from the server"
    wait_grep ocli.out '^from the server$' || fail "no server data after the renegotiation"
    send ocli "after renegotiation"
    wait_grep srv.out '^after renegotiation$' || fail "no client data after the renegotiation"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client exit status"
    feed_close srv
    expect_exit srv 0 || fail "server exit status"
}

# Stock s_server; our client. Args: extra s_server args.
reneg2_stock_server() {
    local port
    need openssl
    port=$(free_port) || fail "no free port"
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept "127.0.0.1:$port" \
        -naccept 1 -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" "$@"
    feed_open osrv
    wait_grep osrv.out '^ACCEPT' 10 || fail "s_server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 2 -msg
    feed_open cli
    wait_grep cli.err '^Verify return code: 0 \(ok\)' 10 || fail "no handshake"
    send cli "before renegotiation"
    wait_grep osrv.out '^before renegotiation$' || fail "s_server did not receive the line"
}

reneg2_stock_server_after() {
    send cli "after renegotiation"
    wait_grep osrv.out '^after renegotiation$' || fail "no client data after the renegotiation"
    send osrv "from the server"
    wait_grep cli.out '^from the server$' || fail "no server data after the renegotiation"
    feed_close cli
    expect_exit cli 0 || fail "client exit status"
    feed_close osrv
    expect_exit osrv 0 || fail "s_server exit status"
}

# Our client types R against a stock server that allows client renegotiation.
test_reneg2_rdtls_client_R() {
    reneg2_stock_server -client_renegotiation
    send cli "R"
    wait_grep cli.err '^RENEGOTIATING' 10 || fail "our client did not start"
    wait_finished cli.err 2 || fail "no second handshake"
    reneg2_stock_server_after
}

# A stock server types R (HelloRequest): our client accepts, as OpenSSL's client does.
test_reneg2_openssl_server_R() {
    reneg2_stock_server
    send osrv "R"
    wait_grep osrv.out '^SSL_do_handshake -> 1$' 10 || fail "s_server's renegotiation failed"
    wait_finished cli.err 2 || fail "no second handshake"
    reneg2_stock_server_after
}

# gnutls-cli --rehandshake renegotiates right after its handshake with our server.
test_reneg2_gnutls_client_rehandshake() {
    local port
    need gnutls-cli
    reneg2_start_server
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo gcli
    start_bg gcli --stdin gcli.in gnutls-cli --udp --rehandshake -p "$port" \
        --x509cafile "$CERTDIR/ca.pem" 127.0.0.1
    feed_open gcli
    wait_grep gcli.out 'ReHandshake was completed' 10 || fail "gnutls-cli: no rehandshake"
    wait_finished srv.err 2 || fail "no second handshake in our trace"
    send gcli "after rehandshake"
    wait_grep srv.out '^after rehandshake$' || fail "our server got nothing"
    wait_grep gcli.out '^after rehandshake$' || fail "gnutls-cli got no echo"
    feed_close gcli
    expect_exit gcli 0 || fail "gnutls-cli failed"
    expect_exit srv 0 || fail "our server failed"
}

# gnutls-serv --echo sends a HelloRequest when it receives **REHANDSHAKE**.
test_reneg2_gnutls_server_rehandshake() {
    local port
    need gnutls-serv
    port=$(free_port) || fail "no free port"
    start_bg gsrv gnutls-serv --udp --echo -p "$port" \
        --x509certfile "$CERTDIR/server.pem" --x509keyfile "$CERTDIR/server.key"
    wait_grep gsrv.err "UDP Echo Server listening on IPv4" || fail "gnutls-serv did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 2 -msg
    feed_open cli
    wait_grep cli.err '^Verify return code: 0 \(ok\)' 10 || fail "no handshake"
    send cli "**REHANDSHAKE**"
    wait_grep gsrv.err 'Sending rehandshake request' 10 || fail "gnutls-serv did not ask"
    wait_finished cli.err 2 || fail "no second handshake"
    send cli "after rehandshake"
    wait_grep cli.out '^after rehandshake$' || fail "no echo after the rehandshake"
    feed_close cli
    expect_exit cli 0 || fail "client exit status"
}

# Data in flight both ways across the epoch change: a stock client sends 300 numbered lines
# (every 3 ms) and types R after line 50; our server echoes every line. All arrive, in
# order, both ways (loopback: no loss). OpenSSL 3.0 against itself (stock client and stock
# server, data one way) also delivered all 300 when this was written.
test_reneg2_openssl_client_R_data_in_flight() {
    local port i
    need openssl
    reneg2_start_server
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' 10 || fail "no handshake"
    # Stock s_client renegotiates only when a read of stdin starts with 'R', and drops the rest
    # of that read; under load, lines written 3 ms apart arrive in one read. So "R" goes alone:
    # after line 50's echo (s_client has read line 50) and before line 51 (once s_client has
    # taken it). SSL_renegotiate only marks the connection; the new handshake runs inside the
    # SSL_write of line 51. No echo may be in flight toward s_client then: OpenSSL 3.0's DTLS
    # client fails with "dtls1_read_bytes:unexpected record" when application data reaches it
    # during its own renegotiation (seen in CI: the limitation issue 8 names). Data crossing a
    # renegotiation both ways, under loss, is tested between rdtls ends in
    # tests/renegotiation_flow.rs.
    for i in $(seq 1 300); do
        send ocli "line $i"
        if [ "$i" = 50 ]; then
            wait_grep ocli.out '^line 50$' 10 || fail "no echo of line 50"
            send ocli "R"
            wait_grep ocli.err '^RENEGOTIATING' 10 || fail "s_client did not take R"
        fi
        sleep 0.003
    done
    seq 1 300 | sed 's/^/line /' > expected.txt
    wait_grep srv.out '^line 300$' 15 || fail "the server did not get the last line"
    wait_grep ocli.out '^line 300$' 15 || fail "the client did not get the last echo"
    wait_finished srv.err 2 || fail "no second handshake"
    grep '^line ' srv.out | diff expected.txt - || fail "server: lines lost or out of order"
    grep '^line ' ocli.out | diff expected.txt - || fail "client: echoes lost or out of order"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client exit status"
    expect_exit srv 0 || fail "server exit status"
}
