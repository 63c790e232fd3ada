/*
 * dropin_prog.c - a DTLS program written against OpenSSL 3.0, compiled with the SYSTEM
 * OpenSSL headers and `-lssl -lcrypto`. ctests/t_dropin.sh runs it as built (the system
 * libssl: the control run that shows the checks are right) and with
 * LD_PRELOAD=build/libssl.so.3 (the drop-in must give the same results).
 *
 *   dropin_prog CERTDIR [-dropin]
 *
 * Everything is in one process on in-memory transports, and every object the program
 * touches directly (BIOs, X509s, EVP_PKEYs, the store, the error queue, ex_data indices) is
 * libcrypto's:
 *   custom_bio   an application BIO_METHOD (a datagram queue whose ctrl answers only FLUSH,
 *                PENDING and WPENDING), DTLSv1_listen with cookie callbacks, client
 *                certificates from memory, a verify callback reading the X509_STORE_CTX,
 *                ex_data with a free callback, SSL_get_error order, data both ways and the
 *                SSL_shutdown 0-then-1 sequence;
 *   memory_bios  BIO_s_mem pairs and the timer API: a lost ClientHello, DTLSv1_get_timeout,
 *                DTLSv1_handle_timeout before (0) and after (1, retransmitted) expiry;
 *   tls_refused  (-dropin only) TLS_method fails at handshake time with an SSL error.
 * Prints "LIBSSL <path of the object defining SSL_new>" and every mapped libssl, then
 * "PASS"; exit status 0 when every check passed.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define QUEUE_SLOTS 64
#define DGRAM_MAX 4096
#define MAX_ROUNDS 200

static int failures;

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__);                              \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fputc('\n', stderr);                                                              \
            ERR_print_errors_fp(stderr);                                                      \
            failures++;                                                                       \
            return 0;                                                                         \
        }                                                                                     \
    } while (0)

/* ---- an application datagram transport ------------------------------------------------ */

struct queue {
    unsigned char data[QUEUE_SLOTS][DGRAM_MAX];
    int len[QUEUE_SLOTS];
    int head, count;
    int drop; /* drop (lose) everything written while set */
};

struct link {
    struct queue *in, *out;
};

static int bio_destroyed;

static int q_write(BIO *b, const char *buf, int n)
{
    struct link *l = BIO_get_data(b);
    int slot;

    BIO_clear_retry_flags(b);
    if (n <= 0 || n > DGRAM_MAX)
        return -1;
    if (l->out->drop)
        return n;
    if (l->out->count == QUEUE_SLOTS) {
        BIO_set_retry_write(b);
        return -1;
    }
    slot = (l->out->head + l->out->count) % QUEUE_SLOTS;
    memcpy(l->out->data[slot], buf, (size_t)n);
    l->out->len[slot] = n;
    l->out->count++;
    return n;
}

static int q_read(BIO *b, char *buf, int n)
{
    struct link *l = BIO_get_data(b);
    struct queue *q = l->in;
    int len;

    BIO_clear_retry_flags(b);
    if (q->count == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    len = q->len[q->head];
    if (len > n)
        len = n; /* datagram semantics: the rest is lost */
    memcpy(buf, q->data[q->head], (size_t)len);
    q->head = (q->head + 1) % QUEUE_SLOTS;
    q->count--;
    return len;
}

/* Answers only a few commands, as minimal application BIOs do: no peer, no MTU, no timers. */
static long q_ctrl(BIO *b, int cmd, long larg, void *parg)
{
    struct link *l = BIO_get_data(b);

    (void)larg;
    (void)parg;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return l->in->count > 0 ? l->in->len[l->in->head] : 0;
    case BIO_CTRL_WPENDING:
        return 0;
    default:
        return 0;
    }
}

static int q_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int q_destroy(BIO *b)
{
    free(BIO_get_data(b));
    BIO_set_data(b, NULL);
    bio_destroyed++;
    return 1;
}

static BIO_METHOD *queue_method(void)
{
    static BIO_METHOD *m;

    if (m == NULL) {
        m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "datagram queue");
        BIO_meth_set_write(m, q_write);
        BIO_meth_set_read(m, q_read);
        BIO_meth_set_ctrl(m, q_ctrl);
        BIO_meth_set_create(m, q_create);
        BIO_meth_set_destroy(m, q_destroy);
    }
    return m;
}

static BIO *queue_bio(struct queue *in, struct queue *out)
{
    BIO *b = BIO_new(queue_method());
    struct link *l = calloc(1, sizeof(*l));

    if (b == NULL || l == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    l->in = in;
    l->out = out;
    BIO_set_data(b, l);
    return b;
}

/* ---- certificates from memory --------------------------------------------------------- */

static const char *certdir;

static BIO *file_in_memory(const char *name)
{
    static char buf[65536];
    char path[1024];
    size_t n;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", certdir, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return BIO_new_mem_buf(buf, (int)n);
}

static X509 *load_cert(const char *name)
{
    BIO *b = file_in_memory(name);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

    BIO_free(b);
    return x;
}

static EVP_PKEY *load_key(const char *name)
{
    BIO *b = file_in_memory(name);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

    BIO_free(b);
    return k;
}

/* A context with an in-memory certificate and key, trusting the in-memory CA. */
static SSL_CTX *make_ctx(const SSL_METHOD *method, const char *cert, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    X509 *x = load_cert(cert), *ca = load_cert("ca.pem");
    EVP_PKEY *k = load_key(key);

    if (ctx == NULL || x == NULL || ca == NULL || k == NULL || SSL_CTX_use_certificate(ctx, x) != 1
        || SSL_CTX_use_PrivateKey(ctx, k) != 1 || SSL_CTX_check_private_key(ctx) != 1
        || X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca) != 1) {
        fprintf(stderr, "cannot set up a context with %s\n", cert);
        ERR_print_errors_fp(stderr);
        exit(2);
    }
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(k);
    return ctx;
}

/* ---- callbacks ------------------------------------------------------------------------ */

static const unsigned char COOKIE[] = "dropin-cookie-01";
static SSL *server_ssl;
static int verify_calls, verify_saw_ssl, app_data_freed;

static int gen_cookie(SSL *s, unsigned char *cookie, unsigned int *len)
{
    (void)s;
    memcpy(cookie, COOKIE, sizeof(COOKIE) - 1);
    *len = sizeof(COOKIE) - 1;
    return 1;
}

static int verify_cookie(SSL *s, const unsigned char *cookie, unsigned int len)
{
    (void)s;
    return len == sizeof(COOKIE) - 1 && memcmp(cookie, COOKIE, len) == 0;
}

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
    SSL *s = X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    char cn[256] = "";

    verify_calls++;
    if (s == server_ssl && s != NULL)
        verify_saw_ssl++;
    if (cur != NULL)
        X509_NAME_get_text_by_NID(X509_get_subject_name(cur), NID_commonName, cn, sizeof(cn));
    printf("verify depth=%d ok=%d cn=%s\n", X509_STORE_CTX_get_error_depth(ctx), ok, cn);
    return ok;
}

static void free_app_data(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                          void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argp;
    if (ptr != NULL && argl == 42)
        app_data_freed++;
}

/* ---- driving two SSLs ----------------------------------------------------------------- */

/* One handshake step; 1 done, 0 in progress, -1 failed. */
static int hs_step(SSL *s, const char *who)
{
    int r = SSL_do_handshake(s), e;

    if (r == 1)
        return 1;
    e = SSL_get_error(s, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    fprintf(stderr, "%s: handshake failed, SSL_get_error %d\n", who, e);
    ERR_print_errors_fp(stderr);
    return -1;
}

static int handshake(SSL *c, SSL *s, void (*pump)(void))
{
    int cd = 0, sd = 0, i;

    for (i = 0; i < MAX_ROUNDS && (cd != 1 || sd != 1); i++) {
        if (cd != 1 && (cd = hs_step(c, "client")) < 0)
            return 0;
        if (pump != NULL)
            pump();
        if (sd != 1 && (sd = hs_step(s, "server")) < 0)
            return 0;
        if (pump != NULL)
            pump();
    }
    return cd == 1 && sd == 1;
}

/* Sends text from a to b and reads it there. */
static int transfer(SSL *a, SSL *b, const char *text, void (*pump)(void))
{
    char buf[256];
    int n = (int)strlen(text), r;

    if (SSL_write(a, text, n) != n)
        return 0;
    if (pump != NULL)
        pump();
    r = SSL_read(b, buf, sizeof(buf));
    return r == n && memcmp(buf, text, (size_t)n) == 0;
}

static int close_both(SSL *c, SSL *s, void (*pump)(void))
{
    char buf[16];
    int r;

    CHECK(SSL_shutdown(c) == 0, "first SSL_shutdown must return 0 (close_notify sent)");
    if (pump != NULL)
        pump();
    r = SSL_read(s, buf, sizeof(buf));
    CHECK(r == 0 && SSL_get_error(s, r) == SSL_ERROR_ZERO_RETURN,
          "server must see close_notify as SSL_ERROR_ZERO_RETURN (r=%d e=%d)", r,
          SSL_get_error(s, r));
    CHECK(SSL_shutdown(s) == 1, "the peer's SSL_shutdown after close_notify returns 1");
    if (pump != NULL)
        pump();
    CHECK(SSL_shutdown(c) == 1, "second SSL_shutdown returns 1 once close_notify arrived");
    return 1;
}

/* ---- the checks ----------------------------------------------------------------------- */

static int custom_bio(void)
{
    static struct queue c2s, s2c;
    SSL_CTX *sctx = make_ctx(DTLS_server_method(), "server.pem", "server.key");
    SSL_CTX *cctx = make_ctx(DTLS_client_method(), "client.pem", "client.key");
    SSL *c, *s;
    BIO_ADDR *peer = BIO_ADDR_new();
    int idx, marker = 7, r, e;
    char buf[64];
    X509 *pc;

    /* SSL_new copies the context's settings: configure first. */
    SSL_CTX_set_cookie_generate_cb(sctx, gen_cookie);
    SSL_CTX_set_cookie_verify_cb(sctx, verify_cookie);
    SSL_CTX_set_options(sctx, SSL_OP_COOKIE_EXCHANGE);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    c = SSL_new(cctx);
    s = SSL_new(sctx);
    idx = SSL_get_ex_new_index(42, NULL, NULL, NULL, free_app_data);
    CHECK(idx > 0, "SSL_get_ex_new_index");
    CHECK(SSL_set_ex_data(s, idx, &marker) == 1 && SSL_get_ex_data(s, idx) == &marker,
          "ex_data round trip");
    server_ssl = s;
    SSL_set_bio(c, queue_bio(&s2c, &c2s), queue_bio(&s2c, &c2s));
    {
        BIO *sb = queue_bio(&c2s, &s2c);

        SSL_set_bio(s, sb, sb); /* one BIO both ways: SSL_free releases it once */
    }
    SSL_set_connect_state(c);

    /* Nothing arrived yet: DTLSv1_listen returns 0 (retry), SSL_get_error says WANT_READ. */
    CHECK(DTLSv1_listen(s, peer) == 0, "DTLSv1_listen with nothing to read returns 0");
    r = SSL_connect(c);
    CHECK(r == -1 && SSL_get_error(c, r) == SSL_ERROR_WANT_READ, "client waits (r=%d)", r);
    CHECK(c2s.count == 1, "one ClientHello in flight (%d)", c2s.count);
    CHECK(DTLSv1_listen(s, peer) == 0, "a ClientHello without cookie is answered, not accepted");
    CHECK(s2c.count == 1 && c2s.count == 0, "one HelloVerifyRequest back");
    r = SSL_connect(c);
    CHECK(r == -1 && SSL_get_error(c, r) == SSL_ERROR_WANT_READ, "client sends the cookie");
    CHECK(DTLSv1_listen(s, peer) == 1, "the cookie is accepted");
    CHECK(handshake(c, s, NULL), "handshake over the application BIO_METHOD");
    CHECK(verify_calls >= 1 && verify_saw_ssl == verify_calls,
          "verify callback ran and found its SSL (%d/%d)", verify_saw_ssl,
          verify_calls);
    pc = SSL_get1_peer_certificate(s);
    CHECK(pc != NULL, "the server has the client's certificate");
    X509_NAME_get_text_by_NID(X509_get_subject_name(pc), NID_commonName, buf, sizeof(buf));
    CHECK(strcmp(buf, "rdtls demo client") == 0, "peer CN '%s'", buf);
    X509_free(pc);
    printf("cipher %s\n", SSL_CIPHER_get_name(SSL_get_current_cipher(c)));

    r = SSL_read(s, buf, sizeof(buf));
    e = SSL_get_error(s, r);
    CHECK(r == -1 && e == SSL_ERROR_WANT_READ && ERR_peek_error() == 0,
          "no data: -1, SSL_ERROR_WANT_READ, empty error queue (r=%d e=%d)", r, e);
    CHECK(transfer(c, s, "ping over a custom BIO", NULL), "client to server");
    CHECK(transfer(s, c, "pong over a custom BIO", NULL), "server to client");
    CHECK(close_both(c, s, NULL), "shutdown");

    SSL_free(c);
    SSL_free(s);
    CHECK(bio_destroyed == 3, "each BIO freed exactly once (%d destroyed)", bio_destroyed);
    CHECK(app_data_freed == 1, "ex_data free callback ran (%d)", app_data_freed);
    BIO_ADDR_free(peer);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static BIO *m_c_in, *m_c_out, *m_s_in, *m_s_out;

static void move(BIO *from, BIO *to)
{
    static char buf[65536];
    int n;

    while ((n = BIO_read(from, buf, sizeof(buf))) > 0)
        BIO_write(to, buf, n);
}

static void pump_mem(void)
{
    move(m_c_out, m_s_in);
    move(m_s_out, m_c_in);
}

static double now_s(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int memory_bios(void)
{
    SSL_CTX *sctx = make_ctx(DTLS_server_method(), "server.pem", "server.key");
    SSL_CTX *cctx = make_ctx(DTLS_client_method(), "client.pem", "client.key");
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    struct timeval tv;
    struct timespec ts;
    char drop[4096];
    double wait;
    int r;

    m_c_in = BIO_new(BIO_s_mem());
    m_c_out = BIO_new(BIO_s_mem());
    m_s_in = BIO_new(BIO_s_mem());
    m_s_out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(m_c_in, -1);
    BIO_set_mem_eof_return(m_s_in, -1);
    SSL_set_bio(c, m_c_in, m_c_out);
    SSL_set_bio(s, m_s_in, m_s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_verify(c, SSL_VERIFY_PEER, NULL);

    CHECK(DTLSv1_get_timeout(c, &tv) == 0, "no timer before the first flight");
    r = SSL_connect(c);
    CHECK(r == -1 && SSL_get_error(c, r) == SSL_ERROR_WANT_READ, "ClientHello sent");
    CHECK(BIO_read(m_c_out, drop, sizeof(drop)) > 0, "a ClientHello to lose");
    CHECK(DTLSv1_get_timeout(c, &tv) == 1, "the retransmission timer runs");
    wait = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
    CHECK(wait > 0.0 && wait <= 1.0, "first timeout within 1 s (%.3f)", wait);
    CHECK(DTLSv1_handle_timeout(c) == 0, "nothing to do before the timer expires");
    CHECK(BIO_ctrl_pending(m_c_out) == 0, "no early retransmission");
    wait += 0.05;
    ts.tv_sec = (time_t)wait;
    ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
    {
        double t0 = now_s();

        nanosleep(&ts, NULL);
        CHECK(now_s() - t0 >= wait - 0.01, "slept");
    }
    CHECK(DTLSv1_handle_timeout(c) == 1, "the expired timer retransmits");
    CHECK(BIO_ctrl_pending(m_c_out) > 0, "the ClientHello was sent again");
    CHECK(handshake(c, s, pump_mem), "handshake over memory BIOs");
    CHECK(transfer(c, s, "ping over memory BIOs", pump_mem), "client to server");
    CHECK(transfer(s, c, "pong over memory BIOs", pump_mem), "server to client");
    CHECK(close_both(c, s, pump_mem), "shutdown");
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* With TLS passthrough off (RDTLS_NO_TLS_PASSTHROUGH=1) the drop-in speaks DTLS only: a TLS
 * handshake must fail at once, clearly. */
static int tls_refused(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *s;
    unsigned long e;
    int r;

    CHECK(ctx != NULL, "TLS contexts can be created");
    s = SSL_new(ctx);
    SSL_set_bio(s, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    r = SSL_connect(s);
    CHECK(r <= 0 && SSL_get_error(s, r) == SSL_ERROR_SSL, "SSL_connect fails (r=%d)", r);
    e = ERR_peek_error();
    CHECK(ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_reason_error_string(e) != NULL,
          "an SSL error with its reason string (%08lx)", e);
    printf("TLS refused: %s\n", ERR_error_string(e, NULL));
    ERR_clear_error();
    SSL_free(s);
    SSL_CTX_free(ctx);
    return 1;
}

/* Prints which object defines SSL_new and every libssl mapped into the process. */
static void show_library(void)
{
    void *sym = dlsym(RTLD_DEFAULT, "SSL_new");
    Dl_info info;
    char line[4096];
    FILE *maps;

    if (sym != NULL && dladdr(sym, &info) != 0 && info.dli_fname != NULL)
        printf("LIBSSL %s\n", info.dli_fname);
    maps = fopen("/proc/self/maps", "r");
    if (maps == NULL)
        return;
    while (fgets(line, sizeof(line), maps) != NULL) {
        char *p = strchr(line, '/');

        if (p != NULL && strstr(p, "libssl") != NULL)
            printf("MAP %s", p);
    }
    fclose(maps);
}

int main(int argc, char **argv)
{
    int dropin = argc > 2 && strcmp(argv[2], "-dropin") == 0;

    if (argc < 2) {
        fprintf(stderr, "usage: dropin_prog CERTDIR [-dropin]\n");
        return 2;
    }
    certdir = argv[1];
    show_library();
    if (custom_bio())
        printf("ok custom_bio\n");
    if (memory_bios())
        printf("ok memory_bios\n");
    if (dropin && tls_refused())
        printf("ok tls_refused\n");
    if (failures > 0) {
        printf("%d check(s) failed\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
