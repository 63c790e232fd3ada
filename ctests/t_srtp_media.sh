# shellcheck shell=bash
# SRTP media keyed by DTLS-SRTP (ctests/srtp_media.c): handshake with use_srtp, keys from
# SSL_export_keying_material("EXTRACTOR-dtls_srtp") cut as RFC 5764 §4.2 says, libsrtp2
# sessions, 1000 protected RTP packets each way over the handshake's UDP socket pair. Every
# profile, our library on both sides and against the same program built on OpenSSL.

# srtp_media_run SERVER_BIN CLIENT_BIN PROFILE
srtp_media_run() {
    local port
    [ -x "$1" ] || fail "missing $1 (make ctest-progs)"
    [ -x "$2" ] || fail "missing $2 (make ctest-progs RDTLS_BACKEND=openssl)"
    start_bg msrv "$1" server "$3" "$CERTDIR/server.pem" "$CERTDIR/server.key"
    port=$(wait_port msrv.out) || fail "srtp_media server did not start"
    start_bg mcli "$2" client "$port" "$3" "$CERTDIR/ca.pem"
    wait "$mcli_pid"
    case $? in
    0) ;;
    77) skip "libsrtp2 does not support $3" ;;
    *) fail "client side failed" ;;
    esac
    expect_exit msrv 0 || fail "server side failed"
    grep -qx "SRTP profile: $3" msrv.out || fail "server: not $3"
    grep -qx "SRTP profile: $3" mcli.out || fail "client: not $3"
    [ "$(grep '^Keying material: ' msrv.out)" = "$(grep '^Keying material: ' mcli.out)" ] ||
        fail "the two sides exported different keys"
    grep -qx 'media: sent 1000, received 1000, authenticated 1000' msrv.out ||
        fail "server did not authenticate 1000 packets"
    grep -qx 'media: sent 1000, received 1000, authenticated 1000' mcli.out ||
        fail "client did not authenticate 1000 packets"
    cat msrv.out mcli.out
}

SRTP_MEDIA_OURS="$CTDIR/srtp_media"
SRTP_MEDIA_OSSL="$BUILD/ctests-openssl/srtp_media"

# srtp_media_case PAIR PROFILE: PAIR is ours (ours/ours), ours_server (ours, OpenSSL client)
# or ours_client (OpenSSL server, our client).
srtp_media_case() {
    case "$1" in
    ours) srtp_media_run "$SRTP_MEDIA_OURS" "$SRTP_MEDIA_OURS" "$2" ;;
    ours_server) srtp_media_run "$SRTP_MEDIA_OURS" "$SRTP_MEDIA_OSSL" "$2" ;;
    ours_client) srtp_media_run "$SRTP_MEDIA_OSSL" "$SRTP_MEDIA_OURS" "$2" ;;
    esac
}

for _pair in ours ours_server ours_client; do
    for _prof in SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_32 SRTP_AEAD_AES_128_GCM \
        SRTP_AEAD_AES_256_GCM; do
        eval "test_srtp_media_${_pair}_${_prof}() { srtp_media_case $_pair $_prof; }"
    done
done
unset _pair _prof
