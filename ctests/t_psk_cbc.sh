# shellcheck shell=bash
# The ECDHE-PSK AES-CBC suites (RFC 5489) with encrypt_then_mac (RFC 7366) against OpenSSL's
# and GnuTLS's command-line tools and Mbed TLS, both directions, one test per suite.
# rdtls negotiates CBC only with encrypt_then_mac (src/deviations.rs): a stock OpenSSL peer
# told `-no_etm` fails the handshake against us, where stock OpenSSL falls back to
# MAC-then-encrypt; the no_etm tests check each backend's own behaviour.
# Uses PSK_KEY and psk_openssl_server / psk_openssl_client from t_psk.sh.

CBC_SUITES="ECDHE-PSK-AES128-CBC-SHA256 ECDHE-PSK-AES256-CBC-SHA384 ECDHE-PSK-AES128-CBC-SHA
ECDHE-PSK-AES256-CBC-SHA"

for s in $CBC_SUITES; do
    n=${s//-/_}
    eval "test_psk_cbc_openssl_server_$n() { psk_openssl_server $s; }"
    eval "test_psk_cbc_openssl_client_$n() { psk_openssl_client $s; }"
done

# The GnuTLS priority string that allows exactly one CBC suite (cipher and MAC).
gnutls_cbc_priority() {
    local cipher mac
    case $1 in
    *AES128-*) cipher=AES-128-CBC ;;
    *AES256-*) cipher=AES-256-CBC ;;
    esac
    case $1 in
    *-SHA256) mac=SHA256 ;;
    *-SHA384) mac=SHA384 ;;
    *-SHA) mac=SHA1 ;;
    esac
    printf 'NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+ECDHE-PSK:-CIPHER-ALL:+%s:-MAC-ALL:+%s' \
        "$cipher" "$mac"
}

# our client -> gnutls-serv --pskpasswd (which sends encrypt_then_mac by default).
psk_cbc_gnutls_server() {
    local suite="$1" port
    need gnutls-serv
    printf 'Client_identity:%s\n' "$PSK_KEY" > psk.passwd
    port=$(free_port) || fail "no free port"
    start_bg gsrv gnutls-serv --udp --echo -p "$port" --pskpasswd psk.passwd \
        --pskhint gateway-7 --priority "$(gnutls_cbc_priority "$suite")"
    wait_grep gsrv.err "UDP Echo Server listening on IPv4" || fail "gnutls-serv did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -psk "$PSK_KEY" -cipher "$suite"
    feed_open cli
    wait_grep cli.err '^Protocol: DTLSv1.2' || fail "no handshake"
    grep -q "Cipher: $suite " cli.err || fail "$suite not negotiated"
    send cli "hello gnutls over $suite"
    wait_grep cli.out "^hello gnutls over $suite\$" || fail "no echo from gnutls-serv"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
}

# gnutls-cli -> our server: gnutls-cli 3.7 segfaults right after any ECDHE-PSK DTLS
# handshake (also against openssl s_server, see t_psk.sh), so only the handshake is checked:
# our server completes it with the suite; gnutls-cli's exit is 0 or its crash (139).
psk_cbc_gnutls_client() {
    local suite="$1" port rc
    need gnutls-cli
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 -nocert \
        -psk "$PSK_KEY" -cipher "$suite"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo gcli
    start_bg gcli --stdin gcli.in gnutls-cli --udp -p "$port" --pskusername Client_identity \
        --pskkey "$PSK_KEY" --priority "$(gnutls_cbc_priority "$suite")" 127.0.0.1
    feed_open gcli
    wait_grep srv.err "Cipher: $suite " || fail "our server did not complete $suite"
    feed_close gcli
    wait "$gcli_pid"
    rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 139 ] || fail "gnutls-cli exited with $rc"
}

for s in $CBC_SUITES; do
    n=${s//-/_}
    eval "test_psk_cbc_gnutls_server_$n() { psk_cbc_gnutls_server $s; }"
    eval "test_psk_cbc_gnutls_client_$n() { psk_cbc_gnutls_client $s; }"
done
# Mbed TLS 2.28 both ways (psk_mbedtls_client / psk_mbedtls_server of t_psk.sh).
for s in $CBC_SUITES; do
    n=${s//-/_}
    eval "test_psk_cbc_mbedtls_client_$n() { psk_mbedtls_client $s; }"
    eval "test_psk_cbc_mbedtls_server_$n() { psk_mbedtls_server $s; }"
done

# Stock `openssl s_client -no_etm` offers the CBC suite without encrypt_then_mac. Stock
# OpenSSL as server then uses MAC-then-encrypt and the connection works; rdtls refuses
# (no shared cipher, handshake_failure alert) and s_client reports the alert. Run against
# the backend under test: the OpenSSL build of our s_server must connect, ours must refuse.
test_psk_cbc_no_etm_openssl_client() {
    local suite=ECDHE-PSK-AES128-CBC-SHA256 port
    need openssl
    if [ "$RDTLS_BACKEND" = openssl ]; then
        openssl_client_vs_server -nocert -psk "$PSK_KEY" -cipher "$suite" -- \
            -psk "$PSK_KEY" -cipher "$suite" -no_etm
        grep -q "Cipher: $suite " srv.err || fail "$suite not negotiated"
        return
    fi
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 -nocert \
        -psk "$PSK_KEY" -cipher "$suite"
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg ocli openssl s_client -dtls1_2 -connect "127.0.0.1:$port" -psk "$PSK_KEY" \
        -cipher "$suite" -no_etm -no_ign_eof
    expect_exit ocli 1 || fail "s_client -no_etm did not fail"
    grep -q 'alert handshake failure' ocli.err || fail "no handshake_failure: $(cat ocli.err)"
    expect_exit srv 1 || fail "our server did not report the failure"
    grep -qi 'no shared cipher' srv.err || fail "our server did not say why: $(cat srv.err)"
}

# Stock `openssl s_server -no_etm` selects the CBC suite without encrypt_then_mac: our
# client aborts with handshake_failure (the OpenSSL build of our s_client connects).
test_psk_cbc_no_etm_openssl_server() {
    local suite=ECDHE-PSK-AES256-CBC-SHA384 port
    need openssl
    if [ "$RDTLS_BACKEND" = openssl ]; then
        client_vs_openssl_server -nocert -psk "$PSK_KEY" -cipher "$suite" -no_etm -- \
            -psk "$PSK_KEY" -cipher "$suite"
        grep -q "Cipher: $suite " cli.err || fail "$suite not negotiated"
        return
    fi
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        -nocert -psk "$PSK_KEY" -cipher "$suite" -no_etm
    feed_open osrv
    port=$(wait_port osrv.out) || fail "openssl s_server did not start"
    start_bg cli "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" -psk "$PSK_KEY" \
        -cipher "$suite"
    expect_exit cli 1 || fail "our client accepted CBC without encrypt_then_mac"
    grep -qi 'encrypt_then_mac' cli.err || fail "our client did not say why: $(cat cli.err)"
    wait_grep osrv.err 'alert handshake failure' || fail "s_server saw no handshake_failure alert"
    feed_close osrv
}

# Our client with -no_etm (SSL_OP_NO_ENCRYPT_THEN_MAC) and only CBC suites has nothing to
# offer (rdtls has no MAC-then-encrypt) and fails before sending, like a PSK suite without
# a callback; beside an AEAD suite, that one is negotiated with stock openssl s_server.
test_psk_cbc_our_client_no_etm() {
    need openssl
    [ "$RDTLS_BACKEND" = rdtls ] || skip "rdtls behaviour (OpenSSL would use MAC-then-encrypt)"
    "$BINDIR/rdtls-s_client" -connect 127.0.0.1:9 -psk "$PSK_KEY" -no_etm \
        -cipher ECDHE-PSK-AES128-CBC-SHA < /dev/null > cli.out 2> cli.err &&
        fail "a handshake without encrypt_then_mac was attempted"
    grep -qi 'no cipher' cli.err || fail "no 'no ciphers' reason: $(cat cli.err)"
    client_vs_openssl_server -nocert -psk "$PSK_KEY" \
        -cipher ECDHE-PSK-AES128-CBC-SHA:ECDHE-PSK-CHACHA20-POLY1305 -- \
        -psk "$PSK_KEY" -no_etm -cipher ECDHE-PSK-AES128-CBC-SHA:ECDHE-PSK-CHACHA20-POLY1305
    grep -q "Cipher: ECDHE-PSK-CHACHA20-POLY1305 " cli.err || fail "AEAD suite not chosen"
}

# Our server with -no_etm (SSL_OP_NO_ENCRYPT_THEN_MAC) does not select a CBC suite even
# for a client offering encrypt_then_mac: stock s_client gets handshake_failure (the
# OpenSSL build of our s_server falls back to MAC-then-encrypt and connects).
test_psk_cbc_our_server_no_etm() {
    local suite=ECDHE-PSK-AES128-CBC-SHA port
    need openssl
    if [ "$RDTLS_BACKEND" = openssl ]; then
        openssl_client_vs_server -nocert -psk "$PSK_KEY" -cipher "$suite" -no_etm -- \
            -psk "$PSK_KEY" -cipher "$suite"
        grep -q "Cipher: $suite " srv.err || fail "$suite not negotiated"
        return
    fi
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 -nocert \
        -psk "$PSK_KEY" -cipher "$suite" -no_etm
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg ocli openssl s_client -dtls1_2 -connect "127.0.0.1:$port" -psk "$PSK_KEY" \
        -cipher "$suite" -no_ign_eof
    expect_exit ocli 1 || fail "s_client connected to a -no_etm server over CBC"
    grep -q 'alert handshake failure' ocli.err || fail "no handshake_failure: $(cat ocli.err)"
    expect_exit srv 1 || fail "our server did not report the failure"
    grep -qi 'no shared cipher' srv.err || fail "our server did not say why: $(cat srv.err)"
}

# The stock `openssl` binary on the drop-in libssl.so.3 (ossl_pair of t_dropin.sh) against
# the stock one on the system libssl, over a CBC suite, each way.
test_psk_cbc_dropin_s_server() {
    local suite=ECDHE-PSK-AES256-CBC-SHA384
    [ "$RDTLS_BACKEND" = rdtls ] || skip "drop-in tests run with the rdtls backend"
    ossl_pair ours system -psk "$PSK_KEY" -cipher "$suite" -- -psk "$PSK_KEY" -cipher "$suite"
    grep -q "Cipher is $suite" ocli.out || fail "$suite not chosen"
}

test_psk_cbc_dropin_s_client() {
    local suite=ECDHE-PSK-AES128-CBC-SHA
    [ "$RDTLS_BACKEND" = rdtls ] || skip "drop-in tests run with the rdtls backend"
    ossl_pair system ours -psk "$PSK_KEY" -cipher "$suite" -- -psk "$PSK_KEY" -cipher "$suite"
    grep -q "Cipher is $suite" ocli.out || fail "$suite not chosen"
}

# The SSL_CIPHER getters of the four suites and the cipher strings that select them
# (ctests/cipher_cbc.c) print the same under rdtls and under the system OpenSSL.
test_psk_cbc_cipher_api_as_openssl() {
    local ossl="$BUILD/ctests-openssl/cipher_cbc"
    [ -x "$ossl" ] || fail "missing $ossl (make ctest-progs RDTLS_BACKEND=openssl)"
    timeout 30 "$ossl" > openssl.txt || fail "cipher_cbc failed under OpenSSL"
    timeout 30 "$CTDIR/cipher_cbc" > ours.txt || fail "cipher_cbc failed under $RDTLS_BACKEND"
    grep -q '^CBC: ECDHE-PSK-AES256-CBC-SHA384 ECDHE-PSK-AES256-CBC-SHA ' ours.txt ||
        fail "CBC alias: $(cat ours.txt)"
    diff openssl.txt ours.txt || fail "results differ (< OpenSSL, > ours)"
}
