# shellcheck shell=bash
# DTLS 1.3 (RFC 9147, issue 13) against an independent implementation: wolfSSL 5.9's example
# client and server (built with --enable-dtls13 by scripts/build-wolfssl-cid.sh) and our
# sans-IO state machines rdtls::dtls13::{Client13, Server13} on a UDP socket
# (examples/dtls13_udp.rs, built by the Makefile into $BUILD/dtls13_udp).
#
# Notes on the peer (wolfSSL 5.9.4 as built here, with X25519):
# * wolfSSL's DTLS 1.3 server answers every ClientHello1 with a stateless cookie
#   HelloRetryRequest unless run with -Jn; with --force-curve SECP256R1 it asks for a P-256
#   share by HelloRetryRequest when our client's first share (X25519) is not that;
# * our server's return-routability cookie (on by default) is the HRR wolfSSL's client
#   sees, --no-cookie the case without one; wolfSSL's client -J sends no key share;
# * wolfSSL's client -I sends a KeyUpdate (request_update) before its data;
# * wolfSSL's server runs in echo mode (-e: our line comes back, read until close_notify):
#   its default mode reads once, and examples/server/server.c's ServerRead ends without
#   data when wolfSSL_read returns 0 for a record that holds none (our ACK of its
#   NewSessionTicket, our KeyUpdate) and no datagram is waiting yet, a race of the example
#   program seen as "no 'Client message'" although wolfSSL answered.

DTLS13_SUITES="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256"

dtls13_setup() {
    WOLF="$(abspath "$BUILD/wolfssl-cid")"
    [ -x "$WOLF/examples/client/client" ] && [ -x "$WOLF/examples/server/server" ] &&
        grep -q 'define WOLFSSL_DTLS13' "$WOLF/wolfssl/options.h" 2> /dev/null ||
        skip "no DTLS 1.3 wolfSSL in $WOLF (run sh scripts/build-wolfssl-cid.sh)"
    grep -q 'define HAVE_CURVE25519$' "$WOLF/wolfssl/options.h" &&
        grep -q 'define HAVE_SESSION_TICKET$' "$WOLF/wolfssl/options.h" ||
        skip "wolfSSL in $WOLF lacks X25519 or tickets (run sh scripts/build-wolfssl-cid.sh)"
    # The state machines do not depend on the C backend: run once, with the rdtls build.
    [ "$RDTLS_BACKEND" = rdtls ] || skip "backend-independent, run with RDTLS_BACKEND=rdtls"
    D13="$(abspath "$BUILD/dtls13_udp")"
    [ -x "$D13" ] || fail "missing $D13 (make ctest builds it)"
    # wolfSSL lists its suites by its own names (TLS13-AES128-GCM-SHA256).
    local w
    case "$1" in
    TLS_AES_128_GCM_SHA256) w=TLS13-AES128-GCM-SHA256 ;;
    TLS_AES_256_GCM_SHA384) w=TLS13-AES256-GCM-SHA384 ;;
    TLS_CHACHA20_POLY1305_SHA256) w=TLS13-CHACHA20-POLY1305-SHA256 ;;
    *) fail "unknown suite $1" ;;
    esac
    (cd "$WOLF" && ./examples/client/client -e) | tr ':' '\n' | grep -qx "$w" ||
        skip "this wolfSSL build has no $1"
}

# wolf13_server SUITE HRR(yes|no|group) [OUR OPTIONS...]: our client against wolfSSL's
# server: with its cookie HRR, without (-Jn), or with an HRR for a P-256 share only.
wolf13_server() {
    local suite="$1" hrr="$2" port wopt=()
    shift 2
    dtls13_setup "$suite"
    port=$(free_port)
    [ "$hrr" = yes ] || wopt=(-Jn)
    [ "$hrr" = group ] && wopt+=(--force-curve SECP256R1)
    (cd "$WOLF" && exec timeout -k 5 "$PROC_TIMEOUT" ./examples/server/server -u -v 4 \
        -p "$port" -c "$CERTDIR/server.pem" -k "$CERTDIR/server.key" -d -e -l "$suite" \
        "${wopt[@]}" ${WOLF13_SRV_OPTS:-}) > wsrv.out 2>&1 &
    echo $! >> pids
    wsrv_pid=$!
    sleep 0.5
    start_bg cli "$D13" client "$port" --certs "$CERTDIR" --suite "$suite" "$@"
    expect_exit cli 0 || { cat cli.out cli.err; fail "our DTLS 1.3 client failed"; }
    expect_exit wsrv 0 || { cat wsrv.out; fail "wolfSSL server failed"; }
    cat cli.out cli.err wsrv.out
    grep -q '^Protocol: DTLSv1.3$' cli.out || fail "we did not negotiate DTLS 1.3"
    grep -q "^Cipher: $suite\$" cli.out || fail "our suite: $(grep Cipher cli.out)"
    grep -q '^SSL version is DTLSv1.3$' wsrv.out || fail "wolfSSL did not negotiate DTLS 1.3"
    grep -q "^SSL cipher suite is $suite\$" wsrv.out || fail "wolfSSL's suite differs"
    grep -q '^received: hello from rdtls$' cli.out || fail "no echo from wolfSSL"
    if [ "$hrr" != no ]; then
        grep -q '^HelloRetryRequest received$' cli.err || fail "no HelloRetryRequest"
    else
        ! grep -q '^HelloRetryRequest received$' cli.err || fail "unexpected HelloRetryRequest"
    fi
}

# wolf13_client SUITE COOKIE(yes|no|group) [WOLFSSL CLIENT OPTIONS...]: wolfSSL's client
# against our server, which answers its line. "group": no cookie, but a HelloRetryRequest
# asking for a key share (wolfSSL's client -J sends none).
wolf13_client() {
    local suite="$1" cookie="$2" port sopt=()
    shift 2
    dtls13_setup "$suite"
    [ "$cookie" = yes ] || sopt=(--no-cookie)
    [ "${1:-}" = --mtu ] && { sopt+=(--mtu "$2"); shift 2; }
    start_bg srv "$D13" server --certs "$CERTDIR" --suite "$suite" "${sopt[@]}" ${D13_SRV_OPTS:-}
    wait_grep srv.out '^PORT [0-9]+$' > /dev/null || fail "our server did not start"
    port=$(sed -n 's/^PORT //p' srv.out)
    (cd "$WOLF" && timeout -k 5 "$PROC_TIMEOUT" ./examples/client/client -u -v 4 \
        -h 127.0.0.1 -p "$port" -A "$CERTDIR/ca.pem" -x -l "$suite" "$@") > wcli.out 2>&1 ||
        { cat wcli.out srv.out srv.err; fail "wolfSSL client failed"; }
    expect_exit srv 0 || { cat srv.out srv.err; fail "our DTLS 1.3 server failed"; }
    cat wcli.out srv.out srv.err
    grep -q '^SSL version is DTLSv1.3$' wcli.out || fail "wolfSSL did not negotiate DTLS 1.3"
    grep -q "^SSL cipher suite is $suite\$" wcli.out || fail "wolfSSL's suite differs"
    grep -q '^Protocol: DTLSv1.3$' srv.out || fail "we did not negotiate DTLS 1.3"
    grep -q "^Cipher: $suite\$" srv.out || fail "our suite: $(grep Cipher srv.out)"
    grep -q '^received: hello wolfssl!$' srv.out || fail "our server read nothing"
    grep -q '^rdtls heard: hello wolfssl!$' wcli.out || fail "wolfSSL got no answer"
    if [ "$cookie" = yes ]; then
        grep -q '^event: HelloRetryRequest(true)$' srv.err || fail "no cookie HRR sent"
    elif [ "$cookie" = group ]; then
        grep -q '^event: HelloRetryRequest(false)$' srv.err || fail "no key share HRR sent"
    else
        ! grep -q '^event: HelloRetryRequest' srv.err || fail "unexpected HelloRetryRequest"
    fi
}

# Our client's first (and accepted) share was X25519.
wolf_x25519() {
    grep -q '^SSL curve name is X25519$' wsrv.out || fail "wolfSSL did not use X25519"
}

for s in $DTLS13_SUITES; do
    eval "test_dtls13_wolfssl_server_${s}_hrr() { wolf13_server $s yes; }"
    eval "test_dtls13_wolfssl_server_${s}_no_hrr() { wolf13_server $s no; wolf_x25519; }"
    eval "test_dtls13_wolfssl_client_${s}_cookie() { wolf13_client $s yes; }"
    eval "test_dtls13_wolfssl_client_${s}_no_cookie() { wolf13_client $s no; }"
done

# wolfSSL's client updates its keys (KeyUpdate with update_requested, RFC 9147 §8) before
# sending: we follow its epoch and answer with ours.
test_dtls13_wolfssl_client_key_update() {
    wolf13_client TLS_AES_128_GCM_SHA256 yes -I
    grep -q '^event: RecvKeyUpdated(4)$' srv.err || fail "we did not follow wolfSSL's KeyUpdate"
    grep -q '^event: SendKeyUpdated(4)$' srv.err || fail "our answering KeyUpdate was not acked"
}

# Our client's default first share is X25519 (the *_no_hrr cases above); P-256 alone.
test_dtls13_wolfssl_server_p256_no_hrr() {
    wolf13_server TLS_AES_128_GCM_SHA256 no --group p256
    grep -q '^SSL curve name is SECP256R1$' wsrv.out || fail "not P-256"
}

# wolfSSL's server wants P-256: its HelloRetryRequest changes our key share group.
test_dtls13_wolfssl_server_group_hrr() {
    wolf13_server TLS_AES_128_GCM_SHA256 group
    grep -q '^SSL curve name is SECP256R1$' wsrv.out || fail "not P-256 after the HRR"
}

# wolfSSL's client sends no key_share (-J): our server's HelloRetryRequest names the group.
test_dtls13_wolfssl_client_group_hrr() {
    wolf13_client TLS_AES_128_GCM_SHA256 group -J
}

# Our client updates its keys (update_requested) after a first echo from wolfSSL's echoing
# server, which must acknowledge it and answer with its own; a second line then goes both
# ways in the new epochs.
test_dtls13_wolfssl_server_key_update() {
    local port
    dtls13_setup TLS_AES_128_GCM_SHA256
    port=$(free_port)
    (cd "$WOLF" && exec timeout -k 5 "$PROC_TIMEOUT" ./examples/server/server -u -v 4 \
        -p "$port" -c "$CERTDIR/server.pem" -k "$CERTDIR/server.key" -d -Jn -e) \
        > wsrv.out 2>&1 &
    echo $! >> pids
    wsrv_pid=$!
    sleep 0.5
    start_bg cli "$D13" client "$port" --certs "$CERTDIR" --key-update
    expect_exit cli 0 || { cat cli.out cli.err wsrv.out; fail "our DTLS 1.3 client failed"; }
    expect_exit wsrv 0 || { cat wsrv.out; fail "wolfSSL server failed"; }
    cat cli.out cli.err wsrv.out
    grep -q '^SSL version is DTLSv1.3$' wsrv.out || fail "wolfSSL did not negotiate DTLS 1.3"
    grep -q '^received: hello from rdtls$' cli.out || fail "no first echo"
    grep -q '^event: SendKeyUpdated(4)$' cli.err || fail "wolfSSL did not acknowledge our KeyUpdate"
    grep -q '^event: RecvKeyUpdated(4)$' cli.err || fail "wolfSSL did not update its keys"
    grep -q '^received: after a KeyUpdate$' cli.out || fail "no echo in the new epoch"
}

# Resumption (RFC 8446 §2.2, PSK + ECDHE): wolfSSL's server (-r: a second connection that
# may resume) issues a NewSessionTicket; our client's second connection offers it and
# wolfSSL accepts it (after its cookie HelloRetryRequest: the binder is recomputed).
test_dtls13_wolfssl_server_resumption() {
    local port
    dtls13_setup TLS_AES_128_GCM_SHA256
    port=$(free_port)
    (cd "$WOLF" && exec timeout -k 5 "$PROC_TIMEOUT" ./examples/server/server -u -v 4 \
        -p "$port" -c "$CERTDIR/server.pem" -k "$CERTDIR/server.key" -d -e -r) \
        > wsrv.out 2>&1 &
    echo $! >> pids
    wsrv_pid=$!
    sleep 0.5
    start_bg cli "$D13" client "$port" --certs "$CERTDIR" --resume
    expect_exit cli 0 || { cat cli.out cli.err wsrv.out; fail "our DTLS 1.3 client failed"; }
    expect_exit wsrv 0 || { cat wsrv.out; fail "wolfSSL server failed"; }
    cat cli.out cli.err wsrv.out
    [ "$(grep -c '^received: hello from rdtls$' cli.out)" = 2 ] ||
        fail "not two echoes from wolfSSL"
    [ "$(sed -n 's/^Resumed: //p' cli.out | tr '\n' ' ')" = "no yes " ] ||
        fail "our client did not resume: $(grep Resumed cli.out)"
    grep -q '^event: NewSessionTicket$' cli.err || fail "no ticket from wolfSSL"
    grep -q '^SSL reused session$' wsrv.out || fail "wolfSSL did not resume"
}

# Resumption the other way: our server (--resume: a ticket, then a second client) and
# wolfSSL's client (-r: reconnects with the ticket), with and without our cookie HRR.
# wolfSSL's client sends its session's ID as legacy_session_id then: RFC 9147 §5 forbids
# echoing it, and wolfSSL refuses a ServerHello that does.
wolf13_client_resume() {
    local port sopt=()
    dtls13_setup TLS_AES_128_GCM_SHA256
    [ "$1" = yes ] || sopt=(--no-cookie)
    start_bg srv "$D13" server --certs "$CERTDIR" --resume "${sopt[@]}"
    wait_grep srv.out '^PORT [0-9]+$' > /dev/null || fail "our server did not start"
    port=$(sed -n 's/^PORT //p' srv.out)
    (cd "$WOLF" && timeout -k 5 "$PROC_TIMEOUT" ./examples/client/client -u -v 4 \
        -h 127.0.0.1 -p "$port" -A "$CERTDIR/ca.pem" -x -r) > wcli.out 2>&1 ||
        { cat wcli.out srv.out srv.err; fail "wolfSSL client failed"; }
    expect_exit srv 0 || { cat srv.out srv.err; fail "our DTLS 1.3 server failed"; }
    cat wcli.out srv.out srv.err
    grep -q '^SSL reused session$' wcli.out || fail "wolfSSL did not resume"
    [ "$(sed -n 's/^Resumed: //p' srv.out | tr '\n' ' ')" = "no yes " ] ||
        fail "our server did not resume: $(grep Resumed srv.out)"
    grep -q '^received: resuming wolfssl!$' srv.out || fail "no data after resumption"
    grep -q 'rdtls heard: resuming wolfssl!$' wcli.out || fail "wolfSSL got no answer"
}
test_dtls13_wolfssl_client_resumption() { wolf13_client_resume no; }
test_dtls13_wolfssl_client_resumption_cookie() { wolf13_client_resume yes; }

# A 300-byte MTU on our server: its Certificate / CertificateVerify flight is cut into
# several records (RFC 9147 §5.8) that wolfSSL reassembles.
test_dtls13_wolfssl_client_small_mtu() {
    wolf13_client TLS_AES_128_GCM_SHA256 yes --mtu 300
}

# Connection IDs in DTLS 1.3 (RFC 9147 §9, the connection_id extension of RFC 9146 §3):
# wolfSSL's example programs ask for the CID given by --cid, ours for N random bytes
# (--cid N; 0: zero-length, wolfSSL then sends records without one). check_wolf_cid
# (ctests/t_cid.sh) checks our "Connection ID:" line against what wolfSSL says it sends.
# WOLF13_SRV_OPTS / D13_SRV_OPTS pass options to wolfSSL's server / ours.
wolf13_server_cid() {
    local len="$1"
    shift
    WOLF13_SRV_OPTS="--cid wolfsrv" wolf13_server TLS_AES_128_GCM_SHA256 yes --cid "$len" "$@"
    grep -q '^CID extension was negotiated$' wsrv.out || fail "wolfSSL negotiated no CID"
    # "wolfsrv" in hex: what our records carry.
    check_wolf_cid cli.out 776f6c66737276 wsrv.out "$len"
}

wolf13_client_cid() {
    D13_SRV_OPTS="--cid $1" wolf13_client TLS_AES_128_GCM_SHA256 yes --cid wolfcid
    grep -q '^CID extension was negotiated$' wcli.out || fail "wolfSSL negotiated no CID"
    check_wolf_cid srv.out 776f6c66636964 wcli.out "$1"
}

test_dtls13_wolfssl_server_cid() { wolf13_server_cid 4; }
test_dtls13_wolfssl_server_cid_zero_length() { wolf13_server_cid 0; }
test_dtls13_wolfssl_client_cid() { wolf13_client_cid 5; }
test_dtls13_wolfssl_client_cid_zero_length() { wolf13_client_cid 0; }

# NewConnectionId (RFC 9147 §9): after wolfSSL's first echo our client hands it a new CID
# with cid_immediate; once that is acknowledged, wolfSSL's echo of our second line carries
# the new CID (our client prints the CID of each record that changes it).
test_dtls13_wolfssl_server_new_connection_id() {
    local new
    wolf13_server_cid 4 --new-cid
    new=$(sed -n 's/^NewConnectionId: \([0-9a-f]*\)$/\1/p' cli.out)
    [ ${#new} = 8 ] || fail "no NewConnectionId sent"
    sed -n '/^NewConnectionId: /,$p' cli.out | grep -qx "received CID: $new" ||
        fail "wolfSSL did not switch to our new CID $new"
    grep -q '^received: after a NewConnectionId$' cli.out || fail "no echo after the switch"
}

# Loss (RFC 9147 §5.8) against wolfSSL, through ctests/lossy_udp_proxy.py: a seeded relay
# that loses LOSS of the handshake-phase datagrams (epoch 0 and 2; the seeds below lose the
# first ClientHello) in both directions, so both sides' timers and our ACKs must recover.
# Application data is not dropped (DTLS does not retransmit it).
# lossy_relay TARGET_PORT LOSS SEED: starts the relay; its port is in RELAY_PORT.
lossy_relay() {
    start_bg relay python3 "$CT_ROOT/ctests/lossy_udp_proxy.py" "$1" "$2" "$3"
    wait_grep relay.out '^PORT [0-9]+$' > /dev/null || fail "the lossy relay did not start"
    RELAY_PORT=$(sed -n 's/^PORT //p' relay.out)
}

relay_dropped() {
    expect_exit relay 0 || fail "the lossy relay failed"
    cat relay.err
    grep -q 'dropped [1-9]' relay.err || fail "the relay dropped nothing"
}

# wolf13_client_loss LOSS SEED: wolfSSL's client against our server through the relay.
wolf13_client_loss() {
    local suite=TLS_AES_128_GCM_SHA256 port rport
    dtls13_setup "$suite"
    start_bg srv "$D13" server --certs "$CERTDIR" --suite "$suite"
    wait_grep srv.out '^PORT [0-9]+$' > /dev/null || fail "our server did not start"
    port=$(sed -n 's/^PORT //p' srv.out)
    lossy_relay "$port" "$1" "$2"
    rport=$RELAY_PORT
    (cd "$WOLF" && timeout -k 5 "$PROC_TIMEOUT" ./examples/client/client -u -v 4 \
        -h 127.0.0.1 -p "$rport" -A "$CERTDIR/ca.pem" -x -l "$suite") > wcli.out 2>&1 ||
        { cat wcli.out srv.out srv.err relay.err; fail "wolfSSL client failed"; }
    expect_exit srv 0 || { cat srv.out srv.err; fail "our DTLS 1.3 server failed"; }
    cat wcli.out srv.out
    grep -q '^SSL version is DTLSv1.3$' wcli.out || fail "wolfSSL did not negotiate DTLS 1.3"
    grep -q '^Protocol: DTLSv1.3$' srv.out || fail "we did not negotiate DTLS 1.3"
    grep -q '^received: hello wolfssl!$' srv.out || fail "our server read nothing"
    grep -q '^rdtls heard: hello wolfssl!$' wcli.out || fail "wolfSSL got no answer"
    relay_dropped
}

# wolf13_server_loss LOSS SEED: our client against wolfSSL's server through the relay.
wolf13_server_loss() {
    local suite=TLS_AES_128_GCM_SHA256 port rport
    dtls13_setup "$suite"
    port=$(free_port)
    (cd "$WOLF" && exec timeout -k 5 "$PROC_TIMEOUT" ./examples/server/server -u -v 4 \
        -p "$port" -c "$CERTDIR/server.pem" -k "$CERTDIR/server.key" -d -e -l "$suite") \
        > wsrv.out 2>&1 &
    echo $! >> pids
    wsrv_pid=$!
    sleep 0.5
    lossy_relay "$port" "$1" "$2"
    rport=$RELAY_PORT
    start_bg cli "$D13" client "$rport" --certs "$CERTDIR" --suite "$suite"
    expect_exit cli 0 || { cat cli.out cli.err relay.err; fail "our DTLS 1.3 client failed"; }
    expect_exit wsrv 0 || { cat wsrv.out; fail "wolfSSL server failed"; }
    cat cli.out wsrv.out
    grep -q '^Protocol: DTLSv1.3$' cli.out || fail "we did not negotiate DTLS 1.3"
    grep -q '^SSL version is DTLSv1.3$' wsrv.out || fail "wolfSSL did not negotiate DTLS 1.3"
    grep -q '^received: hello from rdtls$' cli.out || fail "no echo from wolfSSL"
    relay_dropped
}

test_dtls13_wolfssl_client_loss_10() { wolf13_client_loss 0.10 31; }
test_dtls13_wolfssl_client_loss_30() { wolf13_client_loss 0.30 1; }
test_dtls13_wolfssl_server_loss_10() { wolf13_server_loss 0.10 31; }
test_dtls13_wolfssl_server_loss_30() { wolf13_server_loss 0.30 1; }
