# shellcheck shell=bash
# SSL_CTX_set_session_cache_mode's SSL_SESS_CACHE_NO_INTERNAL_STORE and
# SSL_SESS_CACHE_NO_INTERNAL_LOOKUP as OpenSSL documents them (SSL_CTX_set_session_cache_mode
# (3)): ctests/sess_cache_mode.c, built against the system OpenSSL and against rdtls, must
# print the same reuse flags, cache sizes, new- and get-session callback counts and
# hit/miss/callback-hit counters, without and with an external store (SSL_CTX_sess_set_get_cb).
test_sess_cache_mode_as_openssl() {
    local ossl="$BUILD/ctests-openssl/sess_cache_mode"
    [ -x "$ossl" ] || fail "missing $ossl (make ctest-progs RDTLS_BACKEND=openssl)"
    timeout 30 "$ossl" "$CERTDIR/server.pem" "$CERTDIR/server.key" > openssl.txt ||
        fail "sess_cache_mode failed under OpenSSL: $(cat openssl.txt)"
    # The session-ID cache of DTLS 1.2 (1.3 resumes with stateless tickets, RFC 8446 §2.2):
    # pinned to 1.2 by the environment.
    RDTLS_MAX_PROTO=DTLSv1.2 timeout 30 "$CTDIR/sess_cache_mode" "$CERTDIR/server.pem" \
        "$CERTDIR/server.key" > ours.txt || fail "sess_cache_mode failed under $RDTLS_BACKEND: $(cat ours.txt)"
    cat ours.txt
    # What the modes mean, besides the diff: no internal store -> nothing cached, the
    # callback still called, no resumption; no internal lookup -> cached but not resumed.
    mode_line() { grep -A4 "^$1 " ours.txt | grep -q "$2"; }
    mode_line 'SERVER|NO_INTERNAL_STORE' 'client reused 0,.*cache 0, new-session calls 2' ||
        fail "NO_INTERNAL_STORE: a session was cached or resumed"
    mode_line 'SERVER|NO_INTERNAL_LOOKUP' 'resume: client reused 0, .*cache 2,' ||
        fail "NO_INTERNAL_LOOKUP: a session was looked up or not stored"
    mode_line SERVER 'resume: client reused 1, server reused 1' || fail "SERVER: no resumption"
    # With SSL_CTX_sess_set_get_cb serving the session back, every mode resumes but OFF.
    mode_line 'SERVER|NO_INTERNAL +external' 'client reused 1,.*cache 0,.*cb hits 1' ||
        fail "NO_INTERNAL: the get-session callback's session did not resume"
    diff openssl.txt ours.txt || fail "results differ (< OpenSSL, > ours)"
}
