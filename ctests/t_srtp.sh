# shellcheck shell=bash
# DTLS-SRTP (RFC 5764) and ALPN (RFC 7301) interop: rdtls-s_client / rdtls-s_server against
# `openssl s_server/s_client -dtls1_2 -use_srtp ... -alpn ... -keymatexport EXTRACTOR-dtls_srtp`,
# gnutls-serv/gnutls-cli (--srtp-profiles, --alpn, --keymatexport) and a Mbed TLS client
# (ctests/mbedtls_srtp_client.c). Both sides print the exported SRTP keying material; it must
# be byte-identical. The drop-in runs the stock
# openssl binary's -use_srtp on our libssl.so.3.

SRTP_LABEL=EXTRACTOR-dtls_srtp

# srtp_len PROFILE: the keying material length of PROFILE, 2 x (key + salt) (RFC 5764 §4.2).
srtp_len() {
    case "$1" in
    SRTP_AES128_CM_SHA1_80 | SRTP_AES128_CM_SHA1_32) echo 60 ;;
    SRTP_AEAD_AES_128_GCM) echo 56 ;;
    SRTP_AEAD_AES_256_GCM) echo 88 ;;
    *) return 1 ;;
    esac
}

# keymat FILE: the hex of the first "Keying material: HEX" line (OpenSSL's format) or
# "- Key material: hex" line (gnutls), upper-cased.
keymat() {
    sed -n 's/^ *\(Keying material\|- Key material\): *\([0-9A-Fa-f]*\)$/\2/p' "$1" | head -n 1 |
        tr 'a-f' 'A-F'
}

# same_keymat FILE1 FILE2 LEN: both print the same LEN-byte keying material.
same_keymat() {
    local a b
    a=$(keymat "$1")
    b=$(keymat "$2")
    [ -n "$a" ] || fail "no keying material in $1"
    [ "${#a}" = $(($3 * 2)) ] || fail "keying material in $1 is ${#a} hex digits, not $(($3 * 2))"
    [ "$a" = "$b" ] || fail "keying material differs: $1 $a / $2 $b"
    echo "keying material ($3 bytes) identical: $a"
}

# our client -> openssl s_server. Args: SERVER_PROFILES CLIENT_PROFILES EXPECTED [LEN]
srtp_client_vs_openssl() {
    local port len="${4:-$(srtp_len "$3")}"
    need openssl
    with_fifo osrv
    start_bg osrv --stdin osrv.in openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -use_srtp "$1" \
        -keymatexport "$SRTP_LABEL" -keymatexportlen "$len"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "openssl s_server did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -use_srtp "$2" \
        -keymatexport "$SRTP_LABEL" -keymatexportlen "$len"
    feed_open cli
    wait_grep cli.out '^ *Keying material: ' || fail "no handshake"
    grep -qx "SRTP Extension negotiated, profile=$3" cli.out || fail "our client: not $3"
    wait_grep osrv.out '^ *Keying material: ' || fail "s_server printed no keying material"
    grep -qx "SRTP Extension negotiated, profile=$3" osrv.out || fail "s_server: not $3"
    same_keymat cli.out osrv.out "$len"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
    feed_close osrv
    expect_exit osrv 0 || fail "openssl s_server failed"
}

# openssl s_client -> our server. Args: SERVER_PROFILES CLIENT_PROFILES EXPECTED
srtp_openssl_vs_server() {
    local port len
    len=$(srtp_len "$3")
    need openssl
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -use_srtp "$1" \
        -keymatexport "$SRTP_LABEL" -keymatexportlen "$len"
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error -no_ign_eof -use_srtp "$2" \
        -keymatexport "$SRTP_LABEL" -keymatexportlen "$len"
    feed_open ocli
    wait_grep ocli.out '^ *Keying material: ' || fail "openssl s_client: no handshake"
    grep -qx "SRTP Extension negotiated, profile=$3" ocli.out || fail "s_client: not $3"
    wait_grep srv.out '^ *Keying material: ' || fail "our server printed no keying material"
    grep -qx "SRTP Extension negotiated, profile=$3" srv.out || fail "our server: not $3"
    same_keymat srv.out ocli.out "$len"
    feed_close ocli
    expect_exit ocli 0 || fail "openssl s_client failed"
    expect_exit srv 0 || fail "our server failed"
}

test_srtp_openssl_server_aes128_cm_80() {
    srtp_client_vs_openssl SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_80 60
}
test_srtp_openssl_server_aes128_cm_32() {
    srtp_client_vs_openssl SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_SHA1_32 60
}
test_srtp_openssl_server_aead_128() {
    srtp_client_vs_openssl SRTP_AEAD_AES_128_GCM SRTP_AEAD_AES_128_GCM SRTP_AEAD_AES_128_GCM
}
test_srtp_openssl_server_aead_256() {
    srtp_client_vs_openssl SRTP_AEAD_AES_256_GCM SRTP_AEAD_AES_256_GCM SRTP_AEAD_AES_256_GCM
}
# The server's order decides (OpenSSL's rule), not the client's.
test_srtp_openssl_server_preference() {
    srtp_client_vs_openssl SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80 \
        SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM SRTP_AEAD_AES_256_GCM
}
test_srtp_openssl_client_aes128_cm_80() {
    srtp_openssl_vs_server SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_80
}
test_srtp_openssl_client_aes128_cm_32() {
    srtp_openssl_vs_server SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_SHA1_32
}
test_srtp_openssl_client_aead_128() {
    srtp_openssl_vs_server SRTP_AEAD_AES_128_GCM SRTP_AEAD_AES_128_GCM SRTP_AEAD_AES_128_GCM
}
test_srtp_openssl_client_aead_256() {
    srtp_openssl_vs_server SRTP_AEAD_AES_256_GCM SRTP_AEAD_AES_256_GCM SRTP_AEAD_AES_256_GCM
}
test_srtp_openssl_client_preference() {
    srtp_openssl_vs_server SRTP_AES128_CM_SHA1_32:SRTP_AEAD_AES_128_GCM \
        SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_SHA1_32
}

# No profile in common: the handshake completes without SRTP (RFC 5764 §4.1.1).
test_srtp_openssl_no_common_profile() {
    local port
    need openssl
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -use_srtp SRTP_AES128_CM_SHA1_80
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify_return_error -no_ign_eof \
        -use_srtp SRTP_AEAD_AES_128_GCM
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' || fail "no handshake"
    wait_grep srv.err '^Protocol: DTLSv1.2' || fail "our server: no handshake"
    ! grep -q 'SRTP Extension negotiated' ocli.out srv.out || fail "SRTP negotiated anyway"
    feed_close ocli
    expect_exit ocli 0 || fail "openssl s_client failed"
    expect_exit srv 0 || fail "our server failed"
}

# GnuTLS 3.7 knows the AES-CM profiles only (its names: SRTP_AES128_CM_HMAC_SHA1_*).
# our client -> gnutls-serv --udp --echo. Args: OUR_PROFILE GNUTLS_PROFILE. gnutls-serv does
# not print its exported keys (gnutls-cli does: compared in srtp_gnutls_vs_server); here the
# profile and data through the association are checked.
srtp_client_vs_gnutls() {
    local port
    need gnutls-serv
    port=$(free_port) || fail "no free port"
    start_bg gsrv gnutls-serv --udp --echo -p "$port" --x509certfile "$CERTDIR/server.pem" \
        --x509keyfile "$CERTDIR/server.key" --srtp-profiles="$2" \
        --keymatexport "$SRTP_LABEL" --keymatexportsize 60
    wait_grep gsrv.err "UDP Echo Server listening on IPv4" || fail "gnutls-serv did not start"
    with_fifo cli
    start_bg cli --stdin cli.in "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
        -CAfile "$CERTDIR/ca.pem" -verify 3 -use_srtp "$1" \
        -keymatexport "$SRTP_LABEL" -keymatexportlen 60
    feed_open cli
    wait_grep cli.out '^ *Keying material: ' || fail "no handshake"
    grep -qx "SRTP Extension negotiated, profile=$1" cli.out || fail "our client: not $1"
    send cli "media keys agreed"
    wait_grep cli.out '^media keys agreed$' || fail "no echo from gnutls-serv"
    feed_close cli
    expect_exit cli 0 || fail "our client failed"
}

# gnutls-cli -> our server. Args: OUR_PROFILES GNUTLS_PROFILES EXPECTED EXPECTED_GNUTLS_NAME
srtp_gnutls_vs_server() {
    local port
    need gnutls-cli
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -use_srtp "$1" \
        -keymatexport "$SRTP_LABEL" -keymatexportlen 60 -alpn coap
    port=$(wait_port srv.err) || fail "server did not start"
    with_fifo gcli
    start_bg gcli --stdin gcli.in gnutls-cli --udp -p "$port" --x509cafile "$CERTDIR/ca.pem" \
        --srtp-profiles="$2" --keymatexport "$SRTP_LABEL" --keymatexportsize 60 --alpn=coap \
        127.0.0.1
    feed_open gcli
    wait_grep gcli.out 'Handshake was completed' || fail "gnutls-cli: no handshake"
    grep -qx -- "- SRTP profile: $4" gcli.out || fail "gnutls-cli: not $4"
    grep -qx "SRTP Extension negotiated, profile=$3" srv.out || fail "our server: not $3"
    grep -qx "ALPN protocols selected: coap" srv.out || fail "our server: no ALPN coap"
    same_keymat srv.out gcli.out 60
    send gcli "hello from gnutls"
    wait_grep gcli.out '^hello from gnutls$' || fail "gnutls-cli got no echo"
    feed_close gcli
    expect_exit gcli 0 || fail "gnutls-cli failed"
    expect_exit srv 0 || fail "our server failed"
}

test_srtp_gnutls_server_aes128_cm_80() {
    srtp_client_vs_gnutls SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_HMAC_SHA1_80
}
test_srtp_gnutls_server_aes128_cm_32() {
    srtp_client_vs_gnutls SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_HMAC_SHA1_32
}
test_srtp_gnutls_client_aes128_cm_80() {
    srtp_gnutls_vs_server SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32 \
        SRTP_AES128_CM_HMAC_SHA1_32:SRTP_AES128_CM_HMAC_SHA1_80 \
        SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_HMAC_SHA1_80
}
test_srtp_gnutls_client_aes128_cm_32() {
    srtp_gnutls_vs_server SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_HMAC_SHA1_32 \
        SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_HMAC_SHA1_32
}

# The stock openssl binary on the drop-in libssl.so.3 (s_server) and on the system libssl
# (s_client), with -use_srtp and the exporter: the same keys on both sides.
test_dropin_srtp_s_server() {
    ossl_pair ours system -use_srtp SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80 \
        -keymatexport "$SRTP_LABEL" -keymatexportlen 56 -- \
        -use_srtp SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM \
        -keymatexport "$SRTP_LABEL" -keymatexportlen 56
    grep -qx 'SRTP Extension negotiated, profile=SRTP_AEAD_AES_128_GCM' osrv.out ||
        fail "s_server on rdtls: no SRTP"
    grep -qx 'SRTP Extension negotiated, profile=SRTP_AEAD_AES_128_GCM' ocli.out ||
        fail "s_client: no SRTP"
    same_keymat osrv.out ocli.out 56
}

test_dropin_srtp_s_client() {
    ossl_pair system ours -use_srtp SRTP_AEAD_AES_256_GCM -alpn webrtc,c-webrtc \
        -keymatexport "$SRTP_LABEL" -keymatexportlen 88 -- \
        -use_srtp SRTP_AEAD_AES_256_GCM -alpn c-webrtc \
        -keymatexport "$SRTP_LABEL" -keymatexportlen 88
    grep -qx 'SRTP Extension negotiated, profile=SRTP_AEAD_AES_256_GCM' ocli.out ||
        fail "s_client on rdtls: no SRTP"
    grep -qx 'ALPN protocol: c-webrtc' ocli.out || fail "s_client on rdtls: no ALPN"
    same_keymat osrv.out ocli.out 88
}

# Mbed TLS 2.28 client (ctests/mbedtls_srtp_client.c; AES-CM profiles only) -> our server,
# with ALPN. Args: OUR_PROFILES PROFILE_ID EXPECTED
srtp_mbedtls_vs_server() {
    local port
    [ -x "$CTDIR/mbedtls_srtp_client" ] || fail "missing $CTDIR/mbedtls_srtp_client"
    start_bg srv "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
        -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" -use_srtp "$1" \
        -keymatexport "$SRTP_LABEL" -keymatexportlen 60 -alpn webrtc
    port=$(wait_port srv.err) || fail "server did not start"
    start_bg mcli "$CTDIR/mbedtls_srtp_client" "$port" "$2" "$CERTDIR/ca.pem" webrtc
    expect_exit mcli 0 || fail "Mbed TLS client failed"
    expect_exit srv 0 || fail "our server failed"
    grep -qx "SRTP profile: $(printf '0x%04x' "$2")" mcli.out || fail "Mbed TLS: wrong profile"
    grep -qx "SRTP Extension negotiated, profile=$3" srv.out || fail "our server: not $3"
    grep -qx 'ALPN protocol: webrtc' mcli.out || fail "Mbed TLS: no ALPN"
    grep -qx 'echo: hello from mbedtls' mcli.out || fail "Mbed TLS: no echo"
    same_keymat srv.out mcli.out 60
}

test_srtp_mbedtls_client_aes128_cm_80() {
    srtp_mbedtls_vs_server SRTP_AES128_CM_SHA1_32:SRTP_AES128_CM_SHA1_80 1 SRTP_AES128_CM_SHA1_80
}
test_srtp_mbedtls_client_aes128_cm_32() {
    srtp_mbedtls_vs_server SRTP_AES128_CM_SHA1_32 2 SRTP_AES128_CM_SHA1_32
}
