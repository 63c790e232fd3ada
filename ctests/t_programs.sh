# shellcheck shell=bash
# In-process programs: the memory-BIO example, 16 threads on shared contexts, NULL arguments.

test_mem_bio() {
    timeout "$PROC_TIMEOUT" "$BINDIR/rdtls-mem-bio" -cert "$CERTDIR/server.pem" \
        -key "$CERTDIR/server.key" -CAfile "$CERTDIR/ca.pem" -text "hello over memory BIOs" \
        > out 2> err || { cat out err; fail "rdtls-mem-bio failed"; }
    cat out
    grep -q '^server received: hello over memory BIOs$' out || fail "server did not get the message"
    grep -q '^client received: hello over memory BIOs$' out || fail "client did not get the echo"
    grep -q '^both sides closed with close_notify$' out || fail "no clean close"
}

# A 2-certificate RSA-4096 chain with a 500-byte MTU: the Certificate message is fragmented.
test_mem_bio_fragmented() {
    timeout "$PROC_TIMEOUT" "$BINDIR/rdtls-mem-bio" -cert "$CERTDIR/big-chain.pem" \
        -key "$CERTDIR/big.key" -CAfile "$CERTDIR/ca.pem" -mtu 500 -msg \
        > out 2> err || { tail -n 20 err; fail "rdtls-mem-bio failed"; }
    cat out
    grep -q '^client received: hello over memory BIOs$' out || fail "no echo"
    grep -q '^<<< .*Handshake \[length [0-9a-f]*\], Certificate$' err ||
        fail "client saw no Certificate message"
    # Every record written fits the MTU: 13 + the length in header bytes 11-12 (the hex
    # dump line after each ">>> ... RecordHeader" line of the -msg trace).
    local biggest
    biggest=$(awk 'function hex(s,  i, v) {
            v = 0
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        /^>>> .*RecordHeader/ { h = 1; next }
        h { h = 0; n = 13 + hex($12 $13); if (n > max) max = n }
        END { print max + 0 }' err)
    echo "largest record written: $biggest bytes"
    [ "$biggest" -le 500 ] || fail "a record of $biggest bytes exceeds the 500-byte MTU"
}

test_threads16() {
    timeout 120 "$CTDIR/threads16" "$CERTDIR" || fail "threads16 failed"
}

test_null_args() {
    timeout 120 "$CTDIR/null_args" "$CERTDIR" || fail "null_args failed"
}

# make bench's program (bench/bench.c) for a moment: every metric it prints has a value (no
# timing is judged here; a benchmark that dies, e.g. on a cipher the default version does
# not use, fails make test instead of the next make bench).
test_bench_runs() {
    local m v
    BENCH_FLOOR_LIB= timeout "$PROC_TIMEOUT" "$CTDIR/bench" "$CERTDIR" 0.02 > out 2> err ||
        { cat out err; fail "bench failed"; }
    cat out
    for m in full_handshakes_per_s resumed_handshakes_per_s throughput_mb_per_s \
        bytes_per_connection server_bytes_per_connection full_handshake_datagrams \
        full_handshake_bytes resumed_handshake_datagrams resumed_handshake_bytes \
        cookie_handshake_datagrams cookie_handshake_bytes psk_ccm8_handshakes_per_s \
        ecdhe_ccm8_handshakes_per_s ccm8_64b_throughput_mb_per_s; do
        v=$(sed -n "s/^$m //p" out)
        awk -v v="$v" 'BEGIN { exit !(v + 0 > 0) }' || fail "$m: '$v'"
    done
    grep -q '^resumed_fraction 1.000$' out || fail "not every resumption resumed"
    if [ "$RDTLS_BACKEND" = rdtls ]; then
        for m in full_handshakes_per_s resumed_handshakes_per_s full_handshake_datagrams; do
            v=$(sed -n "s/^dtls13_$m //p" out)
            awk -v v="$v" 'BEGIN { exit !(v + 0 > 0) }' || fail "dtls13_$m: '$v'"
        done
        grep -q '^dtls13_resumed_fraction 1.000$' out || fail "not every 1.3 resumption resumed"
    fi
}
