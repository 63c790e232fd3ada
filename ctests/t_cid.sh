# shellcheck shell=bash
# DTLS 1.2 connection IDs (RFC 9146, issue 13): the poll server finds an association by
# its CID when the client's address changes, and follows it only after an authentic record.

# cid_rebind CLIENT_CID_LEN: poll server asking for 4-byte CIDs, ctests/cid_client asking
# for CLIENT_CID_LEN bytes and switching source port after the first echo.
cid_rebind() {
    local port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "needs rdtls (OpenSSL has no connection IDs)"
    start_bg srv "$BINDIR/rdtls-poll-server" -accept 127.0.0.1:0 -naccept 1 -cid 4 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg cli "$CTDIR/cid_client" "$port" "$CERTDIR/ca.pem" "$1"
    expect_exit cli 0 || fail "cid_client failed"
    grep -q '^peer CID (4 bytes)' cli.out || fail "the server's CID is not 4 bytes"
    grep -q "^own CID ($1 bytes)" cli.out || fail "the client's CID is not $1 bytes"
    grep -q '^echo: two$' cli.out || fail "no echo after the address change"
    expect_exit srv 0 || fail "poll server failed"
    grep -q 'association moved to 127.0.0.1:' srv.err || fail "the server did not follow"
    [ "$(grep -c 'handshake done' srv.err)" = 1 ] || fail "a second handshake happened"
    [ "$(cat srv.out)" = onetwo ] || fail "server read '$(cat srv.out)'"
}

test_cid_poll_server_rebind() { cid_rebind 6; }
# A zero-length client CID: the client sends the server's CID, the server sends plain records.
test_cid_poll_server_rebind_zero_length() { cid_rebind 0; }
# The same through the OpenSSL-built poll server on the drop-in libssl.so.3 (the rdtls_
# functions are found with dlsym).
test_dropin_prog_cid_poll_server() { dropin_reuse cid_poll_server_rebind; }

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
