# shellcheck shell=bash
# DTLS 1.2 connection IDs (RFC 9146, issue 13): the poll server finds an association by
# its CID when the client's address changes, and follows it only after an authentic record.

# cid_rebind CLIENT_CID_LEN [dtls1_3]: poll server asking for 4-byte CIDs, ctests/cid_client
# asking for CLIENT_CID_LEN bytes and switching source port after the first echo. With
# dtls1_3 both offer DTLS 1.3 and must use it; without, the poll server is pinned to 1.2 by
# RDTLS_MAX_PROTO=DTLSv1.2 (1.3 is its default) and the dual client falls back.
cid_rebind() {
    local port want=DTLSv1.2
    [ "$RDTLS_BACKEND" = rdtls ] || skip "needs rdtls (OpenSSL has no connection IDs)"
    [ "${2:-}" = dtls1_3 ] && want=DTLSv1.3
    RDTLS_MAX_PROTO=$want start_bg srv "$BINDIR/rdtls-poll-server" -accept 127.0.0.1:0 \
        -naccept 1 -cid 4 -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg cli "$CTDIR/cid_client" "$port" "$CERTDIR/ca.pem" "$@"
    expect_exit cli 0 || fail "cid_client failed"
    grep -q "^version: $want\$" cli.out || fail "not $want: $(grep version cli.out)"
    grep -q '^peer CID (4 bytes)' cli.out || fail "the server's CID is not 4 bytes"
    grep -q "^own CID ($1 bytes)" cli.out || fail "the client's CID is not $1 bytes"
    grep -q '^echo: two$' cli.out || fail "no echo after the address change"
    expect_exit srv 0 || fail "poll server failed"
    grep -q 'association moved to 127.0.0.1:' srv.err || fail "the server did not follow"
    grep -q "^Protocol: $want " srv.err || fail "server: $(grep Protocol srv.err)"
    [ "$(grep -c 'handshake done' srv.err)" = 1 ] || fail "a second handshake happened"
    [ "$(cat srv.out)" = onetwo ] || fail "server read '$(cat srv.out)'"
}

test_cid_poll_server_rebind() { cid_rebind 6; }
# DTLS 1.3 (RFC 9147 section 9): the CID is in the unified header; the poll server's
# demultiplexer reads it there and follows the client to its new port.
test_cid_poll_server_rebind_dtls13() { cid_rebind 6 dtls1_3; }
# DTLS 1.3 with a zero-length client CID: the server's records carry none.
test_cid_poll_server_rebind_dtls13_zero_length() { cid_rebind 0 dtls1_3; }
# A zero-length client CID: the client sends the server's CID, the server sends plain records.
test_cid_poll_server_rebind_zero_length() { cid_rebind 0; }
# The same through the OpenSSL-built poll server on the drop-in libssl.so.3 (the rdtls_
# functions are found with dlsym).
test_dropin_prog_cid_poll_server() { dropin_reuse cid_poll_server_rebind; }
# DTLS 1.3 through the OpenSSL-built poll server on the drop-in.
test_dropin_prog_cid_poll_server_dtls13() { dropin_reuse cid_poll_server_rebind_dtls13; }

# rdtls-s_server serves on one unconnected socket: its datagram BIO follows the client's new
# address, but only after an authentic newest record (the capi guard, RFC 9146 §6).
test_cid_s_server_rebind() {
    local port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "needs rdtls (OpenSSL has no connection IDs)"
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 -cid 6 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg cli "$CTDIR/cid_client" "$port" "$CERTDIR/ca.pem" 2
    expect_exit cli 0 || fail "cid_client failed"
    grep -q '^echo: two$' cli.out || fail "no echo after the address change"
    expect_exit srv 0 || fail "s_server failed"
    grep -q '^Connection ID: ours [0-9a-f]\{12\} peer [0-9a-f]\{4\}$' srv.err ||
        fail "server CIDs: $(grep 'Connection ID' srv.err)"
}
test_dropin_prog_cid_s_server() { dropin_reuse cid_s_server_rebind; }

# ---- wolfSSL (5.9, RFC 9146 CIDs) as the independent peer -----------------------------
# Debian's libwolfssl has no CIDs; scripts/build-wolfssl-cid.sh builds one (make test runs
# it through install-deps.sh) into $BUILD/wolfssl-cid. Its example programs must run in
# their tree; certificates are passed by path.
wolfssl_cid_dir() {
    WOLF="$(abspath "$BUILD/wolfssl-cid")"
    [ -x "$WOLF/examples/client/client" ] && [ -x "$WOLF/examples/server/server" ] ||
        skip "no CID-enabled wolfSSL in $WOLF (run sh scripts/build-wolfssl-cid.sh)"
    [ "$RDTLS_BACKEND" = rdtls ] || skip "needs rdtls (OpenSSL has no connection IDs)"
}

# wolfhex HEX: HEX as wolfSSL's examples print a CID (each byte with %x: no leading zero).
wolfhex() {
    local h="$1" o="" b
    while [ -n "$h" ]; do
        b="${h:0:2}"
        h="${h:2}"
        o="$o${b#0}"
    done
    echo "$o"
}

# check_wolf_cid OURS_LINE_FILE PEER_HEX WOLF_OUT LEN: our summary line names PEER_HEX as the
# peer's CID and an own CID of LEN bytes, and wolfSSL reports sending exactly ours.
check_wolf_cid() {
    local ours
    ours=$(sed -n "s/^Connection ID: ours \([0-9a-f]*\|(empty)\) peer $2\$/\1/p" "$1")
    [ -n "$ours" ] || fail "our CIDs: $(grep 'Connection ID' "$1")"
    if [ "$4" = 0 ]; then
        [ "$ours" = "(empty)" ] || fail "own CID $ours, expected none"
        grep -q '^other peer provided empty CID$' "$3" || fail "wolfSSL got a CID"
    else
        [ ${#ours} = $(($4 * 2)) ] || fail "own CID $ours, expected $4 bytes"
        grep -qi "^Sending CID is $(wolfhex "$ours")\$" "$3" ||
            fail "wolfSSL sends another CID than ours ($ours)"
    fi
}

# wolf_client LEN [dtls1_3]: wolfSSL's client asks for the CID "wolfcid", our poll server
# for LEN random bytes (0: zero-length, wolfSSL then sends plain records). The server echoes
# the client's line. With dtls1_3 both run DTLS 1.3 (RFC 9147 section 9).
wolf_client() {
    local port want=DTLSv1.2 v=3
    wolfssl_cid_dir
    if [ "${2:-}" = dtls1_3 ]; then
        grep -q 'define WOLFSSL_DTLS13' "$WOLF/wolfssl/options.h" 2> /dev/null ||
            skip "no DTLS 1.3 in $WOLF"
        want=DTLSv1.3
        v=4
    fi
    RDTLS_MAX_PROTO=$want start_bg srv "$BINDIR/rdtls-poll-server" -accept 127.0.0.1:0 \
        -naccept 1 -cid "$1" -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    (cd "$WOLF" && timeout -k 5 "$PROC_TIMEOUT" ./examples/client/client -u -v "$v" \
        -h 127.0.0.1 -p "$port" -A "$CERTDIR/ca.pem" -x --cid wolfcid) > wcli.out 2>&1 ||
        { cat wcli.out; fail "wolfSSL client failed"; }
    cat wcli.out
    expect_exit srv 0 || fail "poll server failed"
    grep -q '^CID extension was negotiated$' wcli.out || fail "wolfSSL negotiated no CID"
    grep -q '^hello wolfssl!$' wcli.out || fail "wolfSSL got no echo"
    grep -q "^Protocol: $want " srv.err || fail "server: $(grep Protocol srv.err)"
    # "wolfcid" in hex: what our records carry.
    check_wolf_cid srv.err 776f6c66636964 wcli.out "$1"
}

# wolf_server LEN: wolfSSL's server asks for "wolfsrv", our s_client for LEN bytes.
wolf_server() {
    local port
    wolfssl_cid_dir
    port=$(free_port)
    (cd "$WOLF" && exec timeout -k 5 "$PROC_TIMEOUT" ./examples/server/server -u -v 3 \
        -p "$port" -c "$CERTDIR/server.pem" -k "$CERTDIR/server.key" -d --cid wolfsrv) \
        > wsrv.out 2>&1 &
    echo $! >> pids
    wsrv_pid=$!
    sleep 0.5
    echo "hello from rdtls" > msg
    start_bg cli --stdin msg "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -cid "$1" -ign_eof
    expect_exit cli 0 || fail "rdtls-s_client failed"
    expect_exit wsrv 0 || { cat wsrv.out; fail "wolfSSL server failed"; }
    cat wsrv.out
    grep -q 'I hear you fa shizzle!' cli.out || fail "no answer from wolfSSL"
    grep -q '^Client message: hello from rdtls$' wsrv.out || fail "wolfSSL read nothing"
    check_wolf_cid cli.err 776f6c66737276 wsrv.out "$1"
}

test_cid_wolfssl_client() { wolf_client 4; }
test_cid_wolfssl_client_zero_length() { wolf_client 0; }
# wolfSSL's DTLS 1.3 client with a CID against our poll server (unified-header CIDs).
test_cid_wolfssl_client_dtls13() { wolf_client 4 dtls1_3; }
test_cid_wolfssl_client_dtls13_zero_length() { wolf_client 0 dtls1_3; }
test_cid_wolfssl_server() { wolf_server 3; }
test_cid_wolfssl_server_zero_length() { wolf_server 0; }
