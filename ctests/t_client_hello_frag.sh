# shellcheck shell=bash
# The client-hello callback (SSL_CTX_set_client_hello_cb) sees the whole ClientHello once,
# also when the client fragments it over several datagrams (RFC 6347 §4.2.3), as OpenSSL
# does: ctests/client_hello_frag.c, built against the system OpenSSL and against rdtls,
# serves stock `openssl s_client` and prints what the callback read (suites, compression,
# every extension's bytes, session ID, random length); the outputs must be equal.
# `-mtu 256` with a 200-byte server name makes s_client send its ClientHello in two
# records in two datagrams; without them it fits one datagram (the control). With a cookie
# exchange the cookie-less first ClientHello gets no callback (OpenSSL's
# tls_process_client_hello), the second, fragmented, exactly one. A renegotiating
# ClientHello gets the callbacks again.

# client_hello_frag_run BUILD_NAME PROGRAM S_CLIENT_ARGS...: PROGRAM (with the program
# arguments in CHF_PROG_ARGS) serves one s_client handshake; its output (without the port
# line) goes to BUILD_NAME.txt, s_client's -msg trace to BUILD_NAME.cli.
client_hello_frag_run() {
    local name="$1" prog="$2" port
    shift 2
    [ -x "$prog" ] || fail "missing $prog (make ctest-progs, also RDTLS_BACKEND=openssl)"
    start_bg "srv_$name" "$prog" "$CERTDIR" ${CHF_PROG_ARGS:-}
    port=$(wait_port "srv_$name.out") || fail "$prog did not start"
    # With "reneg", s_client renegotiates ("R" on its stdin, read once connected).
    { [ "${CHF_PROG_ARGS:-}" = reneg ] && { sleep 1; echo R; sleep 3; }; } |
        timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 -connect "127.0.0.1:$port" -msg \
            -CAfile "$CERTDIR/ca.pem" "$@" > "$name.cli" 2>&1
    expect_exit "srv_$name" 0 || { cat "srv_$name.out" "srv_$name.err"; fail "$name failed"; }
    grep -v '^ACCEPT ' "srv_$name.out" > "$name.txt"
}

# client_hello_frag_check RECORDS S_CLIENT_ARGS...: the ClientHello went in RECORDS records
# (counted in s_client's -msg trace before the message itself), the callback ran once on
# both libraries, and both printed the same.
client_hello_frag_check() {
    local want="$1" records
    shift
    need openssl
    client_hello_frag_run openssl "$BUILD/ctests-openssl/client_hello_frag" "$@"
    client_hello_frag_run ours "$CTDIR/client_hello_frag" "$@"
    records=$(awk '/^    01 00 / { exit } /^    16 fe f[df] 00 00/ { n++ } END { print n + 0 }' \
        ours.cli)
    echo "s_client sent its ClientHello in $records record(s)"
    [ "$records" = "$want" ] || fail "expected a ClientHello in $want record(s), saw $records"
    cat ours.txt
    local n=${CHF_CALLS:-1} order=""
    grep -q "^callback calls: $n\$" ours.txt || fail "the callback did not run $n time(s)"
    # OpenSSL's order: client-hello callback, servername callback, certificate callback.
    for _ in $(seq "$n"); do order+="callback c servername certificat "; done
    order=${CHF_ORDER:-$order}
    [ "$(grep -E '^(callback call [0-9]|servername callback|certificate callback)' ours.txt |
        cut -c1-10 | tr '\n' ' ')" = "$order" ] ||
        fail "the callbacks did not run in OpenSSL's order"
    grep -q '^handshake ok$' ours.txt || fail "no handshake"
    diff -u openssl.txt ours.txt || fail "the callback saw something else (- OpenSSL, + ours)"
}

test_client_hello_frag_fragmented() {
    local name
    name=$(printf 'a%.0s' $(seq 200))
    client_hello_frag_check 2 -mtu 256 -servername "$name"
    grep -q "^server_name $name\$" ours.txt || fail "the callback did not see the whole name"
}

test_client_hello_frag_one_datagram() {
    client_hello_frag_check 1 -servername localhost
}

test_client_hello_frag_cookie() {
    local name
    name=$(printf 'b%.0s' $(seq 200))
    CHF_PROG_ARGS=cookie client_hello_frag_check 2 -mtu 256 -servername "$name"
    grep -q '^    03 00 00 ' ours.cli || fail "s_client got no HelloVerifyRequest from rdtls"
    grep -q '^    03 00 00 ' openssl.cli || fail "s_client got no HelloVerifyRequest from OpenSSL"
    grep -q "^server_name $name\$" ours.txt || fail "the callback did not see the whole name"
}

# A renegotiating ClientHello (client-initiated, allowed by the server) goes through the
# three callbacks again, as in OpenSSL.
test_client_hello_frag_reneg() {
    CHF_PROG_ARGS=reneg CHF_CALLS=2 client_hello_frag_check 1 -servername localhost
    grep -q '^RENEGOTIATING' ours.cli || fail "s_client did not renegotiate"
}

# SSL_CLIENT_HELLO_RETRY on a fragmented ClientHello: SSL_accept fails with
# SSL_ERROR_WANT_CLIENT_HELLO_CB once, the next call shows the same ClientHello again.
test_client_hello_frag_retry() {
    local name
    name=$(printf 'c%.0s' $(seq 200))
    CHF_PROG_ARGS=retry CHF_CALLS=2 CHF_ORDER="callback c callback c servername certificat " \
        client_hello_frag_check 2 -mtu 256 -servername "$name"
    grep -q '^SSL_accept: SSL_ERROR_WANT_CLIENT_HELLO_CB, want 1$' ours.txt ||
        fail "no SSL_ERROR_WANT_CLIENT_HELLO_CB"
}
