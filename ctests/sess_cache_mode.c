/*
 * sess_cache_mode.c - the server session cache modes of SSL_CTX_set_session_cache_mode as
 * OpenSSL documents them: SSL_SESS_CACHE_NO_INTERNAL_STORE (sessions are not added to the
 * internal cache; the new-session callback is still called) and
 * SSL_SESS_CACHE_NO_INTERNAL_LOOKUP (the server does not look sessions up in the internal
 * cache, only through the get-session callback). For each mode, without and with an
 * external store (new-session callback keeps the session, SSL_CTX_sess_set_get_cb hands it
 * back): a full handshake, then a client offering that session again. The client context
 * caches its sessions as well (SSL_SESS_CACHE_CLIENT).
 * Client and server run in this process over memory BIOs. Prints, per mode and handshake,
 * whether the session was reused, the server's cache size (SSL_CTX_sess_number), its new-
 * session callback count and hit/miss/callback-hit counters, so that t_sess_cache_mode.sh
 * can diff the
 * build against system OpenSSL and the build against rdtls.
 *
 *   sess_cache_mode CERT KEY
 *
 * Exit status: 0 when every handshake completed, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mem_pair.h"


static int new_session_calls;
static int use_external;        /* keep sessions in `external` and serve them back */
static SSL_SESSION *external;   /* a one-entry external session store */
static int get_session_calls;

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    new_session_calls++;
    if (!use_external)
        return 0; /* not kept: the library releases its reference */
    SSL_SESSION_free(external);
    external = sess; /* kept: the library's reference is now ours */
    return 1;
}

static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    unsigned int have_len = 0;
    const unsigned char *have;

    (void)ssl;
    get_session_calls++;
    if (external == NULL)
        return NULL;
    have = SSL_SESSION_get_id(external, &have_len);
    if ((unsigned int)len != have_len || memcmp(have, id, have_len) != 0)
        return NULL;
    *copy = 1; /* we keep our reference; the library takes its own */
    return external;
}

/* Runs one handshake; returns the client's session (a new reference) or NULL on failure. */
static SSL_SESSION *handshake(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume,
                              const char *label)
{
    BIO *c_out, *s_out;
    SSL *c = mem_pair_end(cctx, &c_out, 0), *s = mem_pair_end(sctx, &s_out, 1);
    SSL_SESSION *got = NULL;
    int done;

    if (c == NULL || s == NULL)
        return NULL;
    if (resume != NULL && SSL_set_session(c, resume) != 1)
        return NULL;
    done = mem_pair_handshake(c, c_out, s, s_out);
    if (done) {
        printf("  %s: client reused %d, server reused %d, cache %ld, new-session calls %d, "
               "get-session calls %d, hits %ld, misses %ld, cb hits %ld\n",
               label, SSL_session_reused(c), SSL_session_reused(s), SSL_CTX_sess_number(sctx),
               new_session_calls, get_session_calls, SSL_CTX_sess_hits(sctx),
               SSL_CTX_sess_misses(sctx), SSL_CTX_sess_cb_hits(sctx));
        printf("    client cache %ld, client hits %ld\n", SSL_CTX_sess_number(cctx),
               SSL_CTX_sess_hits(cctx));
        got = SSL_get1_session(c);
        /* A connection freed without close_notify makes its session unresumable. */
        (void)SSL_shutdown(c);
        (void)SSL_shutdown(s);
    } else {
        printf("  %s: handshake failed\n", label);
        ERR_print_errors_fp(stdout);
    }
    SSL_free(c);
    SSL_free(s);
    return got;
}

static int run_mode(const char *name, long mode, int with_external, const char *cert,
                    const char *key)
{
    static const unsigned char sid_ctx[] = "sess_cache_mode";
    SSL_CTX *cctx = SSL_CTX_new(DTLS_client_method());
    SSL_CTX *sctx = SSL_CTX_new(DTLS_server_method());
    SSL_SESSION *first, *second;
    int ok;

    if (cctx == NULL || sctx == NULL || SSL_CTX_use_certificate_chain_file(sctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_set_session_id_context(sctx, sid_ctx, sizeof(sid_ctx) - 1) != 1) {
        ERR_print_errors_fp(stderr);
        return 0;
    }
    /* Session IDs only (RFC 5246 section 7.4.1.2): no RFC 5077 tickets. */
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(sctx, mode);
    /* The client caches too (its own NO_INTERNAL_STORE bit as the server's). */
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT
                                             | (mode & SSL_SESS_CACHE_NO_INTERNAL_STORE));
    SSL_CTX_sess_set_new_cb(sctx, new_session_cb);
    use_external = with_external;
    if (with_external)
        SSL_CTX_sess_set_get_cb(sctx, get_session_cb);
    new_session_calls = 0;
    get_session_calls = 0;
    printf("%s%s (mode 0x%lx, read back 0x%lx, get callback %s)\n", name,
           with_external ? " +external" : "", mode, SSL_CTX_get_session_cache_mode(sctx),
           SSL_CTX_sess_get_get_cb(sctx) == get_session_cb ? "set" : "unset");
    first = handshake(cctx, sctx, NULL, "full");
    second = first != NULL ? handshake(cctx, sctx, first, "resume") : NULL;
    ok = first != NULL && second != NULL;
    SSL_SESSION_free(first);
    SSL_SESSION_free(second);
    SSL_SESSION_free(external);
    external = NULL;
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

int main(int argc, char **argv)
{
    int ok = 1, ext;

    if (argc != 3) {
        fprintf(stderr, "usage: sess_cache_mode CERT KEY\n");
        return 2;
    }
    for (ext = 0; ext <= 1; ext++) {
        ok &= run_mode("SERVER", SSL_SESS_CACHE_SERVER, ext, argv[1], argv[2]);
        ok &= run_mode("SERVER|NO_INTERNAL_STORE",
                       SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE, ext, argv[1],
                       argv[2]);
        ok &= run_mode("SERVER|NO_INTERNAL_LOOKUP",
                       SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_LOOKUP, ext, argv[1],
                       argv[2]);
        ok &= run_mode("SERVER|NO_INTERNAL", SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL,
                       ext, argv[1], argv[2]);
        ok &= run_mode("OFF", SSL_SESS_CACHE_OFF, ext, argv[1], argv[2]);
    }
    return ok ? 0 : 1;
}
