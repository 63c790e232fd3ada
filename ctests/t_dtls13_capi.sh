# shellcheck shell=bash
# DTLS 1.3 from C (issue 13): the OpenSSL API (ctests/dtls13_api.c), the ports with
# -dtls1_3 ours <-> ours and against wolfSSL's DTLS 1.3 example programs, and a 1.3-enabled
# client (the default; RDTLS_MAX_PROTO=DTLSv1.3 keeps meaning 1.3) that still completes DTLS
# 1.2 with OpenSSL 3.0's s_server and GnuTLS. More on the default in t_default13.sh.

# The API program: handshake, getters, SSL_key_update both ways, resumption, pinned methods.
test_dtls13_capi_api() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "DTLS 1.3 is rdtls's (OpenSSL 3.0 has none)"
    [ -x "$CTDIR/dtls13_api" ] || fail "missing $CTDIR/dtls13_api (make ctest-progs)"
    timeout "$PROC_TIMEOUT" "$CTDIR/dtls13_api" "$CERTDIR" > out 2> err ||
        { cat out err; fail "dtls13_api failed"; }
    cat out err
    grep -q '^client version: DTLSv1.3 0xfefc$' out || fail "not DTLS 1.3"
    grep -q '^client cipher: TLS_AES_256_GCM_SHA384 TLS_AES_256_GCM_SHA384 TLSv1.3 0x03001302$' \
        out || fail "cipher getters"
    grep -q '^client verify result: 0$' out || fail "verify result"
    # No client certificate asked for: X509_V_OK, as OpenSSL documents (and says on 1.2).
    grep -q '^server peer certificate: none$' out || fail "server saw a client certificate"
    grep -q '^server verify result: 0$' out || fail "server verify result"
    grep -q '^DTLSv1_2_client_method: DTLSv1.2$' out || fail "DTLSv1_2_method offered 1.3"
    grep -q '^DTLSv1_2_client_method, default server: DTLSv1.2$' out ||
        fail "DTLSv1_2_method offered 1.3 to a default server"
    grep -q '^maximum DTLS1_2_VERSION: DTLSv1.2$' out || fail "a maximum of 1.2 did not pin 1.2"
    grep -q '^default: DTLSv1.3 0xfefc TLS_[A-Z0-9_]* server DTLSv1.3$' out ||
        fail "DTLS_method with no maximum did not negotiate 1.3"
    # SSL_R_WRONG_SSL_VERSION (266), as OpenSSL's SSL_renegotiate on TLS 1.3.
    grep -q '^default renegotiate: client reason 266 server reason 266 pending 0$' out ||
        fail "SSL_renegotiate on 1.3"
    grep -q '^default session: 0xfefc i2d ok d2i 0xfefc reused 1 DTLSv1.3$' out ||
        fail "i2d/d2i_SSL_SESSION of a 1.3 session"
    grep -q '^ciphersuites: DTLSv1.3 TLS_CHACHA20_POLY1305_SHA256$' out ||
        fail "SSL_CTX_set_ciphersuites had no effect"
    grep -q '^all checks passed$' out || fail "a check failed"
}

# Resumption through SSL_SESSION: the new-session callback on the ticket, SSL_get1_session
# and SSL_set_session.
test_dtls13_capi_resumption() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "DTLS 1.3 is rdtls's (OpenSSL 3.0 has none)"
    [ -x "$CTDIR/dtls13_api" ] || fail "missing $CTDIR/dtls13_api (make ctest-progs)"
    timeout "$PROC_TIMEOUT" "$CTDIR/dtls13_api" "$CERTDIR" resume > out 2> err ||
        { cat out err; fail "dtls13_api resume failed"; }
    cat out err
    grep -q '^resumed: client 1 server 1 version DTLSv1.3$' out || fail "no resumption"
    grep -q '^all checks passed$' out || fail "a check failed"
}

# exchange13 [SERVER_ARGS...] -- [CLIENT_ARGS...]: rdtls-s_server <-> rdtls-s_client, a line
# each way, then "K" (KeyUpdate, update_requested) from the client and a second line in the
# new epochs; both must report DTLS 1.3.
exchange13() {
    local sargs=() cargs=() side=s a port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "DTLS 1.3 is rdtls's (OpenSSL 3.0 has none)"
    for a in "$@"; do
        if [ "$side" = s ] && [ "$a" = -- ]; then side=c
        elif [ "$side" = s ]; then sargs+=("$a")
        else cargs+=("$a"); fi
    done
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" "${sargs[@]}"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 2 "${cargs[@]}"
    feed_open cli
    wait_grep cli.err '^Protocol: ' || { cat cli.err srv.err; fail "no handshake"; }
    grep -q '^Protocol: DTLSv1.3  Cipher: TLS_' cli.err ||
        fail "client: $(grep '^Protocol' cli.err)"
    send cli "hello 1.3"
    wait_grep srv.out '^hello 1.3$' || fail "server did not receive the line"
    wait_grep cli.out '^hello 1.3$' || fail "client did not receive the echo"
    send cli "K"
    wait_grep cli.err '^KEYUPDATE$' || fail "no key update"
    send cli "after the key update"
    wait_grep srv.out '^after the key update$' || fail "no data after the key update"
    wait_grep cli.out '^after the key update$' || fail "no echo after the key update"
    feed_close cli
    expect_exit cli 0 || { cat cli.err; fail "client failed"; }
    expect_exit srv 0 || { cat srv.err; fail "server failed"; }
    cat cli.err srv.err
    grep -q '^Protocol: DTLSv1.3  Cipher: TLS_' srv.err ||
        fail "server: $(grep '^Protocol' srv.err)"
    ! grep -q 'SSL_key_update failed' cli.err || fail "SSL_key_update refused"
}

test_dtls13_ports_ours() {
    exchange13 -dtls1_3 -- -dtls1_3 -msg
    grep -q '^>>> DTLS 1.[23], Handshake .*ClientHello$' cli.err || fail "no ClientHello traced"
    grep -q '^<<< DTLS 1.3, Handshake .*EncryptedExtensions$' cli.err ||
        fail "no EncryptedExtensions traced"
    grep -q '^>>> DTLS 1.3, Handshake .*KeyUpdate$' cli.err || fail "no KeyUpdate traced"
    grep -q 'ACK \[length [0-9a-f]*\], records (' cli.err || fail "no ACK traced"
    # Record headers (RFC 9147 §4): the 13-byte plaintext header of the ClientHello, the
    # unified header of protected records, both directions.
    grep -q '^>>> DTLS 1.2, RecordHeader \[length 000d\]$' cli.err ||
        fail "no plaintext record header traced"
    grep -q '^>>> DTLS 1.3, UnifiedHeader \[length 0005\], epoch bits [0-3], 16-bit seq, length$' \
        cli.err || fail "no unified header sent traced"
    grep -q '^<<< DTLS 1.3, UnifiedHeader \[length 0005\], epoch bits 3, 16-bit seq, length$' \
        cli.err || fail "no unified header received traced"
}

# A client without -dtls1_3 under RDTLS_MAX_PROTO=DTLSv1.3 (the old opt-in, still meaning
# 1.3) offers 1.3 and 1.2; the server -dtls1_3.
test_dtls13_ports_ours_env() {
    export RDTLS_MAX_PROTO=DTLSv1.3
    exchange13 -nbio -dtls1_3 -- -nbio
}

# Without -dtls1_3 or the environment, both ports offer 1.3 (DTLS_method's default) and
# use it, key update included.
test_dtls13_ports_default_is_13() {
    unset RDTLS_MAX_PROTO
    exchange13 --
}

# wolfSSL with DTLS 1.3 (scripts/build-wolfssl-cid.sh builds it into build/wolfssl-cid).
ports13_wolf_setup() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "DTLS 1.3 is rdtls's (OpenSSL 3.0 has none)"
    WOLF="$(abspath "$BUILD/wolfssl-cid")"
    [ -x "$WOLF/examples/client/client" ] && [ -x "$WOLF/examples/server/server" ] &&
        grep -q 'define WOLFSSL_DTLS13' "$WOLF/wolfssl/options.h" 2> /dev/null ||
        skip "no DTLS 1.3 wolfSSL in $WOLF (run sh scripts/build-wolfssl-cid.sh)"
}

# The ports at 1.3 against wolfSSL's DTLS 1.3 example server (echo mode, cookie HRR).
test_dtls13_ports_wolfssl_server() {
    local port
    ports13_wolf_setup
    port=$(free_port)
    (cd "$WOLF" && exec timeout -k 5 "$PROC_TIMEOUT" ./examples/server/server -u -v 4 \
        -p "$port" -c "$CERTDIR/server.pem" -k "$CERTDIR/server.key" -d -e) \
        > wsrv.out 2>&1 &
    echo $! >> pids
    wsrv_pid=$!
    sleep 0.5
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 2 -dtls1_3 -msg
    feed_open cli
    wait_grep cli.err '^Protocol: ' || { cat cli.err wsrv.out; fail "no handshake"; }
    send cli "hello wolfssl from the port"
    wait_grep cli.out '^hello wolfssl from the port$' || fail "no echo from wolfSSL"
    feed_close cli
    expect_exit cli 0 || { cat cli.err wsrv.out; fail "our client failed"; }
    wait "$wsrv_pid" || true
    cat cli.err wsrv.out
    grep -q '^Protocol: DTLSv1.3  Cipher: TLS_' cli.err || fail "not DTLS 1.3"
    grep -q '^SSL version is DTLSv1.3$' wsrv.out || fail "wolfSSL did not negotiate DTLS 1.3"
    grep -q '^<<< DTLS 1.3, Handshake .*ServerHello$' cli.err || fail "no ServerHello traced"
}

# wolfSSL's DTLS 1.3 example client against the port rdtls-s_server -dtls1_3.
test_dtls13_ports_wolfssl_client() {
    local port
    ports13_wolf_setup
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -dtls1_3 -msg
    port=$(wait_port srv.err) || fail "server did not start"
    (cd "$WOLF" && timeout -k 5 "$PROC_TIMEOUT" ./examples/client/client -u -v 4 \
        -h 127.0.0.1 -p "$port" -A "$CERTDIR/ca.pem" -x) > wcli.out 2>&1 ||
        { cat wcli.out srv.err; fail "wolfSSL client failed"; }
    expect_exit srv 0 || { cat srv.err; fail "our server failed"; }
    cat wcli.out srv.err
    grep -q '^SSL version is DTLSv1.3$' wcli.out || fail "wolfSSL did not negotiate DTLS 1.3"
    grep -q '^Protocol: DTLSv1.3  Cipher: TLS_' srv.err || fail "our server: not DTLS 1.3"
}

# A 1.3-enabled client (RDTLS_MAX_PROTO=DTLSv1.3, same as the default: one ClientHello
# offering 1.3 and 1.2) still completes DTLS 1.2 with OpenSSL 3.0's s_server (no key log: a
# key log callback keeps a connection on DTLS 1.2, src/deviations.rs).
test_dtls13_enabled_client_openssl_server() {
    local port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    need openssl
    export RDTLS_MAX_PROTO=DTLSv1.3
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        "${OSSL_SRV_CERT[@]}"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "openssl s_server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -msg
    feed_open cli
    wait_grep cli.err '^Protocol: ' || { cat cli.err; fail "no handshake"; }
    send cli "hello from a 1.3-capable client"
    wait_grep osrv.out '^hello from a 1.3-capable client$' || fail "openssl s_server got nothing"
    send osrv "hello from openssl s_server"
    wait_grep cli.out '^hello from openssl s_server$' || fail "our client got nothing"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
    feed_close osrv
    cat cli.err
    grep -q '^Protocol: DTLSv1.2' cli.err || fail "not DTLS 1.2"
    # The ClientHello offered DTLS 1.3: supported_versions (43) lists fe fc.
    grep -q '^>>> DTLS 1.2, Handshake .*ClientHello$' cli.err || fail "no ClientHello traced"
    # After the fallback, 1.2's record headers are reported as always.
    grep -q '^<<< DTLS 1.2, RecordHeader \[length 000d\]$' cli.err ||
        fail "no record header traced after the fallback"
}

test_dtls13_enabled_client_gnutls_server() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    export RDTLS_MAX_PROTO=DTLSv1.3
    client_vs_gnutls_serv
    grep -q '^Protocol: DTLSv1.2' cli.err || fail "not DTLS 1.2"
}

# ---- legacy binaries on the drop-in libssl.so.3 with RDTLS_MAX_PROTO=DTLSv1.3 -----------

# The stock /usr/bin/openssl (OpenSSL 3.0: no DTLS 1.3 of its own) as `s_client -dtls`
# under the drop-in negotiates DTLS 1.3 with our -dtls1_3 server, from the environment only.
test_dtls13_dropin_openssl_s_client_env() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    stock_s_client_dropin_gets_13 RDTLS_MAX_PROTO=DTLSv1.3 -- -dtls1_3
}

# The ports built against OpenSSL 3.0's headers, both on the drop-in: the client gets DTLS
# 1.3 from the environment, the server from -dtls1_3; KeyUpdate from the legacy binary.
test_dtls13_dropin_ports_env() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    dropin_reuse dtls13_ports_ours_env
}

# The same port source built against OpenSSL 3.0: -dtls1_3 is refused (no DTLS 1.3 there).
test_dtls13_ports_openssl_refuses() {
    [ "$RDTLS_BACKEND" = openssl ] || skip "the OpenSSL build of the ports"
    start_bg cli "$BINDIR/rdtls-s_client" -connect 127.0.0.1:9 -dtls1_3
    expect_exit cli 1 || fail "-dtls1_3 accepted by OpenSSL 3.0"
    cat cli.err
    grep -q -- '-dtls1_3: this library has no DTLS 1.3' cli.err || fail "no explanation"
}

# sess_round NAME SESSFILE CMD...: runs a client fed by a FIFO, sends a line,
# waits for the echo (the server's tickets precede it) and for the saved session, closes.
sess_round() {
    local name="$1" file="$2"
    shift 2
    with_fifo "$name"
    start_bg "$name" --stdin "$name.in" "$@"
    feed_open "$name"
    send "$name" "line from $name"
    wait_grep "$name.out" "^line from $name\$" ||
        { cat "$name.out" "$name.err"; fail "$name: no echo"; }
    [ -z "$file" ] || wait_grep "$file" '^-----END SSL SESSION PARAMETERS-----$' ||
        fail "$name: no session saved"
    feed_close "$name"
    expect_exit "$name" 0 || { cat "$name.err"; fail "$name failed"; }
}

# A DTLS 1.3 session (both sides default) saved with -sess_out (PEM_write_bio_SSL_SESSION in
# OpenSSL's TLS 1.3 layout: ticket, resumption PSK) and offered with -sess_in resumes.
test_dtls13_capi_s_client_sess_out_in() {
    local port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "DTLS 1.3 is rdtls's (OpenSSL 3.0 has none)"
    unset RDTLS_MAX_PROTO
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 2 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    sess_round c1 sess.pem "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 2 -sess_out sess.pem
    cat c1.err
    grep -q '^Protocol: DTLSv1.3  Cipher: TLS_' c1.err || fail "first client: not DTLS 1.3"
    grep -q '^New session$' c1.err || fail "first handshake not new"
    if command -v openssl > /dev/null; then
        # OpenSSL 3.0 reads the layout (it knows no DTLS 1.3 version name).
        openssl sess_id -in sess.pem -noout -text > sess.txt ||
            fail "openssl cannot parse the saved 1.3 session"
        cat sess.txt
        grep -q '^    Cipher    : TLS_AES_' sess.txt || fail "openssl sees no TLS 1.3 suite"
        grep -q '^    TLS session ticket:' sess.txt || fail "openssl sees no ticket"
    fi
    sess_round c2 "" "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 2 -sess_in sess.pem
    cat c2.err
    grep -q '^Protocol: DTLSv1.3  Cipher: TLS_' c2.err || fail "second client: not DTLS 1.3"
    grep -q '^Reused session$' c2.err || fail "the saved 1.3 session was not resumed"
    expect_exit srv 0 || fail "server failed"
}

# The stock /usr/bin/openssl s_client -dtls on the drop-in (no environment: DTLS 1.3 by
# default): -sess_out (its new-session callback) then -sess_in resumes on DTLS 1.3.
test_dtls13_dropin_openssl_sess_out_in() {
    local port
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls backend"
    dropin_need
    need openssl
    unset RDTLS_MAX_PROTO
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 2 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key"
    port=$(wait_port srv.err) || fail "server did not start"
    sess_round o1 ours.pem env LD_PRELOAD="$DROPIN_SO" LD_LIBRARY_PATH="$BUILD" \
        openssl s_client -dtls -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" \
        -sess_out ours.pem
    grep -q '^New, TLSv1.3, Cipher is TLS_' o1.out || fail "first: $(grep '^New' o1.out)"
    sess_round o2 "" env LD_PRELOAD="$DROPIN_SO" LD_LIBRARY_PATH="$BUILD" \
        openssl s_client -dtls -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" \
        -sess_in ours.pem
    cat o2.out
    grep -q '^Reused, TLSv1.3, Cipher is TLS_' o2.out ||
        fail "the drop-in did not resume its 1.3 session: $(grep -E '^(New|Reused)' o2.out)"
    expect_exit srv 0 || fail "server failed"
}
