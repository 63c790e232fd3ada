# shellcheck shell=bash
# Issue 8 item 2: TLS passes through to the system's OpenSSL. Under the drop-in
# (build/libssl.so.3) TLS methods and every object made from them are served by the system
# libssl, loaded privately; DTLS stays ours. Each test proves from /proc/PID/maps (or the
# program's own /proc/self/maps) that build/libssl.so.3 is the process's libssl.

# expect_passthrough NAME: the running process NAME maps build/libssl.so.3 and, for TLS, the
# system libssl.so.3 (loaded by us) and nothing else.
expect_passthrough() {
    local pid maps want
    pid=$(child_pid "$1")
    if [ -z "$pid" ] || [ ! -r "/proc/$pid/maps" ]; then fail "$1: process not running"; fi
    maps=$(grep -o '/[^ ]*libssl[^ ]*$' "/proc/$pid/maps" | xargs -r -n1 readlink -f |
        sort -u | tr '\n' ' ')
    echo "$1 (pid $pid) maps: $maps"
    want=$(printf '%s\n%s\n' "$DROPIN_REAL" "$(system_libssl)" | sort -u | tr '\n' ' ')
    [ "$maps" = "$want" ] || fail "$1 does not map exactly build/libssl.so.3 + the system libssl"
}

# The stock openssl s_server and s_client (TLS, not DTLS), both on build/libssl.so.3.
test_tlspass_s_server_s_client() {
    local port
    need openssl
    dropin_need
    with_fifo tsrv
    start_bg tsrv --stdin tsrv.in env LD_LIBRARY_PATH="$BUILD" openssl s_server \
        -accept 127.0.0.1:0 -naccept 1 "${DSRV_CERT[@]}"
    feed_open tsrv
    port=$(wait_port tsrv.out) || fail "TLS s_server did not start"
    expect_passthrough tsrv
    with_fifo tcli
    start_bg tcli --stdin tcli.in env LD_LIBRARY_PATH="$BUILD" openssl s_client \
        -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" -verify_return_error \
        -verify_hostname localhost -no_ign_eof
    feed_open tcli
    wait_grep tcli.out '^ *Verify return code: 0 \(ok\)' || fail "no verified handshake"
    grep -E '^(New|Reused), .*Cipher is|^ *Protocol *:' tcli.out
    expect_passthrough tcli
    send tcli "hello over TLS from s_client"
    wait_grep tsrv.out '^hello over TLS from s_client$' || fail "s_server got nothing"
    send tsrv "hello over TLS from s_server"
    wait_grep tcli.out '^hello over TLS from s_server$' || fail "s_client got nothing"
    feed_close tcli
    expect_exit tcli 0 || fail "s_client failed"
    wait_grep tsrv.out 'CONNECTION CLOSED' || fail "s_server saw no close"
    feed_close tsrv
    expect_exit tsrv 0 || fail "s_server failed"
}

# One process, one TLS and one DTLS connection (ctests/dropin_tlspass.c): on the system
# libssl as a control, then with LD_PRELOAD=build/libssl.so.3, where TLS objects must come
# from the system libssl and DTLS objects from ours.
test_tlspass_tls_and_dtls_one_process() {
    local sys
    dropin_need
    sys="$(system_libssl)"
    [ -x "$CTDIR/dropin_tlspass" ] || fail "missing $CTDIR/dropin_tlspass (make ctest-progs)"
    timeout "$PROC_TIMEOUT" "$CTDIR/dropin_tlspass" "$CERTDIR" > control.out 2>&1 ||
        { cat control.out; fail "the program fails on the system libssl"; }
    if grep -qF "$DROPIN_REAL" control.out; then fail "the control run loaded the drop-in"; fi
    LD_PRELOAD="$DROPIN_SO" timeout "$PROC_TIMEOUT" "$CTDIR/dropin_tlspass" "$CERTDIR" \
        > dropin.out 2>&1
    rc=$?
    cat dropin.out
    [ "$rc" = 0 ] || fail "dropin_tlspass failed on build/libssl.so.3 (exit $rc)"
    grep -q "^MAP $DROPIN_REAL\$" dropin.out || fail "build/libssl.so.3 is not mapped"
    grep -q "^MAP $sys\$" dropin.out || fail "the system libssl is not mapped"
    for n in tls-server tls-client; do
        [ "$(sed -n "s/^SERVED $n //p" dropin.out | xargs readlink -f)" = "$sys" ] ||
            fail "$n is not served by the system libssl"
    done
    for n in dtls-server dtls-client; do
        [ "$(sed -n "s/^SERVED $n //p" dropin.out | xargs readlink -f)" = "$DROPIN_REAL" ] ||
            fail "$n is not served by build/libssl.so.3"
    done
    grep -q '^OK tls TLSv1\.[23] ' dropin.out || fail "no TLS data exchange"
    # Both DTLS ends are ours: DTLS 1.3, DTLS_method's default (1.2 in the control run).
    grep -q "^OK dtls $(ours_version) " dropin.out || fail "no DTLS data exchange"
}

# RDTLS_NO_TLS_PASSTHROUGH=1: the system libssl is never loaded, TLS fails clearly (the
# handshake error itself is checked by dropin_s_client_tls_refused).
test_tlspass_disabled_by_env() {
    need openssl
    dropin_need
    with_fifo tcli
    start_bg tcli --stdin tcli.in env RDTLS_NO_TLS_PASSTHROUGH=1 LD_LIBRARY_PATH="$BUILD" \
        openssl s_server -accept 127.0.0.1:0 -naccept 1 "${DSRV_CERT[@]}"
    feed_open tcli
    wait_port tcli.out > /dev/null || fail "s_server did not start"
    expect_lib tcli ours
    feed_close tcli
}

# One socat process on build/libssl.so.3 with a TLS and a DTLS connection: it accepts TLS
# (OPENSSL-LISTEN, served by the system libssl) from a stock s_client and relays it over DTLS
# (DTLS client, ours) to a stock s_server -dtls1_2; a line goes each way end to end.
test_tlspass_socat_tls_to_dtls() {
    local tport
    need socat openssl
    dropin_need
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        "${DSRV_CERT[@]}"
    feed_open osrv
    PORT=$(wait_port osrv.out) || fail "s_server -dtls1_2 did not start"
    tport=$(free_port) || fail "no free port"
    start_bg socat env LD_LIBRARY_PATH="$BUILD" socat -d -d \
        "OPENSSL-LISTEN:$tport,bind=127.0.0.1,reuseaddr,cert=$CERTDIR/server.pem,key=$CERTDIR/server.key,verify=0" \
        "DTLS:127.0.0.1:$PORT,cafile=$CERTDIR/ca.pem,commonname=localhost"
    wait_grep socat.err 'listening on' || fail "socat did not listen"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -connect "127.0.0.1:$tport" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error -no_ign_eof
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' || fail "no verified TLS handshake"
    grep -E '^ *Protocol *:' ocli.out
    send ocli "hello over TLS then DTLS"
    wait_grep osrv.out '^hello over TLS then DTLS$' || fail "s_server -dtls1_2 got nothing"
    grep -E 'SSL (proto version used|connection using)' socat.err
    # Two handshakes in this one process: the TLS one (TLS 1.3 with the system libssl) and
    # the DTLS one (ours).
    [ "$(grep -c 'SSL connection using' socat.err)" = 2 ] || fail "socat: not two handshakes"
    grep -q 'SSL proto version used: TLSv1\.3' socat.err || fail "socat: no TLS 1.3"
    expect_passthrough socat
    send osrv "hello over DTLS then TLS"
    wait_grep ocli.out '^hello over DTLS then TLS$' || fail "s_client got nothing"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client failed"
    expect_exit socat 0 || fail "socat failed"
    feed_close osrv
}

# coturn's turnserver on build/libssl.so.3 with its TLS and DTLS listeners (one port, TCP and
# UDP): a stock openssl s_client completes a verified TLS handshake with it (served by the
# system libssl) and, in the same turnserver process, turnutils_uclient -S relays 10 of 10
# messages over DTLS (ours).
test_tlspass_coturn_tls_and_dtls() {
    local sport pport i
    need turnserver turnutils_uclient turnutils_peer openssl ss
    dropin_need
    sport=$(free_port) || fail "no free port"
    pport=$(free_port) || fail "no free port"
    start_bg peer turnutils_peer -L 127.0.0.1 -p "$pport"
    start_bg turn env LD_LIBRARY_PATH="$BUILD" turnserver -n --no-cli --listening-ip=127.0.0.1 \
        --relay-ip=127.0.0.1 --tls-listening-port="$sport" --listening-port="$((sport + 1))" \
        --no-tcp --no-udp --cert="$CERTDIR/server.pem" --pkey="$CERTDIR/server.key" \
        --lt-cred-mech --user=u:p --realm=rdtls --allow-loopback-peers \
        --min-port=49152 --max-port=65535 --log-file=stdout --no-stdout-log --simple-log
    wait_udp_bound "$sport" || fail "turnserver did not open its DTLS listener"
    for i in $(seq 1 300); do
        ss -Hltn "sport = :$sport" 2> /dev/null | grep -q . && break
        sleep 0.05
    done
    ss -Hltn "sport = :$sport" | grep -q . || fail "turnserver did not open its TLS listener"
    timeout "$PROC_TIMEOUT" openssl s_client -connect "127.0.0.1:$sport" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error < /dev/null > tls.out 2> tls.err ||
        { cat tls.err; fail "TLS handshake with turnserver failed"; }
    grep -q '^ *Verify return code: 0 (ok)' tls.out || fail "no verified TLS handshake"
    grep -E '^(New|Reused), .*Cipher is|^ *Protocol *:' tls.out
    expect_lib turn ours+tls
    start_bg uclient turnutils_uclient -S -u u -w p -p "$sport" -n 10 -m 1 \
        -e 127.0.0.1 -r "$pport" -c 127.0.0.1
    wait_grep uclient.out 'client session connected with cipher' || fail "uclient: no DTLS session"
    grep -m1 'client session connected' uclient.out
    expect_exit uclient 0 || fail "turnutils_uclient failed"
    grep 'tot_send_msgs=10, tot_recv_msgs=10' uclient.out || fail "not 10 of 10 messages back"
    expect_lib turn ours+tls
}
