# shellcheck shell=bash
# Legacy programs from Debian's archive, unmodified, on the drop-in build/libssl.so.3
# (LD_LIBRARY_PATH=build) against stock peers and against themselves, each process's libssl
# proven from /proc/PID/maps while it runs (expect_lib, t_dropin.sh). Every test ends by
# printing one "LEGACY-ROW|program|role|peer" line; test_legacy_table prints them as the
# results table (program x role x result).

# legacy_row PROGRAM ROLE PEER: records a passed row for the results table.
legacy_row() {
    echo "LEGACY-ROW|$1|$2|$3"
}

# lib_env ours|system: the environment prefix that makes a process load that libssl.
lib_env() {
    LIBENV=()
    [ "$1" = ours ] && LIBENV=(env LD_LIBRARY_PATH="$BUILD")
    return 0
}

# legacy_s_server LIB: openssl s_server -dtls1_2 on LIB, one connection; sets PORT.
legacy_s_server() {
    need openssl
    lib_env "$1"
    with_fifo osrv
    start_bg osrv --stdin osrv.in "${LIBENV[@]}" openssl s_server -dtls1_2 \
        -accept 127.0.0.1:0 -naccept 1 "${DSRV_CERT[@]}"
    feed_open osrv
    PORT=$(wait_port osrv.out) || fail "s_server did not start"
    expect_lib osrv "$1"
}

# legacy_exchange CLIENT [noclose]: a line each way between s_server (osrv) and CLIENT (fed
# by CLIENT.in, printing what it receives on stdout), then the client ends at EOF on its
# stdin: with close_notify, unless `noclose` (ncat over UDP just exits, with the system
# libssl too).
legacy_exchange() {
    send "$1" "hello from $1"
    wait_grep osrv.out "^hello from $1\$" || fail "s_server got nothing from $1"
    send osrv "hello from s_server"
    wait_grep "$1.out" '^hello from s_server$' || fail "$1 got nothing"
    feed_close "$1"
    expect_exit "$1" 0 || fail "$1 failed"
    [ "${2:-}" = noclose ] && return 0
    wait_grep osrv.out 'CONNECTION CLOSED' || fail "s_server saw no close"
    feed_close osrv
    expect_exit osrv 0 || fail "s_server failed"
}

# legacy_socat_client SERVER_LIB: socat on the drop-in as a DTLS client of s_server on
# SERVER_LIB, over a connect()ed UDP socket handed to SSL_set_fd (issue 8 item 3), with
# socat's compress= option.
legacy_socat_client() {
    need socat
    dropin_need
    legacy_s_server "$1"
    with_fifo socat
    start_bg socat --stdin socat.in env LD_LIBRARY_PATH="$BUILD" socat -d -d - \
        "DTLS:127.0.0.1:$PORT,cafile=$CERTDIR/ca.pem,commonname=localhost,compress=auto"
    feed_open socat
    wait_grep socat.err 'SSL connection using' || fail "socat: no handshake"
    grep -E 'SSL (proto version used|connection using|connection compression)' socat.err
    # compress= needs SSL_COMP_get_compression_methods (OpenSSL 3.0 has no methods).
    grep -q 'SSL connection compression "none"' socat.err || fail "compression not reported"
    expect_lib socat ours
    legacy_exchange socat
}

test_legacy_socat_client_stock_server() {
    legacy_socat_client system
    legacy_row socat "DTLS client (verify, compress=)" "stock openssl s_server"
}

test_legacy_socat_client_dropin_server() {
    legacy_socat_client ours
    legacy_row socat "DTLS client (verify, compress=)" "openssl s_server on drop-in"
}

# legacy_ncat_client SERVER_LIB: ncat --udp --ssl on the drop-in, verifying the server.
legacy_ncat_client() {
    need ncat
    dropin_need
    legacy_s_server "$1"
    with_fifo ncat
    start_bg ncat --stdin ncat.in env LD_LIBRARY_PATH="$BUILD" ncat -v --udp --ssl \
        --ssl-verify --ssl-trustfile "$CERTDIR/ca.pem" localhost "$PORT"
    feed_open ncat
    wait_grep ncat.err '^Ncat: SSL connection to' || fail "ncat: no handshake"
    expect_lib ncat ours
    legacy_exchange ncat noclose
}

test_legacy_ncat_client_stock_server() {
    legacy_ncat_client system
    legacy_row ncat "DTLS client (--ssl-verify)" "stock openssl s_server"
}

test_legacy_ncat_client_dropin_server() {
    legacy_ncat_client ours
    legacy_row ncat "DTLS client (--ssl-verify)" "openssl s_server on drop-in"
}

# ---- socat as a DTLS server (DTLS-LISTEN) and as a client with certificates, verify=0 ------

# legacy_socat_listen: socat DTLS-LISTEN on the drop-in (certificate and key, verify=0);
# sets PORT. Received data goes to socat_srv.out; what it sends comes from socat_srv.in.
legacy_socat_listen() {
    need socat
    dropin_need
    PORT=$(free_port) || fail "no free port"
    with_fifo socat_srv
    start_bg socat_srv --stdin socat_srv.in env LD_LIBRARY_PATH="$BUILD" socat -d -d \
        "DTLS-LISTEN:$PORT,bind=127.0.0.1,cert=$CERTDIR/server.pem,key=$CERTDIR/server.key,verify=0" -
    feed_open socat_srv
    wait_grep socat_srv.err 'listening on' || fail "socat did not listen"
    expect_lib socat_srv ours
}

test_legacy_socat_listen_stock_client() {
    legacy_socat_listen
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$PORT" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error -no_ign_eof
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' || fail "no verified handshake"
    expect_lib ocli system
    send ocli "hello from s_client"
    wait_grep socat_srv.out '^hello from s_client$' || fail "socat got nothing"
    send socat_srv "hello from socat"
    wait_grep ocli.out '^hello from socat$' || fail "s_client got nothing"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client failed"
    legacy_row socat "DTLS-LISTEN (cert, verify=0)" "stock openssl s_client"
}

test_legacy_socat_listen_dropin_client() {
    legacy_socat_listen
    with_fifo socat_cli
    start_bg socat_cli --stdin socat_cli.in env LD_LIBRARY_PATH="$BUILD" socat -d -d - \
        "DTLS:127.0.0.1:$PORT,cert=$CERTDIR/client.pem,key=$CERTDIR/client.key,verify=0"
    feed_open socat_cli
    wait_grep socat_cli.err 'SSL connection using' || fail "socat client: no handshake"
    expect_lib socat_cli ours
    send socat_cli "hello from the socat client"
    wait_grep socat_srv.out '^hello from the socat client$' || fail "socat server got nothing"
    send socat_srv "hello from the socat server"
    wait_grep socat_cli.out '^hello from the socat server$' || fail "socat client got nothing"
    feed_close socat_cli
    expect_exit socat_cli 0 || fail "socat client failed"
    # Both ends ours (DTLS_client_method / DTLS_server_method, no maximum set): DTLS 1.3, which
    # socat reports by the suite's version (SSL_CIPHER_get_version).
    grep -q 'SSL proto version used: TLSv1.3$' socat_cli.err || fail "socat client: not 1.3"
    grep -q 'SSL proto version used: TLSv1.3$' socat_srv.err || fail "socat server: not 1.3"
    legacy_row socat "DTLS client (cert, verify=0)" "socat DTLS-LISTEN on drop-in"
}

# socat as a client with its certificate, verify=0, against a stock server that requires a
# client certificate.
test_legacy_socat_client_cert_stock_server() {
    need socat openssl
    dropin_need
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        "${DSRV_CERT[@]}" -Verify 1 -CAfile "$CERTDIR/ca.pem" -verify_return_error
    feed_open osrv
    PORT=$(wait_port osrv.out) || fail "s_server did not start"
    expect_lib osrv system
    with_fifo socat
    start_bg socat --stdin socat.in env LD_LIBRARY_PATH="$BUILD" socat -d -d - \
        "DTLS:127.0.0.1:$PORT,cert=$CERTDIR/client.pem,key=$CERTDIR/client.key,verify=0"
    feed_open socat
    wait_grep socat.err 'SSL connection using' || fail "socat: no handshake"
    expect_lib socat ours
    legacy_exchange socat
    grep -q 'CN *= *rdtls demo client' osrv.out || fail "s_server did not get the certificate"
    legacy_row socat "DTLS client (cert, verify=0)" "stock s_server -Verify 1"
}

# ---- coturn: a DTLS TURN listener relaying for turnutils_uclient -S --------------------------

# wait_udp_bound PORT: waits (up to 15 s) until a socket is bound to UDP 127.0.0.1:PORT.
wait_udp_bound() {
    local i
    need ss
    for i in $(seq 1 300); do
        ss -Hlun "sport = :$1" 2> /dev/null | grep -q . && return 0
        sleep 0.05
    done
    echo "nothing bound to UDP port $1 after 15s"
    return 1
}

# legacy_coturn SERVER_LIB CLIENT_LIB: turnserver with only a DTLS listener and
# turnutils_uclient -S (10 messages through a relay to turnutils_peer and back).
legacy_coturn() {
    local sport pport senv=() cenv=()
    need turnserver turnutils_uclient turnutils_peer
    dropin_need
    [ "$1" = ours ] && senv=(env LD_LIBRARY_PATH="$BUILD")
    [ "$2" = ours ] && cenv=(env LD_LIBRARY_PATH="$BUILD")
    sport=$(free_port) || fail "no free port"
    pport=$(free_port) || fail "no free port"
    start_bg peer turnutils_peer -L 127.0.0.1 -p "$pport"
    start_bg turn "${senv[@]}" turnserver -n --no-cli --listening-ip=127.0.0.1 \
        --relay-ip=127.0.0.1 --tls-listening-port="$sport" --listening-port="$((sport + 1))" \
        --no-tcp --no-tls --no-udp --cert="$CERTDIR/server.pem" --pkey="$CERTDIR/server.key" \
        --lt-cred-mech --user=u:p --realm=rdtls --allow-loopback-peers \
        --min-port=49152 --max-port=65535 --log-file=stdout --no-stdout-log --simple-log
    # This coturn logs nothing when its listener is up: wait for the UDP port to be bound.
    wait_udp_bound "$sport" || fail "turnserver did not open its DTLS listener"
    expect_lib turn "$1"
    start_bg uclient "${cenv[@]}" turnutils_uclient -S -u u -w p -p "$sport" -n 10 -m 1 \
        -e 127.0.0.1 -r "$pport" -c 127.0.0.1
    wait_grep uclient.out 'client session connected with cipher' || fail "uclient: no DTLS session"
    grep -m1 'client session connected' uclient.out
    expect_lib uclient "$2"
    expect_exit uclient 0 || fail "turnutils_uclient failed"
    grep 'tot_send_msgs=10, tot_recv_msgs=10' uclient.out || fail "not 10 of 10 messages back"
}

test_legacy_coturn_dropin_server() {
    legacy_coturn ours system
    legacy_row coturn "turnserver DTLS listener" "stock turnutils_uclient -S"
}

test_legacy_coturn_dropin_client() {
    legacy_coturn system ours
    legacy_row coturn "turnutils_uclient -S" "stock turnserver DTLS"
}

test_legacy_coturn_both_dropin() {
    legacy_coturn ours ours
    legacy_row coturn "turnserver + uclient -S" "each other, both on drop-in"
}

# ---- libcoap: CoAP over DTLS with certificates (the server sets them up in its client-hello
# callback) -------------------------------------------------------------------------------

# legacy_coap SERVER_LIB CLIENT_LIB: coap-server-openssl with a certificate, and
# coap-client-openssl GETting / over coaps; the answer is the server's banner.
legacy_coap() {
    local port senv=() cenv=()
    need coap-server-openssl coap-client-openssl
    dropin_need
    [ "$1" = ours ] && senv=(env LD_LIBRARY_PATH="$BUILD")
    [ "$2" = ours ] && cenv=(env LD_LIBRARY_PATH="$BUILD")
    port=$(free_port) || fail "no free port"
    # libcoap listens for coaps on port + 1.
    start_bg coap_srv "${senv[@]}" coap-server-openssl -A 127.0.0.1 -p "$port" \
        -c "$CERTDIR/server.pem" -j "$CERTDIR/server.key" -v 7
    wait_udp_bound "$((port + 1))" || fail "coap-server did not listen"
    # libcoap also makes a TLS context (coaps+tcp): TLS passthrough loads the system libssl.
    if [ "$1" = ours ]; then expect_lib coap_srv ours+tls; else expect_lib coap_srv system; fi
    timeout "$PROC_TIMEOUT" env "${cenv[@]:1}" LD_DEBUG=libs LD_DEBUG_OUTPUT="$PWD/ld-coap" \
        coap-client-openssl -v 7 "coaps://127.0.0.1:$((port + 1))/" > coap_cli.out 2>&1 ||
        fail "coap-client failed"
    if [ "$2" = ours ]; then ld_log_check ld-coap tls; fi
    grep -m1 'DTLS: session connected' coap_cli.out || fail "no DTLS session"
    grep -q 'This is a test server made with libcoap' coap_cli.out || fail "no CoAP answer"
    grep -q 'DTLS: session connected' coap_srv.out || fail "the server saw no DTLS session"
}

test_legacy_coap_dropin_server() {
    legacy_coap ours system
    legacy_row libcoap "coap-server-openssl (PKI)" "stock coap-client-openssl"
}

test_legacy_coap_dropin_client() {
    legacy_coap system ours
    legacy_row libcoap "coap-client-openssl coaps://" "stock coap-server-openssl"
}

# legacy_table: prints the results table of the legacy tests that ran (from their work
# directories' logs; run by run.sh after them, not a test itself).
legacy_table() {
    local d row
    for d in "$WORKROOT"/legacy_*; do
        [ -d "$d" ] || continue
        row=$(grep -m1 '^LEGACY-ROW|' "$d/log" 2> /dev/null || true)
        if [ -n "$row" ]; then
            echo "$row" | awk -F'|' '{ printf "  %-10s | %-32s | %-30s | pass\n", $2, $3, $4 }'
        else
            printf '  %-10s | %-32s | %-30s | FAIL\n' "${d##*/}" "" ""
        fi
    done > "$WORKROOT/legacy-table"
    [ -s "$WORKROOT/legacy-table" ] || return 0
    echo "Legacy programs on the drop-in:"
    printf '  %-10s | %-32s | %-30s | %s\n' program role peer result
    cat "$WORKROOT/legacy-table"
}
