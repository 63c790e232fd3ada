/*
 * dtls13_api.c - DTLS 1.3 (RFC 9147) through the OpenSSL API, ours <-> ours in one process
 * over a datagram BIO pair (ctests/t_dtls13_capi.sh; rdtls backend only: OpenSSL 3.0 has
 * neither DTLS 1.3 nor BIO_new_bio_dgram_pair).
 *
 *   dtls13_api CERTDIR [resume]
 *
 * 1. DTLS 1.3 is the default: DTLS_method with no maximum set negotiates DTLS 1.3 (getters,
 *    SSL_renegotiate refused with SSL_R_WRONG_SSL_VERSION as OpenSSL on TLS 1.3, the
 *    connection still usable, the 1.3 session resuming after i2d/d2i_SSL_SESSION);
 *    SSL_CTX_set_max_proto_version(DTLS1_2_VERSION) pins 1.2.
 * 2. With SSL_CTX_set_max_proto_version(DTLS1_3_VERSION) on both sides: a 1.3 handshake;
 *    prints the getters (version, cipher, peer certificate, verify result, exporter).
 * 3. SSL_key_update both ways (REQUESTED and NOT_REQUESTED), SSL_get_key_update_type before
 *    and after the next SSL_write, data in the new epochs; SSL_key_update refused on a 1.2
 *    connection and before the handshake.
 * 4. With "resume": the client's new-session callback fires when the ticket arrives;
 *    SSL_get1_session / SSL_set_session resume a second connection.
 * 5. A DTLSv1_2_client_method client (even with the maximum raised) still negotiates 1.2
 *    with a 1.3-capable server, as does DTLS_client_method with a maximum of 1.2.
 * 6. SSL_CTX_set_ciphersuites picks the TLS 1.3 suite.
 * Prints "key: value" lines; exits 0 when every check passed.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <rdtls/dtls13.h>

static const char *certdir;
static int failures;
static int new_sessions;

#define CHECK(cond, what)                                                                     \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "FAILED: %s (%s:%d)\n", what, __FILE__, __LINE__);               \
            ERR_print_errors_fp(stderr);                                                      \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    (void)sess;
    new_sessions++;
    return 0; /* we did not keep a reference */
}

static SSL_CTX *make_ctx(const SSL_METHOD *m, int server, int max)
{
    char path[512];
    SSL_CTX *ctx = SSL_CTX_new(m);

    if (ctx == NULL)
        return NULL;
    if (server) {
        snprintf(path, sizeof(path), "%s/server.pem", certdir);
        if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1)
            return NULL;
        snprintf(path, sizeof(path), "%s/server.key", certdir);
        if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1)
            return NULL;
    } else {
        snprintf(path, sizeof(path), "%s/ca.pem", certdir);
        if (SSL_CTX_load_verify_locations(ctx, path, NULL) != 1)
            return NULL;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
        SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    }
    if (max != 0 && SSL_CTX_set_max_proto_version(ctx, max) != 1)
        return NULL;
    return ctx;
}

struct pair {
    SSL *c, *s;
};

static int pair_new(struct pair *p, SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume)
{
    BIO *b1 = NULL, *b2 = NULL;

    p->c = SSL_new(cctx);
    p->s = SSL_new(sctx);
    if (p->c == NULL || p->s == NULL || BIO_new_bio_dgram_pair(&b1, 0, &b2, 0) != 1)
        return 0;
    SSL_set_bio(p->c, b1, b1);
    SSL_set_bio(p->s, b2, b2);
    SSL_set_connect_state(p->c);
    SSL_set_accept_state(p->s);
    return resume == NULL || SSL_set_session(p->c, resume) == 1;
}

static int pair_handshake(struct pair *p)
{
    int i, cr = 0, sr = 0;

    for (i = 0; i < 50 && !(cr == 1 && sr == 1); i++) {
        if (cr != 1) {
            cr = SSL_do_handshake(p->c);
            if (cr != 1 && SSL_get_error(p->c, cr) != SSL_ERROR_WANT_READ)
                return 0;
        }
        if (sr != 1) {
            sr = SSL_do_handshake(p->s);
            if (sr != 1 && SSL_get_error(p->s, sr) != SSL_ERROR_WANT_READ)
                return 0;
        }
    }
    return cr == 1 && sr == 1;
}

static void pair_free(struct pair *p)
{
    SSL_free(p->c);
    SSL_free(p->s);
}

/* from writes msg; to must read exactly msg (reading may first process handshake
 * records: NewSessionTicket, KeyUpdate, ACK). */
static int send_recv(SSL *from, SSL *to, const char *msg)
{
    char buf[256];
    int i, n = -1;

    if (SSL_write(from, msg, (int)strlen(msg)) != (int)strlen(msg))
        return 0;
    for (i = 0; i < 10 && n <= 0; i++) {
        n = SSL_read(to, buf, sizeof(buf));
        if (n <= 0 && SSL_get_error(to, n) != SSL_ERROR_WANT_READ)
            return 0;
    }
    return n == (int)strlen(msg) && memcmp(buf, msg, (size_t)n) == 0;
}

/* Lets `s` process what the peer sent (ACKs, tickets, KeyUpdates) without data. */
static void drain(SSL *s)
{
    char buf[64];

    if (SSL_read(s, buf, sizeof(buf)) <= 0)
        ERR_clear_error();
}

static void print_getters(const char *side, SSL *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s);
    X509 *peer = SSL_get1_peer_certificate(s);
    char name[256] = "none";

    printf("%s version: %s 0x%04x\n", side, SSL_get_version(s), (unsigned)SSL_version(s));
    printf("%s cipher: %s %s %s 0x%08lx\n", side, SSL_CIPHER_get_name(c),
           SSL_CIPHER_standard_name(c), SSL_CIPHER_get_version(c),
           (unsigned long)SSL_CIPHER_get_id(c));
    if (peer != NULL) {
        X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof(name));
        X509_free(peer);
    }
    printf("%s peer certificate: %s\n", side, name);
    printf("%s verify result: %ld\n", side, SSL_get_verify_result(s));
}

static void full_handshake_and_key_update(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION **out)
{
    struct pair p;
    unsigned char ekm_c[32], ekm_s[32];
    int i;

    CHECK(pair_new(&p, cctx, sctx, NULL), "pair");
    CHECK(SSL_key_update(p.c, SSL_KEY_UPDATE_REQUESTED) == 0, "key update before handshake");
    ERR_clear_error();
    CHECK(pair_handshake(&p), "1.3 handshake");
    print_getters("client", p.c);
    print_getters("server", p.s);
    CHECK(SSL_version(p.c) == DTLS1_3_VERSION, "client version 1.3");
    CHECK(SSL_version(p.s) == DTLS1_3_VERSION, "server version 1.3");
    CHECK(strcmp(SSL_get_version(p.c), "DTLSv1.3") == 0, "DTLSv1.3 string");
    CHECK(SSL_get_verify_result(p.c) == X509_V_OK, "verified");
    CHECK(SSL_export_keying_material(p.c, ekm_c, sizeof(ekm_c), "EXPORTER-test", 13,
                                     NULL, 0, 0) == 1, "client exporter");
    CHECK(SSL_export_keying_material(p.s, ekm_s, sizeof(ekm_s), "EXPORTER-test", 13,
                                     NULL, 0, 0) == 1, "server exporter");
    CHECK(memcmp(ekm_c, ekm_s, sizeof(ekm_c)) == 0, "exporter values agree");
    printf("exporter: ");
    for (i = 0; i < 8; i++)
        printf("%02x", ekm_c[i]);
    printf("...\n");

    CHECK(send_recv(p.c, p.s, "client hello 1.3"), "client -> server");
    CHECK(send_recv(p.s, p.c, "server hello 1.3"), "server -> client");
    printf("session reused: %d\n", SSL_session_reused(p.c));

    /* KeyUpdate from the client, asking the server to update too (RFC 9147 section 8). */
    CHECK(SSL_get_key_update_type(p.c) == SSL_KEY_UPDATE_NONE, "no update pending");
    CHECK(SSL_key_update(p.c, 7) == 0, "invalid key update type refused");
    ERR_clear_error();
    CHECK(SSL_key_update(p.c, SSL_KEY_UPDATE_REQUESTED) == 1, "client SSL_key_update");
    printf("client pending update: %d\n", SSL_get_key_update_type(p.c));
    CHECK(SSL_get_key_update_type(p.c) == SSL_KEY_UPDATE_REQUESTED, "update pending");
    CHECK(send_recv(p.c, p.s, "after client key update"), "data in the client's new epoch");
    CHECK(SSL_get_key_update_type(p.c) == SSL_KEY_UPDATE_NONE, "update sent");
    CHECK(send_recv(p.s, p.c, "server after update"), "data in the server's new epoch");
    /* The other way, not requesting an update from the client. */
    CHECK(SSL_key_update(p.s, SSL_KEY_UPDATE_NOT_REQUESTED) == 1, "server SSL_key_update");
    printf("server pending update: %d\n", SSL_get_key_update_type(p.s));
    CHECK(SSL_do_handshake(p.s) == 1, "SSL_do_handshake after SSL_key_update");
    /* Sent now, or (RFC 9147 section 8: our last flight, the tickets, is not acknowledged
     * yet) by the first flush after the client's ACK arrived. */
    CHECK(send_recv(p.s, p.c, "server second epoch"), "server data after its update");
    CHECK(send_recv(p.c, p.s, "client still fine"), "client data after the server's update");
    CHECK(send_recv(p.s, p.c, "server third"), "server data");
    CHECK(SSL_get_key_update_type(p.s) == SSL_KEY_UPDATE_NONE, "server update sent");
    drain(p.s);
    drain(p.c);
    printf("key updates: ok\n");

    if (out == NULL) {
        SSL_shutdown(p.c);
        pair_free(&p);
        return;
    }
    printf("new-session callbacks: %d\n", new_sessions);
    CHECK(new_sessions >= 1, "a ticket arrived");
    *out = SSL_get1_session(p.c);
    CHECK(*out != NULL, "SSL_get1_session");
    if (*out != NULL)
        printf("session protocol: 0x%04x resumable: %d\n",
               (unsigned)SSL_SESSION_get_protocol_version(*out),
               SSL_SESSION_is_resumable(*out));
    SSL_shutdown(p.c);
    pair_free(&p);
}

static void resume(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *sess)
{
    struct pair p;

    CHECK(pair_new(&p, cctx, sctx, sess), "resumption pair");
    CHECK(pair_handshake(&p), "resumed handshake");
    printf("resumed: client %d server %d version %s\n", SSL_session_reused(p.c),
           SSL_session_reused(p.s), SSL_get_version(p.c));
    CHECK(SSL_session_reused(p.c) == 1 && SSL_session_reused(p.s) == 1, "resumed");
    CHECK(SSL_version(p.c) == DTLS1_3_VERSION, "resumed at 1.3");
    CHECK(send_recv(p.c, p.s, "resumed data"), "data after resumption");
    pair_free(&p);
}

/* Both sides with no maximum set (as a legacy program): DTLS 1.3. Renegotiation, a 1.2
 * feature, is refused as OpenSSL refuses it on TLS 1.3 (SSL_R_WRONG_SSL_VERSION, nothing
 * sent, the connection usable); the 1.3 session goes through i2d_SSL_SESSION /
 * d2i_SSL_SESSION (OpenSSL's TLS 1.3 layout: ticket and resumption PSK) and resumes. */
static void default_is_13(SSL_CTX *cctx, SSL_CTX *sctx)
{
    struct pair p;
    SSL_SESSION *sess;
    const SSL_CIPHER *c;

    CHECK(SSL_CTX_get_max_proto_version(cctx) == 0, "no maximum set");
    CHECK(pair_new(&p, cctx, sctx, NULL), "pair");
    CHECK(pair_handshake(&p), "default handshake");
    c = SSL_get_current_cipher(p.c);
    printf("default: %s 0x%04x %s server %s\n", SSL_get_version(p.c), (unsigned)SSL_version(p.c),
           SSL_CIPHER_get_name(c), SSL_get_version(p.s));
    CHECK(SSL_version(p.c) == DTLS1_3_VERSION && SSL_version(p.s) == DTLS1_3_VERSION,
          "default negotiates 1.3");
    CHECK(strncmp(SSL_CIPHER_get_name(c), "TLS_", 4) == 0, "a TLS 1.3 suite");
    CHECK(SSL_renegotiate(p.c) == 0, "client SSL_renegotiate refused on 1.3");
    printf("default renegotiate: client reason %d", ERR_GET_REASON(ERR_peek_error()));
    CHECK(ERR_GET_REASON(ERR_peek_error()) == SSL_R_WRONG_SSL_VERSION, "WRONG_SSL_VERSION");
    ERR_clear_error();
    CHECK(SSL_renegotiate_abbreviated(p.s) == 0, "server renegotiate refused on 1.3");
    printf(" server reason %d pending %d\n", ERR_GET_REASON(ERR_peek_error()),
           SSL_renegotiate_pending(p.s));
    CHECK(ERR_GET_REASON(ERR_peek_error()) == SSL_R_WRONG_SSL_VERSION, "WRONG_SSL_VERSION");
    ERR_clear_error();
    CHECK(SSL_renegotiate_pending(p.c) == 0 && SSL_renegotiate_pending(p.s) == 0,
          "nothing pending");
    CHECK(send_recv(p.c, p.s, "after refused renegotiation"), "client data after refusal");
    CHECK(send_recv(p.s, p.c, "server still fine"), "server data after refusal");
    sess = SSL_get1_session(p.c);
    CHECK(sess != NULL, "SSL_get1_session");
    SSL_shutdown(p.c);
    pair_free(&p);
    if (sess != NULL) {
        unsigned char *der = NULL;
        const unsigned char *in;
        int n = i2d_SSL_SESSION(sess, &der);
        SSL_SESSION *back;

        in = der;
        back = n > 0 ? d2i_SSL_SESSION(NULL, &in, n) : NULL;
        printf("default session: 0x%04x i2d %s d2i 0x%04x",
               (unsigned)SSL_SESSION_get_protocol_version(sess), n > 0 ? "ok" : "refused",
               back != NULL ? (unsigned)SSL_SESSION_get_protocol_version(back) : 0u);
        CHECK(back != NULL && in == der + n, "i2d/d2i round trip of a 1.3 session");
        OPENSSL_free(der);
        SSL_SESSION_free(sess);
        /* The session read back resumes with its ticket. */
        CHECK(pair_new(&p, cctx, sctx, NULL), "pair");
        CHECK(back != NULL && SSL_set_session(p.c, back) == 1, "SSL_set_session");
        CHECK(pair_handshake(&p), "resumed handshake");
        printf(" reused %d %s\n", SSL_session_reused(p.c), SSL_get_version(p.c));
        CHECK(SSL_session_reused(p.c) == 1, "the d2i session resumed");
        SSL_SESSION_free(back);
        SSL_shutdown(p.c);
        pair_free(&p);
    }
}

/* A client pinned to DTLS 1.2 by its method or bounds against a 1.3-capable server. */
static void stays_12(const char *what, SSL_CTX *cctx, SSL_CTX *sctx)
{
    struct pair p;

    CHECK(pair_new(&p, cctx, sctx, NULL), "pair");
    CHECK(pair_handshake(&p), what);
    printf("%s: %s\n", what, SSL_get_version(p.c));
    CHECK(SSL_version(p.c) == DTLS1_2_VERSION, what);
    CHECK(SSL_key_update(p.c, SSL_KEY_UPDATE_NOT_REQUESTED) == 0, "no key update on 1.2");
    printf("%s key update: reason %d\n", what, ERR_GET_REASON(ERR_peek_error()));
    CHECK(ERR_GET_REASON(ERR_peek_error()) == SSL_R_WRONG_SSL_VERSION, "WRONG_SSL_VERSION");
    ERR_clear_error();
    pair_free(&p);
}

int main(int argc, char **argv)
{
    SSL_CTX *sctx, *cctx, *c12, *cmax12, *cdef, *sdef;
    SSL_SESSION *sess = NULL;
    struct pair p;

    if (argc < 2 || (argc == 3 && strcmp(argv[2], "resume") != 0) || argc > 3) {
        fprintf(stderr, "usage: dtls13_api CERTDIR [resume]\n");
        return 2;
    }
    certdir = argv[1];
    sctx = make_ctx(DTLS_server_method(), 1, DTLS1_3_VERSION);
    cctx = make_ctx(DTLS_client_method(), 0, DTLS1_3_VERSION);
    c12 = make_ctx(DTLSv1_2_client_method(), 0, DTLS1_3_VERSION);
    cmax12 = make_ctx(DTLS_client_method(), 0, DTLS1_2_VERSION);
    cdef = make_ctx(DTLS_client_method(), 0, 0);
    sdef = make_ctx(DTLS_server_method(), 1, 0);
    if (sctx == NULL || cctx == NULL || c12 == NULL || cmax12 == NULL || cdef == NULL ||
        sdef == NULL) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    CHECK(SSL_CTX_get_max_proto_version(cctx) == DTLS1_3_VERSION, "max version read back");

    full_handshake_and_key_update(cctx, sctx, argc == 3 ? &sess : NULL);
    if (sess != NULL) {
        resume(cctx, sctx, sess);
        SSL_SESSION_free(sess);
    }
    default_is_13(cdef, sdef);
    stays_12("DTLSv1_2_client_method", c12, sctx);
    stays_12("DTLSv1_2_client_method, default server", c12, sdef);
    stays_12("maximum DTLS1_2_VERSION", cmax12, sdef);

    /* TLS 1.3 suites: the server accepts only ChaCha20 (unknown names skipped). */
    CHECK(SSL_CTX_set_ciphersuites(sctx, "TLS_NOT_A_SUITE:TLS_CHACHA20_POLY1305_SHA256") == 1,
          "set_ciphersuites");
    CHECK(SSL_CTX_set_ciphersuites(sctx, "TLS_NOT_A_SUITE") == 0, "no known suite refused");
    ERR_clear_error();
    CHECK(pair_new(&p, cctx, sctx, NULL), "pair");
    CHECK(pair_handshake(&p), "ChaCha20 handshake");
    printf("ciphersuites: %s %s\n", SSL_get_version(p.c),
           SSL_CIPHER_get_name(SSL_get_current_cipher(p.c)));
    CHECK(strcmp(SSL_CIPHER_get_name(SSL_get_current_cipher(p.c)),
                 "TLS_CHACHA20_POLY1305_SHA256") == 0, "the configured suite");
    pair_free(&p);

    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    SSL_CTX_free(c12);
    SSL_CTX_free(cdef);
    SSL_CTX_free(cmax12);
    SSL_CTX_free(sdef);
    printf("%s\n", failures == 0 ? "all checks passed" : "SOME CHECKS FAILED");
    return failures == 0 ? 0 : 1;
}
