# shellcheck shell=bash
# A server that never answers: the client must give up on its own, with a clear error, in
# bounded time.
#
# OpenSSL 3.0 retransmits a flight 12 times and fails on the 13th timeout ("read timeout
# expired", DTLS1_TMO_ALERT_COUNT); its timer starts at 1 s and doubles up to 60 s, so with
# default timers a client gives up only after about 7 minutes (1+2+4+8+16+32+6*60 s).
# rdtls-s_client -timer_ms 50 installs DTLS_set_timer_cb() with a 50 ms start, doubling up
# to 400 ms: 13 datagrams in about 4.4 s. librdtls must fail within the same bound.

# blackhole CLIENT_ARGS...: the client against udp_sink; checks exit 1, the message, the
# elapsed time and that it retransmitted.
blackhole() {
    local port start elapsed n
    start_bg sink "$CTDIR/udp_sink" 25
    wait_grep sink.out '^[0-9]+$' || fail "udp_sink did not start"
    port=$(head -n 1 sink.out)
    start=$(date +%s)
    timeout 20 "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" -timer_ms 50 "$@" \
        < /dev/null > cli.out 2> cli.err
    rc=$?
    elapsed=$(($(date +%s) - start))
    cat cli.err
    echo "client exit $rc after ${elapsed}s"
    [ "$rc" = 1 ] || fail "client exit status $rc, expected 1 (124 = never gave up)"
    [ "$elapsed" -le 15 ] || fail "client took ${elapsed}s to give up"
    grep -q 'handshake failed' cli.err || fail "no clear error message"
    n=$(tail -n 1 sink.err | sed -n 's/^received \([0-9]*\) datagrams$/\1/p')
    echo "the sink received ${n:-0} datagrams"
    [ "${n:-0}" -ge 3 ] || fail "the client did not retransmit its ClientHello"
}

test_blackhole_nbio() {
    blackhole -nbio
}

test_blackhole_blocking() {
    blackhole -timeout
}
