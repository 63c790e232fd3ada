# shellcheck shell=bash
# SSL_write into a write BIO that cannot take data (ctests/write_block.c), built against the
# system OpenSSL and against rdtls: -1 / SSL_ERROR_WANT_WRITE with no error queued, the same
# call succeeding once the BIO takes data, the peer receiving it once; and 300 writes into a
# BIO that takes everything all succeeding (more than the engine's 256-datagram send queue).
test_write_block_as_openssl() {
    local ossl="$BUILD/ctests-openssl/write_block"
    [ -x "$ossl" ] || fail "missing $ossl (make ctest-progs RDTLS_BACKEND=openssl)"
    timeout 60 "$ossl" "$CERTDIR/server.pem" "$CERTDIR/server.key" > openssl.txt ||
        fail "write_block failed under OpenSSL: $(cat openssl.txt)"
    # The program counts DTLS 1.2 application-data record headers (type 23) in the BIO and
    # compares with OpenSSL 3.0: pinned to 1.2 by the environment.
    RDTLS_MAX_PROTO=DTLSv1.2 timeout 60 "$CTDIR/write_block" "$CERTDIR/server.pem" \
        "$CERTDIR/server.key" > ours.txt || fail "write_block failed under $RDTLS_BACKEND: $(cat ours.txt)"
    cat ours.txt
    grep -qx 'open: 300 of 300 writes of 100 bytes returned 100' ours.txt ||
        fail "writes into an open BIO were refused"
    grep -qx 'the write BIO got 300 application data records' ours.txt ||
        fail "records missing in the write BIO"
    grep -c '^shut: SSL_write -1, SSL_get_error 3, error queue empty$' ours.txt |
        grep -qx 3 || fail "a blocked SSL_write is not -1/WANT_WRITE with no error"
    grep -qx 'reopened, same call: SSL_write 100, SSL_get_error 0, error queue empty' \
        ours.txt || fail "the retried SSL_write did not succeed"
    grep -qx '  1 x 100 bytes of 0x41' ours.txt || fail "the retried data did not arrive once"
    diff openssl.txt ours.txt || fail "results differ (< OpenSSL, > ours)"
}
