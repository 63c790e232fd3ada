/*
 * bench.c - one DTLS 1.2 benchmark, compiled twice: against the system OpenSSL
 * (build/bench-openssl) and against librdtls (build/bench-rdtls). `make bench` runs both
 * and bench/run.sh prints the ratios.
 *
 * Client and server live in this process and talk over memory BIOs (BIO_s_mem, one DTLS
 * record moved per BIO_write), so the numbers measure the library, not the kernel.
 * Both builds use the same configuration: ECDSA P-256 server certificate verified by the
 * client against ca.pem, cipher ECDHE-ECDSA-AES128-GCM-SHA256, link MTU 1500.
 *
 * Rates are the best of 5 rounds sharing the time per metric (the machine is shared and
 * noisy; the best round is the repeatable figure).
 *
 * Output: one "name value" line per metric (read by bench/run.sh):
 *   full_handshakes_per_s      new client+server pair, full handshake, both freed
 *   resumed_handshakes_per_s   the same, resuming one session (SSL_set_session)
 *   resumed_fraction           share of those handshakes that really resumed (0..1)
 *   throughput_mb_per_s        1200-byte SSL_write -> record moved -> SSL_read, one pair
 *   bytes_per_connection       malloc'd bytes (mallinfo2) per established client+server pair
 *   server_bytes_per_connection   of which the server side
 *   full_handshake_datagrams   datagrams both ends send in one full handshake (no loss)
 *   full_handshake_bytes       their UDP payload bytes
 *   resumed_handshake_datagrams, resumed_handshake_bytes   the same, resuming a session
 *   cookie_handshake_datagrams, cookie_handshake_bytes     full, with a cookie exchange
 * and, for the CCM_8 suites of RFC 7925 (constrained devices, issue 11):
 *   psk_ccm8_handshakes_per_s      full handshake, PSK-AES128-CCM8 (no certificate)
 *   ecdhe_ccm8_handshakes_per_s    full handshake, ECDHE-ECDSA-AES128-CCM8
 *   ccm8_64b_throughput_mb_per_s   64-byte records, PSK-AES128-CCM8 (payload bytes only)
 * and DTLS 1.3 (RFC 9147, issue 13; min = max = DTLS1_3_VERSION, TLS_AES_128_GCM_SHA256,
 * same certificates; over the datagram-queue BIO, since a memory BIO would lose the
 * boundaries of records whose unified header has no length), or "n/a" when the library
 * refuses DTLS1_3_VERSION (OpenSSL 3.0):
 *   dtls13_full_handshakes_per_s, dtls13_resumed_handshakes_per_s (PSK + ECDHE ticket)
 *   dtls13_resumed_fraction
 *   dtls13_full_handshake_datagrams, dtls13_resumed_handshake_datagrams (and _bytes):
 *   what both ends sent until both reported completion (the ticket and the ACKs that
 *   follow are not counted)
 *
 * Usage: bench CERTDIR [SECONDS_PER_METRIC]   (default 2)
 *        BENCH_ONLY=full,resumed,throughput,memory,datagrams,ccm8,dtls13 (a subset; default
 *        all)
 *        BENCH_FLOOR_LIB=build/libcrypto_floor.so: first measure the crypto floor in this
 *        process (bench/crypto_floor.rs: "op_*" and "floor_*" lines), so the rates and
 *        the floor they are compared with come from one run
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define RECORD_HEADER_LEN 13
#define PAYLOAD 1200
#define MEM_CONNS 200
#define CIPHER "ECDHE-ECDSA-AES128-GCM-SHA256"
#define PSK_CCM8 "PSK-AES128-CCM8"
#define ECDHE_CCM8 "ECDHE-ECDSA-AES128-CCM8"
#define SMALL_PAYLOAD 64
#define DGQ_SLOTS 64
#define DGQ_MAX 16384

struct pair {
    SSL *c, *s;
    BIO *c_in, *c_out, *s_in, *s_out;
};

static double seconds = 2.0;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static SSL *new_end(SSL_CTX *ctx, BIO **in, BIO **out, int server)
{
    SSL *ssl = SSL_new(ctx);

    *in = BIO_new(BIO_s_mem());
    *out = BIO_new(BIO_s_mem());
    if (ssl == NULL || *in == NULL || *out == NULL)
        die("cannot create SSL or BIO");
    (void)BIO_set_mem_eof_return(*in, -1);
    (void)BIO_set_mem_eof_return(*out, -1);
    SSL_set_bio(ssl, *in, *out);
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
    (void)DTLS_set_link_mtu(ssl, 1500);
    if (server)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
    return ssl;
}

/* Moves everything in `from` into `to`, one DTLS record per BIO_write. */
static int move(BIO *from, BIO *to)
{
    static unsigned char buf[65536];
    int len = 0, off = 0, n, moved = 0;

    while ((size_t)len < sizeof(buf) && (n = BIO_read(from, buf + len, (int)sizeof(buf) - len)) > 0)
        len += n;
    while (off < len) {
        int rec = len - off;
        if (rec >= RECORD_HEADER_LEN) {
            int body = (buf[off + 11] << 8) | buf[off + 12];
            if (RECORD_HEADER_LEN + body <= rec)
                rec = RECORD_HEADER_LEN + body;
        }
        BIO_write(to, buf + off, rec);
        off += rec;
        moved++;
    }
    return moved;
}

static int hs_step(SSL *ssl, int *done)
{
    int r;

    if (*done)
        return 1;
    r = SSL_do_handshake(ssl);
    if (r == 1) {
        *done = 1;
        return 1;
    }
    r = SSL_get_error(ssl, r);
    return r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE;
}

/* Creates a pair and runs its handshake; session (may be NULL) is offered by the client. */
static void handshake(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *session, struct pair *p)
{
    int cdone = 0, sdone = 0, rounds;

    p->c = new_end(cctx, &p->c_in, &p->c_out, 0);
    p->s = new_end(sctx, &p->s_in, &p->s_out, 1);
    if (session != NULL && SSL_set_session(p->c, session) != 1)
        die("SSL_set_session failed");
    for (rounds = 0; rounds < 50 && !(cdone && sdone); rounds++) {
        if (!hs_step(p->c, &cdone))
            die("client handshake failed");
        move(p->c_out, p->s_in);
        if (!hs_step(p->s, &sdone))
            die("server handshake failed");
        move(p->s_out, p->c_in);
    }
    if (!(cdone && sdone))
        die("handshake did not finish");
}

/* Sends close_notify both ways (a session freed without it is not resumable) and frees. */
static void free_pair(struct pair *p)
{
    SSL_shutdown(p->c);
    SSL_shutdown(p->s);
    SSL_free(p->c);
    SSL_free(p->s);
}

/* One fixed 16-byte key and identity for every PSK pair. */
static const unsigned char psk_key[16] = { 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                           0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b };

static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity_len, unsigned char *psk,
                                  unsigned int max_psk_len)
{
    (void)ssl;
    (void)hint;
    if (max_identity_len < 6 || max_psk_len < sizeof(psk_key))
        return 0;
    memcpy(identity, "bench", 6);
    memcpy(psk, psk_key, sizeof(psk_key));
    return sizeof(psk_key);
}

static unsigned int psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                  unsigned int max_psk_len)
{
    (void)ssl;
    if (strcmp(identity, "bench") != 0 || max_psk_len < sizeof(psk_key))
        return 0;
    memcpy(psk, psk_key, sizeof(psk_key));
    return sizeof(psk_key);
}

/* A context for `cipher`; PSK suites get the PSK callbacks instead of certificates. */
static SSL_CTX *make_ctx_cipher(int server, const char *dir, const char *cipher)
{
    char a[4096], b[4096];
    SSL_CTX *ctx = SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method());

    if (ctx == NULL)
        die("SSL_CTX_new failed");
    /* These metrics compare DTLS 1.2 with DTLS 1.2: DTLS_method() offers 1.3 too in rdtls
     * (and in an OpenSSL that has DTLS 1.3), where the cipher list does not apply. */
    if (SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1)
        die("cannot cap the version at DTLS 1.2");
    if (SSL_CTX_set_cipher_list(ctx, cipher) != 1)
        die("cipher not available");
    if (strncmp(cipher, "PSK-", 4) == 0) {
        if (server)
            SSL_CTX_set_psk_server_callback(ctx, psk_server_cb);
        else
            SSL_CTX_set_psk_client_callback(ctx, psk_client_cb);
        return ctx;
    }
    if (server) {
        snprintf(a, sizeof(a), "%s/server.pem", dir);
        snprintf(b, sizeof(b), "%s/server.key", dir);
        if (SSL_CTX_use_certificate_chain_file(ctx, a) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, b, SSL_FILETYPE_PEM) != 1)
            die("cannot load server.pem/server.key");
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"bench", 5);
    } else {
        snprintf(a, sizeof(a), "%s/ca.pem", dir);
        if (SSL_CTX_load_verify_locations(ctx, a, NULL) != 1)
            die("cannot load ca.pem");
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return ctx;
}

static SSL_CTX *make_ctx(int server, const char *dir)
{
    return make_ctx_cipher(server, dir, CIPHER);
}

/*
 * The machine this runs on is shared and noisy: each rate is the best of ROUNDS rounds
 * sharing the time given, the repeatable figure (bench/crypto_floor.rs does the same).
 * step(arg) does one unit of work and returns how many units (handshakes, bytes) it did.
 */
#define ROUNDS 5

static double best_rate(long (*step)(void *), void *arg)
{
    double best = 0.0;
    int r;

    for (r = 0; r < ROUNDS; r++) {
        double t0 = now(), t;
        long n = 0;

        do {
            n += step(arg);
            t = now() - t0;
        } while (t < seconds / ROUNDS);
        if ((double)n / t > best)
            best = (double)n / t;
    }
    return best;
}

struct hs_job {
    SSL_CTX *cctx, *sctx;
    SSL_SESSION *session;
    const char *cipher;
    long n, reused;
};

static long full_step(void *arg)
{
    struct hs_job *j = arg;
    struct pair p;

    handshake(j->cctx, j->sctx, NULL, &p);
    if (strcmp(SSL_get_cipher_name(p.c), j->cipher) != 0)
        die("negotiated an unexpected cipher");
    free_pair(&p);
    return 1;
}

static void bench_full_cipher(const char *dir, const char *cipher, const char *metric)
{
    struct hs_job j = { make_ctx_cipher(0, dir, cipher), make_ctx_cipher(1, dir, cipher), NULL,
                        cipher, 0, 0 };

    /* Only full handshakes: nothing to resume from. */
    (void)SSL_CTX_set_session_cache_mode(j.sctx, SSL_SESS_CACHE_OFF);
    (void)SSL_CTX_set_session_cache_mode(j.cctx, SSL_SESS_CACHE_OFF);
    printf("%s %.1f\n", metric, best_rate(full_step, &j));
    SSL_CTX_free(j.cctx);
    SSL_CTX_free(j.sctx);
}

static void bench_full(const char *dir)
{
    bench_full_cipher(dir, CIPHER, "full_handshakes_per_s");
}

static long resumed_step(void *arg)
{
    struct hs_job *j = arg;
    struct pair p;

    handshake(j->cctx, j->sctx, j->session, &p);
    j->reused += SSL_session_reused(p.c) == 1;
    j->n++;
    free_pair(&p);
    return 1;
}

static void bench_resumed(const char *dir)
{
    struct hs_job j = { make_ctx(0, dir), make_ctx(1, dir), NULL, CIPHER, 0, 0 };
    struct pair p;
    double rate;

    (void)SSL_CTX_set_session_cache_mode(j.sctx, SSL_SESS_CACHE_SERVER);
    (void)SSL_CTX_set_session_cache_mode(j.cctx, SSL_SESS_CACHE_CLIENT);
    handshake(j.cctx, j.sctx, NULL, &p);
    j.session = SSL_get1_session(p.c);
    free_pair(&p);
    if (j.session == NULL)
        die("no session to resume");
    rate = best_rate(resumed_step, &j);
    printf("resumed_handshakes_per_s %.1f\n", rate);
    printf("resumed_fraction %.3f\n", (double)j.reused / (double)j.n);
    SSL_SESSION_free(j.session);
    SSL_CTX_free(j.cctx);
    SSL_CTX_free(j.sctx);
}

struct records_job {
    struct pair p;
    int payload;
    unsigned char out[PAYLOAD], in[PAYLOAD + 64];
};

/* 256 records between clock reads. */
static long records_step(void *arg)
{
    struct records_job *j = arg;
    int i;

    for (i = 0; i < 256; i++) {
        if (SSL_write(j->p.c, j->out, j->payload) != j->payload)
            die("SSL_write failed");
        move(j->p.c_out, j->p.s_in);
        if (SSL_read(j->p.s, j->in, (int)sizeof(j->in)) != j->payload)
            die("SSL_read returned the wrong length");
    }
    return 256L * j->payload;
}

static void bench_throughput_cipher(const char *dir, const char *cipher, int payload,
                                    const char *metric)
{
    SSL_CTX *cctx = make_ctx_cipher(0, dir, cipher), *sctx = make_ctx_cipher(1, dir, cipher);
    static struct records_job j;

    handshake(cctx, sctx, NULL, &j.p);
    j.payload = payload;
    memset(j.out, 0x5a, sizeof(j.out));
    printf("%s %.1f\n", metric, best_rate(records_step, &j) / 1e6);
    free_pair(&j.p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void bench_throughput(const char *dir)
{
    bench_throughput_cipher(dir, CIPHER, PAYLOAD, "throughput_mb_per_s");
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void bench_memory(const char *dir)
{
    SSL_CTX *cctx = make_ctx(0, dir), *sctx = make_ctx(1, dir);
    static struct pair p[MEM_CONNS];
    size_t before, all, servers;
    int i;

    (void)SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    (void)SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_OFF);
    /* Warm up lazily initialised library state first. */
    handshake(cctx, sctx, NULL, &p[0]);
    free_pair(&p[0]);
    before = heap_in_use();
    for (i = 0; i < MEM_CONNS; i++)
        handshake(cctx, sctx, NULL, &p[i]);
    all = heap_in_use();
    for (i = 0; i < MEM_CONNS; i++)
        SSL_free(p[i].c);
    servers = heap_in_use();
    for (i = 0; i < MEM_CONNS; i++)
        SSL_free(p[i].s);
    printf("bytes_per_connection %.0f\n", ((double)all - (double)before) / MEM_CONNS);
    printf("server_bytes_per_connection %.0f\n",
           ((double)servers - (double)before) / MEM_CONNS);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

/*
 * A datagram queue behind a custom BIO_METHOD: each BIO_write is one datagram, each BIO_read
 * returns one. Two BIOs (the writer's wbio and the reader's rbio) share one queue, which
 * counts what went through it. Used to count datagrams per handshake, where the memory BIO
 * (a byte stream) would lose the boundaries.
 */
struct dgq {
    unsigned char data[DGQ_SLOTS][DGQ_MAX];
    int len[DGQ_SLOTS];
    int head, count;
    long datagrams, bytes;
};

static int dgq_write(BIO *b, const char *in, int inl)
{
    struct dgq *q = BIO_get_data(b);
    int slot;

    BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
    if (inl <= 0 || inl > DGQ_MAX || q->count == DGQ_SLOTS)
        return -1;
    slot = (q->head + q->count) % DGQ_SLOTS;
    memcpy(q->data[slot], in, (size_t)inl);
    q->len[slot] = inl;
    q->count++;
    q->datagrams++;
    q->bytes += inl;
    return inl;
}

static int dgq_read(BIO *b, char *out, int outl)
{
    struct dgq *q = BIO_get_data(b);
    int n;

    BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
    if (q->count == 0) {
        BIO_set_flags(b, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
        return -1;
    }
    n = q->len[q->head] < outl ? q->len[q->head] : outl;
    memcpy(out, q->data[q->head], (size_t)n);
    q->head = (q->head + 1) % DGQ_SLOTS;
    q->count--;
    return n;
}

static long dgq_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct dgq *q = BIO_get_data(b);

    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return q->count ? q->len[q->head] : 0;
    default:
        return 0;
    }
}

static int dgq_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *dgq_method(void)
{
    static BIO_METHOD *m;

    if (m == NULL) {
        m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "bench datagram queue");
        if (m == NULL || BIO_meth_set_write(m, dgq_write) != 1
            || BIO_meth_set_read(m, dgq_read) != 1 || BIO_meth_set_ctrl(m, dgq_ctrl) != 1
            || BIO_meth_set_create(m, dgq_create) != 1)
            die("cannot create the datagram queue BIO_METHOD");
    }
    return m;
}

static BIO *dgq_bio(struct dgq *q)
{
    BIO *b = BIO_new(dgq_method());

    if (b == NULL)
        die("cannot create a datagram queue BIO");
    BIO_set_data(b, q);
    return b;
}

static SSL *dgq_end(SSL_CTX *ctx, struct dgq *in, struct dgq *out, int server)
{
    SSL *ssl = SSL_new(ctx);

    if (ssl == NULL)
        die("cannot create SSL");
    SSL_set_bio(ssl, dgq_bio(in), dgq_bio(out));
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
    (void)DTLS_set_link_mtu(ssl, 1500);
    if (server)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
    return ssl;
}

/* One handshake over datagram queues; prints what both ends sent. Returns the client's
 * session (a new reference) when `session` is NULL. */
static SSL_SESSION *count_handshake(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *session,
                                    const char *what)
{
    static struct dgq c2s, s2c;
    SSL *c, *s;
    SSL_SESSION *got = NULL;
    int cdone = 0, sdone = 0, rounds;

    memset(&c2s, 0, sizeof(c2s));
    memset(&s2c, 0, sizeof(s2c));
    c = dgq_end(cctx, &s2c, &c2s, 0);
    s = dgq_end(sctx, &c2s, &s2c, 1);
    if (session != NULL && SSL_set_session(c, session) != 1)
        die("SSL_set_session failed");
    for (rounds = 0; rounds < 50 && !(cdone && sdone); rounds++) {
        if (!hs_step(c, &cdone))
            die("client handshake failed (datagram queue)");
        if (!hs_step(s, &sdone))
            die("server handshake failed (datagram queue)");
    }
    if (!(cdone && sdone))
        die("handshake over datagram queues did not finish");
    if (session != NULL && SSL_session_reused(c) != 1)
        die("the counted resumption did not resume");
    printf("%s_handshake_datagrams %ld\n", what, c2s.datagrams + s2c.datagrams);
    printf("%s_handshake_bytes %ld\n", what, c2s.bytes + s2c.bytes);
    if (session == NULL)
        got = SSL_get1_session(c);
    SSL_shutdown(c);
    SSL_shutdown(s);
    SSL_free(c);
    SSL_free(s);
    return got;
}

/* A fixed cookie: the exchange's size is what is counted, not its security. */
static int cookie_generate(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
    (void)ssl;
    memcpy(cookie, "bench-cookie-0123456", 20);
    *len = 20;
    return 1;
}

static int cookie_verify(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
    (void)ssl;
    return len == 20 && memcmp(cookie, "bench-cookie-0123456", 20) == 0;
}

static void bench_datagrams(const char *dir)
{
    SSL_CTX *cctx = make_ctx(0, dir), *sctx = make_ctx(1, dir);
    SSL_SESSION *session;

    (void)SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER);
    (void)SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    session = count_handshake(cctx, sctx, NULL, "full");
    if (session == NULL)
        die("no session to resume");
    (void)count_handshake(cctx, sctx, session, "resumed");
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    /* The same full handshake behind a HelloVerifyRequest (RFC 6347 4.2.1). */
    cctx = make_ctx(0, dir);
    sctx = make_ctx(1, dir);
    (void)SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    (void)SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(sctx, SSL_OP_COOKIE_EXCHANGE);
    SSL_CTX_set_cookie_generate_cb(sctx, cookie_generate);
    SSL_CTX_set_cookie_verify_cb(sctx, cookie_verify);
    session = count_handshake(cctx, sctx, NULL, "cookie");
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

/* ---- DTLS 1.3 ------------------------------------------------------------------------ */

#ifndef DTLS1_3_VERSION
#define DTLS1_3_VERSION 0xFEFC /* RFC 9147; OpenSSL 3.0's headers have no DTLS 1.3 */
#endif
#define SUITE13 "TLS_AES_128_GCM_SHA256"

/* A DTLS 1.3-only context, or NULL when the library has no DTLS 1.3. */
static SSL_CTX *make_ctx13(int server, const char *dir)
{
    SSL_CTX *ctx = make_ctx(server, dir);

    if (SSL_CTX_set_min_proto_version(ctx, DTLS1_3_VERSION) != 1
        || SSL_CTX_set_max_proto_version(ctx, DTLS1_3_VERSION) != 1) {
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (SSL_CTX_set_ciphersuites(ctx, SUITE13) != 1)
        die("TLS 1.3 suite not available");
    (void)SSL_CTX_set_session_cache_mode(ctx, server ? SSL_SESS_CACHE_SERVER
                                                     : SSL_SESS_CACHE_CLIENT);
    return ctx;
}

struct hs13_job {
    SSL_CTX *cctx, *sctx;
    SSL_SESSION *session;
    long n, reused, datagrams, bytes;
};

static struct dgq q13_c2s, q13_s2c;

static void dgq_reset(struct dgq *q)
{
    q->head = q->count = 0;
    q->datagrams = q->bytes = 0;
}

/* One DTLS 1.3 handshake over datagram queues (j->session offered when set). Counts what
 * both ends sent into j; returns the client's session (a new reference, after it read the
 * ticket) when want_session is set. */
static SSL_SESSION *handshake13(struct hs13_job *j, int want_session)
{
    SSL *c, *s;
    SSL_SESSION *got = NULL;
    int cdone = 0, sdone = 0, rounds;
    char buf[64];

    dgq_reset(&q13_c2s);
    dgq_reset(&q13_s2c);
    c = dgq_end(j->cctx, &q13_s2c, &q13_c2s, 0);
    s = dgq_end(j->sctx, &q13_c2s, &q13_s2c, 1);
    if (j->session != NULL && SSL_set_session(c, j->session) != 1)
        die("SSL_set_session failed (DTLS 1.3)");
    for (rounds = 0; rounds < 50 && !(cdone && sdone); rounds++) {
        if (!hs_step(c, &cdone))
            die("client handshake failed (DTLS 1.3)");
        if (!hs_step(s, &sdone))
            die("server handshake failed (DTLS 1.3)");
    }
    if (!(cdone && sdone) || SSL_version(c) != DTLS1_3_VERSION)
        die("DTLS 1.3 handshake did not finish");
    j->datagrams = q13_c2s.datagrams + q13_s2c.datagrams;
    j->bytes = q13_c2s.bytes + q13_s2c.bytes;
    j->reused += SSL_session_reused(c) == 1;
    j->n++;
    if (want_session) {
        /* The server's NewSessionTicket follows its handshake: the client reads it. */
        (void)SSL_read(s, buf, sizeof(buf));
        (void)SSL_read(c, buf, sizeof(buf));
        ERR_clear_error();
        got = SSL_get1_session(c);
    }
    SSL_shutdown(c);
    SSL_shutdown(s);
    SSL_free(c);
    SSL_free(s);
    return got;
}

static long hs13_step(void *arg)
{
    (void)handshake13(arg, 0);
    return 1;
}

static void bench_dtls13(const char *dir)
{
    struct hs13_job j = { make_ctx13(0, dir), make_ctx13(1, dir), NULL, 0, 0, 0, 0 };
    static const char *na[] = { "dtls13_full_handshakes_per_s", "dtls13_resumed_handshakes_per_s",
                                "dtls13_resumed_fraction", "dtls13_full_handshake_datagrams",
                                "dtls13_full_handshake_bytes",
                                "dtls13_resumed_handshake_datagrams",
                                "dtls13_resumed_handshake_bytes" };
    SSL_SESSION *session;
    double rate;
    size_t i;

    if (j.cctx == NULL || j.sctx == NULL) {
        for (i = 0; i < sizeof(na) / sizeof(na[0]); i++)
            printf("%s n/a\n", na[i]);
        SSL_CTX_free(j.cctx);
        SSL_CTX_free(j.sctx);
        return;
    }
    session = handshake13(&j, 1);
    printf("dtls13_full_handshake_datagrams %ld\n", j.datagrams);
    printf("dtls13_full_handshake_bytes %ld\n", j.bytes);
    if (session == NULL)
        die("no DTLS 1.3 session to resume");
    j.session = session;
    j.n = j.reused = 0;
    (void)handshake13(&j, 0);
    if (j.reused != 1)
        die("the DTLS 1.3 ticket did not resume");
    printf("dtls13_resumed_handshake_datagrams %ld\n", j.datagrams);
    printf("dtls13_resumed_handshake_bytes %ld\n", j.bytes);
    j.session = NULL;
    printf("dtls13_full_handshakes_per_s %.1f\n", best_rate(hs13_step, &j));
    j.session = session;
    j.n = j.reused = 0;
    rate = best_rate(hs13_step, &j);
    printf("dtls13_resumed_handshakes_per_s %.1f\n", rate);
    printf("dtls13_resumed_fraction %.3f\n", (double)j.reused / (double)j.n);
    SSL_SESSION_free(session);
    SSL_CTX_free(j.cctx);
    SSL_CTX_free(j.sctx);
}

/* Runs the crypto floor of BENCH_FLOOR_LIB in this process (nothing when unset). */
static void crypto_floor(const char *dir)
{
    const char *lib = getenv("BENCH_FLOOR_LIB");
    int (*run)(double);
    void *h;

    if (lib == NULL || *lib == '\0')
        return;
    h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "bench: %s\n", dlerror());
        return;
    }
    /* POSIX's way to turn dlsym's object pointer into a function pointer. */
    *(void **)(&run) = dlsym(h, "rdtls_bench_crypto_floor");
    if (run == NULL) {
        fprintf(stderr, "bench: %s has no rdtls_bench_crypto_floor\n", lib);
        return;
    }
    if (setenv("RDTLS_FLOOR_CERTDIR", dir, 1) != 0 || run(seconds) != 0)
        fprintf(stderr, "bench: the crypto floor failed\n");
    fflush(stdout);
}

/* BENCH_ONLY=throughput,full runs only those groups (for profiling one path with
 * valgrind --tool=callgrind --toggle-collect=records_step); unset runs everything. */
static int wanted(const char *group)
{
    const char *only = getenv("BENCH_ONLY");
    size_t n = strlen(group);
    const char *p;

    if (only == NULL || *only == '\0')
        return 1;
    for (p = only; (p = strstr(p, group)) != NULL; p += n) {
        if ((p == only || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench CERTDIR [SECONDS_PER_METRIC]\n");
        return 2;
    }
    if (argc > 2)
        seconds = atof(argv[2]);
    if (seconds <= 0)
        seconds = 2.0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (wanted("floor"))
        crypto_floor(argv[1]);
    if (wanted("full"))
        bench_full(argv[1]);
    if (wanted("resumed"))
        bench_resumed(argv[1]);
    if (wanted("throughput"))
        bench_throughput(argv[1]);
    if (wanted("memory"))
        bench_memory(argv[1]);
    if (wanted("datagrams"))
        bench_datagrams(argv[1]);
    if (wanted("ccm8")) {
        bench_full_cipher(argv[1], PSK_CCM8, "psk_ccm8_handshakes_per_s");
        bench_full_cipher(argv[1], ECDHE_CCM8, "ecdhe_ccm8_handshakes_per_s");
        bench_throughput_cipher(argv[1], PSK_CCM8, SMALL_PAYLOAD,
                                "ccm8_64b_throughput_mb_per_s");
    }
    if (wanted("dtls13"))
        bench_dtls13(argv[1]);
    return 0;
}
