# shellcheck shell=bash
# The engine's input policy seen from C (issue 15 item 6, issue 9 item 1): unauthenticated
# junk sent to a server that does not use DTLSv1_listen must not stop it from answering the
# next ClientHello. Stock OpenSSL answers at once; so must rdtls-s_server and the stock
# `openssl s_server` running on the drop-in libssl.so.3.

# udp_send PORT HEX...: sends one datagram per HEX argument to 127.0.0.1:PORT, each from a
# fresh source port (bash's /dev/udp).
udp_send() {
    local port="$1" h
    shift
    for h in "$@"; do
        # shellcheck disable=SC2059
        printf "$(printf '%s' "$h" | sed 's/../\\x&/g')" > "/dev/udp/127.0.0.1/$port" ||
            return 1
    done
}

# empty_hs_record SEQ: a 13-byte, zero-length, epoch-0 DTLS 1.2 handshake record.
empty_hs_record() {
    printf '16fefd0000%012x0000' "$1"
}

# junk KIND: the hex datagrams of one reproduction (one: seq 1000; fifty: seqs 0-49).
junk() {
    local s
    case "$1" in
        one) empty_hs_record 1000 ;;
        fifty) for s in $(seq 0 49); do empty_hs_record "$s"; echo; done ;;
    esac
}

# client_after_junk PORT: an rdtls-s_client handshake and one line to the server at PORT.
client_after_junk() {
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$1" \
        -CAfile "$CERTDIR/ca.pem" -verify 2
    feed_open cli
    wait_grep cli.err "^Protocol: $(ours_version)  Cipher: " 10 || fail "no handshake after the junk"
    send cli "after the junk"
}

# policy_s_server KIND: junk, then a real client, against rdtls-s_server without -listen.
policy_s_server() {
    local port
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    # shellcheck disable=SC2046
    udp_send "$port" $(junk "$1") || fail "could not send the junk"
    sleep 0.2
    client_after_junk "$port"
    wait_grep srv.out '^after the junk$' || fail "server did not receive the line"
    feed_close cli
    expect_exit cli 0 || fail "client failed"
    expect_exit srv 0 || fail "server failed"
}

test_policy_s_server_empty_record_seq1000() {
    policy_s_server one
}

test_policy_s_server_fifty_empty_records() {
    policy_s_server fifty
}

# policy_dropin_s_server KIND: the same against stock `openssl s_server` with
# LD_PRELOAD=build/libssl.so.3.
policy_dropin_s_server() {
    local port
    need openssl
    dropin_need
    with_fifo osrv
    start_bg osrv --stdin osrv.in env LD_PRELOAD="$DROPIN_REAL" openssl s_server -dtls1_2 \
        -accept 127.0.0.1:0 -naccept 1 -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "s_server did not start"
    expect_lib osrv ours
    # shellcheck disable=SC2046
    udp_send "$port" $(junk "$1") || fail "could not send the junk"
    sleep 0.2
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error -no_ign_eof
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' 10 || fail "no handshake after the junk"
    send ocli "after the junk"
    wait_grep osrv.out '^after the junk$' || fail "s_server got nothing"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client failed"
    wait_grep osrv.out 'CONNECTION CLOSED' || fail "s_server saw no close"
    feed_close osrv
    expect_exit osrv 0 || fail "s_server failed"
}

test_dropin_policy_s_server_empty_record_seq1000() {
    policy_dropin_s_server one
}

test_dropin_policy_s_server_fifty_empty_records() {
    policy_dropin_s_server fifty
}
