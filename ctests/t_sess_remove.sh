# shellcheck shell=bash
# SSL_CTX_sess_set_remove_cb as OpenSSL documents it (SSL_CTX_sess_set_get_cb(3)) and
# SSL_SESS_CACHE_NO_AUTO_CLEAR: ctests/sess_remove.c, built against the system OpenSSL and
# against rdtls, must report the same removals at the same moments: SSL_CTX_remove_session
# (also of a session no longer cached), eviction when the cache is full, an expired session
# offered again, SSL_CTX_flush_sessions (now and in the future), SSL_CTX_free, and the
# automatic flush of expired sessions at the 256th accepted connection, which
# NO_AUTO_CLEAR turns off. Sleeps 3 s (a session must expire).
test_sess_remove_as_openssl() {
    local ossl="$BUILD/ctests-openssl/sess_remove"
    [ -x "$ossl" ] || fail "missing $ossl (make ctest-progs RDTLS_BACKEND=openssl)"
    timeout 60 "$ossl" "$CERTDIR/server.pem" "$CERTDIR/server.key" > openssl.txt ||
        fail "sess_remove failed under OpenSSL: $(cat openssl.txt)"
    # The session-ID cache of DTLS 1.2 (1.3 resumes with stateless tickets, RFC 8446 §2.2):
    # pinned to 1.2 by the environment.
    RDTLS_MAX_PROTO=DTLSv1.2 timeout 60 "$CTDIR/sess_remove" "$CERTDIR/server.pem" \
        "$CERTDIR/server.key" > ours.txt || fail "sess_remove failed under $RDTLS_BACKEND: $(cat ours.txt)"
    cat ours.txt
    # Besides the diff: the callback is installed and fires for each kind of removal.
    grep -q '^get_remove_cb set' ours.txt || fail "SSL_CTX_sess_get_remove_cb lost the callback"
    grep -A2 '^SSL_CTX_remove_session' ours.txt | grep -q 'removed #' ||
        fail "SSL_CTX_remove_session did not call the callback"
    grep -A3 '^SSL_CTX_free' ours.txt | grep -q 'removed #' ||
        fail "SSL_CTX_free did not call the callback"
    grep -A4 '^auto-clear:' ours.txt | grep -q 'removed #0' ||
        fail "the automatic flush did not remove the expired session"
    grep -A6 '^no-auto-clear:' ours.txt | grep -q 'removed #' &&
        fail "NO_AUTO_CLEAR: a session was flushed automatically"
    diff openssl.txt ours.txt || fail "results differ (< OpenSSL, > ours)"
}
