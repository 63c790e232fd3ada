# shellcheck shell=bash
# DTLS over DCCP (RFC 5238, issue 14) on the host. The real DCCP runs are `make test-dccp`
# (a Linux 6.1 VM: this machine's kernel has no DCCP). Here: the programs' DCCP options, and
# on a kernel without DCCP a clean failure with the kernel's reason; on a kernel with DCCP a
# short echo run.

# The client/server pair of rdtls-dccp-echo; on a kernel without DCCP the server must fail
# at once with a readable reason (exit 1, no crash).
test_dccp_echo_pair() {
    local prog="$BINDIR/rdtls-dccp-echo" port
    [ -x "$prog" ] || fail "missing $prog"
    start_bg srv "$prog" -server -accept 127.0.0.1:0 -cert "$CERTDIR/server.pem" \
        -key "$CERTDIR/server.key" -n 100 -app_mtu
    if ! wait_grep srv.err '^ACCEPT |DCCP listen' > /dev/null; then
        fail "the server neither listened nor failed"
    fi
    if grep -q 'DCCP listen' srv.err; then
        expect_exit srv 1 || fail "a failed DCCP listen must exit 1"
        grep -qE 'not supported|Address family|Protocol' srv.err \
            || fail "no reason for the DCCP failure: $(cat srv.err)"
        echo "this kernel has no DCCP: $(cat srv.err)"
        return 0
    fi
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\) .*/\1/p' srv.err | head -n 1)
    timeout 60 "$prog" -client -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" -n 100 \
        -app_mtu 2> cli.err || fail "client failed: $(cat cli.err)"
    grep -q '100/100 echoes client->server->client, 100/100 server->client->server' cli.err \
        || fail "echo counts wrong: $(cat cli.err)"
    expect_exit srv 0 || fail "server failed"
}

# Options: a service code must fit 32 bits; -listen (UDP's stateless cookie front door) makes
# no sense with DCCP, whose accept() already gives a connected socket.
test_dccp_options() {
    local rc=0
    "$BINDIR/rdtls-dccp-echo" -client -service_code 0x1ffffffff 2> e1.err || rc=$?
    [ "$rc" = 2 ] && grep -q 'bad -service_code' e1.err || fail "a 33-bit service code passed"
    rc=0
    "$BINDIR/rdtls-s_client" -dccp -service_code abc 2> e2.err || rc=$?
    [ "$rc" = 1 ] && grep -q 'bad -service_code' e2.err || fail "s_client took -service_code abc"
    rc=0
    timeout 10 "$BINDIR/rdtls-s_server" -dccp -listen -accept 0 2> e3.err || rc=$?
    [ "$rc" = 1 ] && grep -q 'listen is for UDP' e3.err || fail "s_server -dccp -listen accepted"
}
