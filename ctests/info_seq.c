/*
 * info_seq.c - prints the info callback sequence of a full and a resumed DTLS 1.2 handshake,
 * client and server, as (side, where, SSL_state_string, SSL_state_string_long, ret) lines.
 * Built against rdtls and against OpenSSL; ctests/t_info.sh diffs the two outputs.
 *
 *   info_seq CERT KEY CAFILE [cookie|untrusted|msg|read|listen|reneg]
 *
 * With "cookie" the server demands a cookie (SSL_OP_COOKIE_EXCHANGE, HelloVerifyRequest).
 * With "untrusted" the client trusts nothing: one handshake that fails on the server's
 * certificate, with its alerts (SSL_CB_WRITE_ALERT / SSL_CB_READ_ALERT). With "msg" the
 * message callback's events are printed too (record headers, handshake messages, CCS,
 * alerts), with the cookie exchange. With "read" the handshakes are driven by SSL_read.
 * With "listen" the server first runs DTLSv1_listen (stateless HelloVerifyRequest) until
 * it returns 1, then SSL_accept continues on the same SSL, as DTLS servers do. With
 * "reneg" the client renegotiates after the full handshake (SSL_renegotiate, then
 * SSL_do_handshake) while the server only calls SSL_read.
 *
 * Both sides live in this process on a connected pair of non-blocking UDP sockets and are
 * stepped alternately (client, then server) until both finish, so the sequence of calls,
 * and therefore of SSL_CB_EXIT events, is the same under either library.
 */
#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static SSL *client_ssl;
/* Stop when the client fails: rdtls's server obeys a plaintext (unauthenticated) alert only
 * when its retransmission timer fires without progress (rdtls::input_policy), OpenSSL's at
 * once, so only the failing client's sequence is comparable. */
static int stop_on_client_failure;
/* Drive the handshake through SSL_read (an implicit handshake) instead of SSL_do_handshake. */
static int via_read;
/* The server starts with DTLSv1_listen; `listened` once it returned 1 (per handshake). */
static int via_listen, listened;

/* The server's DTLSv1_listen step: 1 listened (SSL_accept goes on), 0 waiting, -1 failed. */
static int listen_step(SSL *ssl)
{
    BIO_ADDR *peer = BIO_ADDR_new();
    int r = peer == NULL ? -1 : DTLSv1_listen(ssl, peer);

    BIO_ADDR_free(peer);
    printf("S DTLSv1_listen ret=%d\n", r);
    if (r > 0)
        listened = 1;
    return r > 0 ? 1 : r == 0 ? 0 : -1;
}

/* One handshake step: 1 finished, 0 waiting, -1 failed. */
static int step(SSL *ssl)
{
    char buf[64];
    int r;

    if (via_listen && !listened && ssl != client_ssl) {
        r = listen_step(ssl);
        if (r <= 0)
            return r;
    }
    r = via_listen && ssl != client_ssl ? SSL_accept(ssl)
        : via_read                      ? SSL_read(ssl, buf, sizeof(buf))
                                        : SSL_do_handshake(ssl);

    if (r == 1 || SSL_is_init_finished(ssl))
        return 1;
    return SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ ? 0 : -1;
}

static int gen_cookie(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
    (void)ssl;
    memcpy(cookie, "info-seq-cookie", 15);
    *len = 15;
    return 1;
}

static int verify_cookie(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
    (void)ssl;
    return len == 15 && memcmp(cookie, "info-seq-cookie", 15) == 0;
}

/* "LOOP|CONNECT" style names of the bits in where. */
static void where_str(int where, char *buf, size_t len)
{
    static const struct {
        int bit;
        const char *name;
    } bits[] = {
        { SSL_CB_LOOP, "LOOP" }, { SSL_CB_EXIT, "EXIT" }, { SSL_CB_READ, "READ" },
        { SSL_CB_WRITE, "WRITE" }, { SSL_CB_ALERT, "ALERT" },
        { SSL_CB_HANDSHAKE_START, "HANDSHAKE_START" },
        { SSL_CB_HANDSHAKE_DONE, "HANDSHAKE_DONE" }, { SSL_ST_CONNECT, "CONNECT" },
        { SSL_ST_ACCEPT, "ACCEPT" },
    };
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        if (where & bits[i].bit) {
            if (buf[0] != '\0')
                strncat(buf, "|", len - strlen(buf) - 1);
            strncat(buf, bits[i].name, len - strlen(buf) - 1);
        }
    }
}

static void info_cb(const SSL *ssl, int where, int ret)
{
    char w[128];

    where_str(where, w, sizeof(w));
    if (where & SSL_CB_ALERT)
        printf("%s %s alert=%s:%s ret=%d\n", ssl == client_ssl ? "C" : "S", w,
               SSL_alert_type_string_long(ret), SSL_alert_desc_string_long(ret), ret);
    else
        printf("%s %s [%s] [%s] ret=%d\n", ssl == client_ssl ? "C" : "S", w,
               SSL_state_string(ssl), SSL_state_string_long(ssl), ret);
}

/* The message callback: direction, content type and length (record headers included). */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    const unsigned char *p = buf;

    (void)arg;
    /* Message lengths differ between the libraries (extension sets, ECDSA signature
     * sizes); a record header is shown as its type and epoch. */
    printf("%s msg %s version=%04x type=%d", ssl == client_ssl ? "C" : "S",
           write_p ? ">>>" : "<<<", (unsigned int)version, content_type);
    if (content_type == SSL3_RT_HANDSHAKE && len > 0)
        printf(" msg_type=%d", p[0]);
    else if (content_type == 256 && len == 13)
        printf(" record=%d epoch=%d", p[0], (p[3] << 8) | p[4]);
    else
        printf(" len=%zu", len);
    printf("\n");
}

static int udp_pair(int fds[2])
{
    struct sockaddr_in a[2];
    socklen_t l = sizeof(a[0]);
    int i;

    for (i = 0; i < 2; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        memset(&a[i], 0, sizeof(a[i]));
        a[i].sin_family = AF_INET;
        a[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&a[i], sizeof(a[i])) != 0
            || getsockname(fds[i], (struct sockaddr *)&a[i], &l) != 0)
            return 0;
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
    }
    return connect(fds[0], (struct sockaddr *)&a[1], sizeof(a[1])) == 0
           && connect(fds[1], (struct sockaddr *)&a[0], sizeof(a[0])) == 0;
}

static SSL *make_ssl(SSL_CTX *ctx, int fd)
{
    struct sockaddr_storage peer;
    socklen_t pl = sizeof(peer);
    SSL *ssl = SSL_new(ctx);
    BIO *bio = BIO_new_dgram(fd, BIO_CLOSE);

    getpeername(fd, (struct sockaddr *)&peer, &pl);
    (void)BIO_ctrl_set_connected(bio, &peer);
    SSL_set_bio(ssl, bio, bio);
    return ssl;
}

/* After the full handshake the client renegotiates (the server allows it). */
static int reneg_mode;

/* Renegotiation from `init` (SSL_renegotiate + SSL_do_handshake); the peer is driven by
 * SSL_read, as an application reading data would. Returns 1 once both finished. */
static int renegotiate(SSL *init, SSL *peer, int fds[2])
{
    char buf[64];
    int rounds, r;

    /* SSL_OP_NO_RENEGOTIATION: refused with SSL_R_NO_RENEGOTIATION, nothing pending. */
    SSL_set_options(init, SSL_OP_NO_RENEGOTIATION);
    r = SSL_renegotiate(init);
    printf("%s SSL_renegotiate (NO_RENEGOTIATION) ret=%d reason=%d pending=%d\n",
           init == client_ssl ? "C" : "S", r, ERR_GET_REASON(ERR_get_error()),
           SSL_renegotiate_pending(init));
    ERR_clear_error();
    SSL_clear_options(init, SSL_OP_NO_RENEGOTIATION);
    printf("%s SSL_renegotiate ret=%d\n", init == client_ssl ? "C" : "S", SSL_renegotiate(init));
    printf("%s pending=%d num=%ld total=%ld\n", init == client_ssl ? "C" : "S",
           SSL_renegotiate_pending(init), SSL_num_renegotiations(init),
           SSL_total_renegotiations(init));
    for (rounds = 0; rounds < 50; rounds++) {
        struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };

        r = SSL_do_handshake(init);
        if (r <= 0 && SSL_get_error(init, r) != SSL_ERROR_WANT_READ)
            return 0;
        r = SSL_read(peer, buf, sizeof(buf));
        if (r <= 0 && SSL_get_error(peer, r) != SSL_ERROR_WANT_READ)
            return 0;
        if (!SSL_renegotiate_pending(init) && SSL_is_init_finished(init)
            && SSL_is_init_finished(peer))
            break;
        poll(p, 2, 50);
    }
    printf("-- renegotiation: pending %d, finished %d/%d\n", SSL_renegotiate_pending(init),
           SSL_is_init_finished(init), SSL_is_init_finished(peer));
    printf("-- renegotiations: initiator num=%ld total=%ld, peer num=%ld total=%ld\n",
           SSL_num_renegotiations(init), SSL_total_renegotiations(init),
           SSL_num_renegotiations(peer), SSL_total_renegotiations(peer));
    printf("-- cleared num=%ld", SSL_clear_num_renegotiations(init));
    printf(" then num=%ld total=%ld\n", SSL_num_renegotiations(init),
           SSL_total_renegotiations(init));
    return !SSL_renegotiate_pending(init) && SSL_is_init_finished(peer);
}

/* Steps both sides until both finished; returns 1 on success. */
static int run(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume, SSL_SESSION **out)
{
    int fds[2], cdone = 0, sdone = 0, cfail = 0, sfail = 0, rounds;
    SSL *c, *s;

    if (!udp_pair(fds))
        return 0;
    c = make_ssl(cctx, fds[0]);
    s = make_ssl(sctx, fds[1]);
    client_ssl = c;
    listened = 0;
    if (resume != NULL)
        SSL_set_session(c, resume);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    /* A side that fails stops; the other goes on (it reads the alert, then fails too). */
    for (rounds = 0; rounds < 50 && !((cdone || cfail) && (sdone || sfail))
                     && !(cfail && stop_on_client_failure);
         rounds++) {
        struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
        int r;

        if (!cdone && !cfail) {
            r = step(c);
            cdone = r == 1;
            cfail = r < 0;
        }
        if (cfail && stop_on_client_failure)
            break;
        if (!sdone && !sfail) {
            r = step(s);
            sdone = r == 1;
            sfail = r < 0;
        }
        /* Let the datagrams just sent arrive before the next round. */
        poll(p, 2, 50);
    }
    printf("-- client %s, server %s, resumed %d\n", cdone ? "done" : "FAILED",
           sdone ? "done" : "FAILED", SSL_session_reused(c));
    if (reneg_mode && cdone && sdone && resume == NULL && !renegotiate(c, s, fds))
        sdone = 0;
    if (out != NULL)
        *out = SSL_get1_session(c);
    SSL_shutdown(c);
    SSL_shutdown(s);
    SSL_free(c);
    SSL_free(s);
    return cdone && sdone;
}

int main(int argc, char **argv)
{
    SSL_CTX *cctx, *sctx;
    SSL_SESSION *sess = NULL;
    int ok;

    const char *mode = argc == 5 ? argv[4] : "";

    if (argc != 4
        && !(argc == 5 && (strcmp(mode, "cookie") == 0 || strcmp(mode, "untrusted") == 0
                           || strcmp(mode, "msg") == 0 || strcmp(mode, "read") == 0
                           || strcmp(mode, "listen") == 0 || strcmp(mode, "reneg") == 0))) {
        fprintf(stderr,
                "usage: info_seq CERT KEY CAFILE [cookie|untrusted|msg|read|listen]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    cctx = SSL_CTX_new(DTLS_client_method());
    sctx = SSL_CTX_new(DTLS_server_method());
    if (cctx == NULL || sctx == NULL
        || SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1
        || SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1
        || (strcmp(mode, "untrusted") != 0
            && SSL_CTX_load_verify_locations(cctx, argv[3], NULL) != 1)) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    /* The same suite under both libraries (OpenSSL would pick AES-256 by default). */
    SSL_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-AES128-GCM-SHA256");
    SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"info", 4);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);
    if (strcmp(mode, "cookie") == 0 || strcmp(mode, "msg") == 0
        || strcmp(mode, "listen") == 0) {
        SSL_CTX_set_options(sctx, SSL_OP_COOKIE_EXCHANGE);
        SSL_CTX_set_cookie_generate_cb(sctx, gen_cookie);
        SSL_CTX_set_cookie_verify_cb(sctx, verify_cookie);
    }
    if (strcmp(mode, "msg") == 0) {
        SSL_CTX_set_msg_callback(cctx, msg_cb);
        SSL_CTX_set_msg_callback(sctx, msg_cb);
    }
    SSL_CTX_set_info_callback(cctx, info_cb);
    SSL_CTX_set_info_callback(sctx, info_cb);
    via_read = strcmp(mode, "read") == 0;
    reneg_mode = strcmp(mode, "reneg") == 0;
    if (reneg_mode)
        SSL_CTX_set_options(sctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    via_listen = strcmp(mode, "listen") == 0;
    if (strcmp(mode, "untrusted") == 0) {
        stop_on_client_failure = 1;
        printf("== failing handshake\n");
        ok = !run(cctx, sctx, NULL, NULL);
        ERR_clear_error();
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
        return ok ? 0 : 1;
    }
    printf("== full handshake\n");
    ok = run(cctx, sctx, NULL, &sess);
    printf("== resumed handshake\n");
    ok = ok && run(cctx, sctx, sess, NULL);
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    if (!ok)
        ERR_print_errors_fp(stderr);
    return ok ? 0 : 1;
}
