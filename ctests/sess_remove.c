/*
 * sess_remove.c - SSL_CTX_sess_set_remove_cb as OpenSSL documents it
 * (SSL_CTX_sess_set_get_cb(3)): the callback is told of every session that leaves the
 * server's internal cache - SSL_CTX_remove_session, eviction when the cache is full, an
 * expired session found by a lookup, SSL_CTX_flush_sessions and SSL_CTX_free - and, unless
 * SSL_SESS_CACHE_NO_AUTO_CLEAR, the expired sessions OpenSSL flushes by itself every 255
 * accepted connections. Client and server run in this process over memory BIOs. Sessions
 * are numbered in the order the new-session callback sees them, so that the output does not
 * depend on random session IDs and t_sess_remove.sh can diff the build against system
 * OpenSSL and the build against rdtls.
 *
 *   sess_remove CERT KEY
 *
 * Exit status: 0 when every handshake completed, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mem_pair.h"

#define MAX_IDS 1024

static unsigned char ids[MAX_IDS][32];
static unsigned int id_lens[MAX_IDS];
static int n_ids;
static SSL_CTX *expected_ctx;
static int quiet;        /* count removals instead of printing them */
static int removals;

/* The number of the session with `sess`'s ID (-1 when never seen). */
static int number(const SSL_SESSION *sess)
{
    unsigned int len = 0;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    int i;

    for (i = 0; i < n_ids; i++)
        if (id_lens[i] == len && memcmp(ids[i], id, len) == 0)
            return i;
    return -1;
}

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    unsigned int len = 0;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);

    (void)ssl;
    if (n_ids < MAX_IDS && len <= 32) {
        memcpy(ids[n_ids], id, len);
        id_lens[n_ids] = len;
        n_ids++;
    }
    return 0; /* not kept: the library releases its reference */
}

static void remove_session_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    removals++;
    if (!quiet)
        printf("    removed #%d%s\n", number(sess), ctx == expected_ctx ? "" : " (other ctx)");
}

/*
 * Runs one handshake; returns the client's session (a new reference) or NULL on failure.
 * Prints a line unless `quiet`.
 */
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
        if (!quiet)
            printf("  %s: session #%d, reused %d, cache %ld\n", label,
                   number(SSL_get_session(s)), SSL_session_reused(s),
                   SSL_CTX_sess_number(sctx));
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

static SSL_CTX *server_ctx(const char *cert, const char *key, long mode)
{
    static const unsigned char sid_ctx[] = "sess_remove";
    SSL_CTX *sctx = SSL_CTX_new(DTLS_server_method());

    if (sctx == NULL || SSL_CTX_use_certificate_chain_file(sctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_set_session_id_context(sctx, sid_ctx, sizeof(sid_ctx) - 1) != 1) {
        ERR_print_errors_fp(stderr);
        return NULL;
    }
    /* Session IDs only (RFC 5246 section 7.4.1.2): no RFC 5077 tickets. */
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(sctx, mode);
    SSL_CTX_sess_set_new_cb(sctx, new_session_cb);
    SSL_CTX_sess_set_remove_cb(sctx, remove_session_cb);
    return sctx;
}

/* One handshake whose server session lives 1 second (it has expired after the sleep). */
static int short_lived(SSL_CTX *cctx, SSL_CTX *sctx, const char *label, SSL_SESSION **keep)
{
    SSL_SESSION *got;

    SSL_CTX_set_timeout(sctx, 1);
    got = handshake(cctx, sctx, NULL, label);
    SSL_CTX_set_timeout(sctx, 300);
    if (keep != NULL)
        *keep = got;
    else
        SSL_SESSION_free(got);
    return got != NULL;
}

/*
 * OpenSSL flushes expired sessions when a handshake completes with 255 accepted before it
 * (ssl_update_cache), unless SSL_SESS_CACHE_NO_AUTO_CLEAR.
 */
static int auto_clear(SSL_CTX *cctx, SSL_CTX *sctx, const char *name)
{
    int i, ok = 1;

    printf("%s: %ld accepted, cache %ld\n", name, SSL_CTX_sess_accept_good(sctx),
           SSL_CTX_sess_number(sctx));
    expected_ctx = sctx;
    quiet = 1;
    removals = 0;
    while (ok && SSL_CTX_sess_accept_good(sctx) < 255) {
        SSL_SESSION *s = handshake(cctx, sctx, NULL, "fill");

        ok = s != NULL;
        SSL_SESSION_free(s);
    }
    printf("  %ld accepted, cache %ld, removals %d\n", SSL_CTX_sess_accept_good(sctx),
           SSL_CTX_sess_number(sctx), removals);
    quiet = 0;
    for (i = 0; ok && i < 2; i++) {
        SSL_SESSION *s = handshake(cctx, sctx, NULL, "next");

        ok = s != NULL;
        SSL_SESSION_free(s);
        printf("  %ld accepted, removals %d\n", SSL_CTX_sess_accept_good(sctx), removals);
    }
    quiet = 1;
    removals = 0;
    SSL_CTX_free(sctx);
    quiet = 0;
    printf("  SSL_CTX_free: %d removals\n", removals);
    return ok;
}

int main(int argc, char **argv)
{
    SSL_CTX *cctx, *sctx, *actx, *nctx;
    SSL_SESSION *s[4] = {NULL, NULL, NULL, NULL}, *expiring = NULL, *again;
    int ok = 1, i;

    if (argc != 3) {
        fprintf(stderr, "usage: sess_remove CERT KEY\n");
        return 2;
    }
    cctx = SSL_CTX_new(DTLS_client_method());
    sctx = server_ctx(argv[1], argv[2], SSL_SESS_CACHE_SERVER);
    actx = server_ctx(argv[1], argv[2], SSL_SESS_CACHE_SERVER);
    nctx = server_ctx(argv[1], argv[2], SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR);
    if (cctx == NULL || sctx == NULL || actx == NULL || nctx == NULL)
        return 1;
    SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);
    printf("get_remove_cb %s, default timeout %ld\n",
           SSL_CTX_sess_get_remove_cb(sctx) == remove_session_cb ? "set" : "unset",
           SSL_CTX_get_timeout(sctx));

    printf("expiring sessions for the auto-clear contexts\n");
    expected_ctx = actx;
    ok &= short_lived(cctx, actx, "auto-clear", NULL);
    expected_ctx = nctx;
    ok &= short_lived(cctx, nctx, "no-auto-clear", NULL);

    printf("cache full (size 3)\n");
    expected_ctx = sctx;
    SSL_CTX_sess_set_cache_size(sctx, 3);
    for (i = 0; i < 4; i++) {
        s[i] = handshake(cctx, sctx, NULL, "full");
        ok &= s[i] != NULL;
    }
    printf("SSL_CTX_remove_session\n");
    for (i = 0; i < 2; i++) {
        /* The client's copy of session #2 has the server's session ID. */
        int r = SSL_CTX_remove_session(sctx, s[2]);

        printf("  returned %d, cache %ld\n", r, SSL_CTX_sess_number(sctx));
    }
    printf("expired session offered again\n");
    SSL_CTX_sess_set_cache_size(sctx, 10);
    ok &= short_lived(cctx, sctx, "short-lived", &expiring);
    printf("  cache %ld\n", SSL_CTX_sess_number(sctx));
    sleep(3);
    again = expiring != NULL ? handshake(cctx, sctx, expiring, "resume") : NULL;
    ok &= again != NULL;
    printf("SSL_CTX_flush_sessions\n");
    SSL_CTX_flush_sessions(sctx, (long)time(NULL));
    printf("  now: cache %ld\n", SSL_CTX_sess_number(sctx));
    SSL_CTX_set_timeout(sctx, 5000);
    SSL_SESSION_free(handshake(cctx, sctx, NULL, "long-lived"));
    SSL_CTX_flush_sessions(sctx, (long)time(NULL) + 1000);
    printf("  now + 1000 s: cache %ld\n", SSL_CTX_sess_number(sctx));
    SSL_SESSION_free(handshake(cctx, sctx, NULL, "full"));
    printf("SSL_CTX_free\n");
    SSL_CTX_free(sctx);

    ok &= auto_clear(cctx, actx, "auto-clear");
    ok &= auto_clear(cctx, nctx, "no-auto-clear");

    for (i = 0; i < 4; i++)
        SSL_SESSION_free(s[i]);
    SSL_SESSION_free(expiring);
    SSL_SESSION_free(again);
    SSL_CTX_free(cctx);
    return ok ? 0 : 1;
}
