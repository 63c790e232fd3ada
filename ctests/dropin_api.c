/*
 * dropin_api.c - the libssl functions legacy programs import (issue 8 item 1), checked the
 * same way against the system OpenSSL and the drop-in (LD_PRELOAD=build/libssl.so.3):
 * ctests/t_dropin_api.sh runs it both ways and compares the output line by line.
 *
 *   dropin_api CERTDIR
 *
 * One process, two connect()ed UDP sockets on 127.0.0.1 handed to SSL_set_fd (issue 8
 * item 3), non-blocking, both ends driven in turn:
 *   client_hello  a server context WITHOUT a certificate whose client-hello callback reads
 *                 the ClientHello (version, random, session id, suites, compression, SNI,
 *                 extension list) and loads the certificate and key for that connection;
 *                 the client CA list sent in CertificateRequest; SSL_get_state,
 *                 SSL_CIPHER_get_cipher_nid/get_digest_nid, SSL_get_privatekey;
 *   bio_ssl       the same handshake, then data through BIO_f_ssl BIOs (BIO_get_ssl,
 *                 BIO_ssl_shutdown);
 *   param         SSL_set1_param with the right and a wrong expected host name;
 *   misc          SSL_COMP_*, SSL_load_client_CA_file, SSL_get_default_timeout.
 * Prints one line per observation and "PASS"; exit status 0 when every check passed.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/comp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define MAX_ROUNDS 4000

static int failures;
static const char *certdir;

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

static char *path(const char *name) {
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", certdir, name);
    return buf[i];
}

/* Two UDP sockets on 127.0.0.1 connected to each other, non-blocking. */
static int socket_pair(int fds[2]) {
    struct sockaddr_in a[2];
    socklen_t len = sizeof(a[0]);
    int i;
    for (i = 0; i < 2; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        CHECK(fds[i] >= 0, "socket");
        memset(&a[i], 0, sizeof(a[i]));
        a[i].sin_family = AF_INET;
        a[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(bind(fds[i], (struct sockaddr *)&a[i], sizeof(a[i])) == 0, "bind");
        CHECK(getsockname(fds[i], (struct sockaddr *)&a[i], &len) == 0, "getsockname");
    }
    for (i = 0; i < 2; i++) {
        CHECK(connect(fds[i], (struct sockaddr *)&a[1 - i], sizeof(a[0])) == 0, "connect");
        CHECK(fcntl(fds[i], F_SETFL, O_NONBLOCK) == 0, "fcntl");
    }
    return 1;
}

/* Drives both handshakes until both finished; 1 when both succeeded, 0 when one failed. */
static int handshake(SSL *cli, SSL *srv) {
    int i, cdone = 0, sdone = 0;
    for (i = 0; i < MAX_ROUNDS && !(cdone && sdone); i++) {
        int r;
        if (!cdone) {
            r = SSL_do_handshake(cli);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(cli, r) != SSL_ERROR_WANT_READ)
                return 0;
        }
        if (!sdone) {
            r = SSL_do_handshake(srv);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(srv, r) != SSL_ERROR_WANT_READ)
                return 0;
        }
        if (!(cdone && sdone))
            usleep(200);
    }
    return cdone && sdone;
}

/* ---- client hello callback ------------------------------------------------------------ */

static int hello_calls;

static int on_client_hello(SSL *s, int *al, void *arg) {
    const unsigned char *p = NULL;
    size_t n, i;
    int *exts = NULL;
    size_t nexts = 0;
    (void)arg;
    hello_calls++;
    printf("hello: isv2=%d version=%04x\n", SSL_client_hello_isv2(s),
           SSL_client_hello_get0_legacy_version(s));
    printf("hello: random=%zu\n", SSL_client_hello_get0_random(s, &p));
    n = SSL_client_hello_get0_session_id(s, &p);
    printf("hello: session_id=%zu\n", n);
    n = SSL_client_hello_get0_ciphers(s, &p);
    printf("hello: ciphers has c02b=");
    for (i = 0; i + 1 < n; i += 2)
        if (p[i] == 0xc0 && p[i + 1] == 0x2b)
            break;
    printf("%d\n", i + 1 < n);
    n = SSL_client_hello_get0_compression_methods(s, &p);
    printf("hello: compression=%zu first=%d\n", n, n ? p[0] : -1);
    if (SSL_client_hello_get0_ext(s, 0, &p, &n) == 1 && n > 5)
        printf("hello: sni=%.*s\n", (int)(n - 5), (const char *)p + 5);
    else
        printf("hello: sni=none\n");
    printf("hello: missing ext 9999=%d\n", SSL_client_hello_get0_ext(s, 9999, &p, &n));
    if (SSL_client_hello_get1_extensions_present(s, &exts, &nexts) == 1) {
        int has_sni = 0, has_sigalgs = 0;
        for (i = 0; i < nexts; i++) {
            has_sni |= exts[i] == 0;
            has_sigalgs |= exts[i] == 13;
        }
        printf("hello: extensions include server_name=%d signature_algorithms=%d\n", has_sni,
               has_sigalgs);
        OPENSSL_free(exts);
    }
    /* A CoAP server loads its certificate here. */
    if (SSL_use_certificate_file(s, path("server.pem"), SSL_FILETYPE_PEM) != 1 ||
        SSL_use_PrivateKey_file(s, path("server.key"), SSL_FILETYPE_PEM) != 1) {
        *al = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

/* Asks to be called again once (as an application loading its certificate asynchronously
 * would), then behaves as on_client_hello. */
static int retries;
static int retry_hello(SSL *s, int *al, void *arg) {
    if (retries++ == 0)
        return SSL_CLIENT_HELLO_RETRY;
    return on_client_hello(s, al, arg);
}

static int refuse_hello(SSL *s, int *al, void *arg) {
    (void)s;
    hello_calls++;
    (void)arg;
    *al = SSL_AD_HANDSHAKE_FAILURE;
    return SSL_CLIENT_HELLO_ERROR;
}

static SSL_CTX *client_ctx(void) {
    SSL_CTX *c = SSL_CTX_new(DTLS_client_method());
    if (c != NULL && SSL_CTX_load_verify_locations(c, path("ca.pem"), NULL) == 1)
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
    return c;
}

/* A connected pair: server from sctx, client from cctx with SNI "localhost". */
static int make_pair(SSL_CTX *sctx, SSL_CTX *cctx, SSL **srv, SSL **cli, int fds[2]) {
    if (!socket_pair(fds))
        return 0;
    *srv = SSL_new(sctx);
    *cli = SSL_new(cctx);
    CHECK(*srv != NULL && *cli != NULL, "SSL_new");
    CHECK(SSL_set_fd(*srv, fds[0]) == 1 && SSL_set_fd(*cli, fds[1]) == 1, "SSL_set_fd");
    SSL_set_accept_state(*srv);
    SSL_set_connect_state(*cli);
    CHECK(SSL_set_tlsext_host_name(*cli, "localhost") == 1, "SNI");
    return 1;
}

static void free_pair(SSL *srv, SSL *cli, int fds[2]) {
    SSL_free(srv);
    SSL_free(cli);
    close(fds[0]);
    close(fds[1]);
}

static int test_client_hello(void) {
    SSL_CTX *sctx = SSL_CTX_new(DTLS_server_method()), *cctx = client_ctx();
    SSL *srv, *cli;
    int fds[2];
    const SSL_CIPHER *c;
    X509 *ca;
    FILE *f;
    CHECK(sctx != NULL && cctx != NULL, "contexts");
    SSL_CTX_set_client_hello_cb(sctx, on_client_hello, NULL);
    /* Ask for a client certificate, naming our CA (SSL_CTX_add_client_CA). */
    f = fopen(path("ca.pem"), "r");
    CHECK(f != NULL, "ca.pem");
    ca = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    CHECK(ca != NULL, "read ca");
    CHECK(SSL_CTX_add_client_CA(sctx, ca) == 1, "SSL_CTX_add_client_CA");
    X509_free(ca);
    printf("ctx client CA names: %d\n", sk_X509_NAME_num(SSL_CTX_get_client_CA_list(sctx)));
    CHECK(SSL_CTX_load_verify_locations(sctx, path("ca.pem"), NULL) == 1, "server trust");
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_use_certificate_file(cctx, path("client.pem"), SSL_FILETYPE_PEM) == 1 &&
              SSL_CTX_use_PrivateKey_file(cctx, path("client.key"), SSL_FILETYPE_PEM) == 1,
          "client cert");
    if (!make_pair(sctx, cctx, &srv, &cli, fds))
        return 0;
    printf("state before: %d\n", (int)SSL_get_state(srv));
    CHECK(handshake(cli, srv), "handshake with the client hello callback");
    printf("hello callback calls: %d\n", hello_calls);
    printf("state after: server %d client %d\n", (int)SSL_get_state(srv),
           (int)SSL_get_state(cli));
    c = SSL_get_current_cipher(srv);
    printf("cipher: %s nid=%d digest nid=%d\n", SSL_CIPHER_get_name(c),
           SSL_CIPHER_get_cipher_nid(c), SSL_CIPHER_get_digest_nid(c));
    printf("server CA names: %d\n", sk_X509_NAME_num(SSL_get_client_CA_list(srv)));
    printf("client got CA names: %d (peer list %d)\n",
           sk_X509_NAME_num(SSL_get_client_CA_list(cli)),
           sk_X509_NAME_num(SSL_get0_peer_CA_list(cli)));
    printf("client verified: %ld\n", SSL_get_verify_result(cli));
    printf("server got client cert: %d\n", SSL_get0_peer_certificate(srv) != NULL);
    free_pair(srv, cli, fds);

    /* A callback that asks to be called again: SSL_ERROR_WANT_CLIENT_HELLO_CB once. */
    SSL_CTX_set_client_hello_cb(sctx, retry_hello, NULL);
    if (!make_pair(sctx, cctx, &srv, &cli, fds))
        return 0;
    {
        int i, r, saw = 0, cdone = 0, sdone = 0;
        for (i = 0; i < MAX_ROUNDS && !(cdone && sdone); i++) {
            if (!cdone && (r = SSL_do_handshake(cli)) == 1)
                cdone = 1;
            if (!sdone) {
                r = SSL_do_handshake(srv);
                if (r == 1)
                    sdone = 1;
                else if (SSL_get_error(srv, r) == SSL_ERROR_WANT_CLIENT_HELLO_CB)
                    saw += SSL_want_client_hello_cb(srv);
                else if (SSL_get_error(srv, r) != SSL_ERROR_WANT_READ)
                    break;
            }
            usleep(200);
        }
        printf("retrying callback: want_client_hello_cb %d times, handshake %s\n", saw,
               cdone && sdone ? "succeeded" : "failed");
    }
    free_pair(srv, cli, fds);

    /* A callback that refuses fails the handshake. */
    SSL_CTX_set_client_hello_cb(sctx, refuse_hello, NULL);
    if (!make_pair(sctx, cctx, &srv, &cli, fds))
        return 0;
    printf("refusing callback: handshake %s\n", handshake(cli, srv) ? "succeeded" : "failed");
    ERR_clear_error();
    /* The client gets the callback's alert (handshake_failure): OpenSSL acts on it at
     * once, rdtls when its retransmission timer finds no progress (an unauthenticated alert
     * is remembered, not obeyed: src/input_policy.rs), so allow up to about 5 s. */
    {
        int i, r = -1;
        unsigned long e = 0;
        for (i = 0; i < 25000; i++) {
            r = SSL_do_handshake(cli);
            if (r == 1 || SSL_get_error(cli, r) != SSL_ERROR_WANT_READ)
                break;
            usleep(200);
        }
        e = ERR_peek_last_error();
        printf("client after refusal: ret %d reason %d (%s)\n", r, ERR_GET_REASON(e),
               ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "none");
        ERR_clear_error();
    }
    printf("hello callback calls: %d\n", hello_calls);
    free_pair(srv, cli, fds);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return 1;
}

/* ---- BIO_f_ssl -------------------------------------------------------------------------- */

static SSL_CTX *server_ctx(void) {
    SSL_CTX *s = SSL_CTX_new(DTLS_server_method());
    if (s != NULL) {
        SSL_CTX_use_certificate_file(s, path("server.pem"), SSL_FILETYPE_PEM);
        SSL_CTX_use_PrivateKey_file(s, path("server.key"), SSL_FILETYPE_PEM);
    }
    return s;
}

static int test_bio_ssl(void) {
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL *srv, *cli, *got = NULL;
    BIO *sb, *cb;
    int fds[2], i, n = -1;
    char buf[64];
    CHECK(sctx != NULL && cctx != NULL, "contexts");
    if (!make_pair(sctx, cctx, &srv, &cli, fds))
        return 0;
    CHECK(handshake(cli, srv), "handshake");
    cb = BIO_new(BIO_f_ssl());
    sb = BIO_new(BIO_f_ssl());
    CHECK(cb != NULL && sb != NULL, "BIO_new(BIO_f_ssl())");
    printf("bio type: %d\n", BIO_method_type(cb));
    BIO_set_ssl(cb, cli, BIO_NOCLOSE);
    BIO_set_ssl(sb, srv, BIO_NOCLOSE);
    BIO_get_ssl(cb, &got);
    printf("BIO_get_ssl returns the SSL: %d\n", got == cli);
    CHECK(BIO_puts(cb, "ping over BIO_f_ssl") > 0, "BIO_puts");
    for (i = 0; i < MAX_ROUNDS; i++) {
        n = BIO_read(sb, buf, sizeof(buf) - 1);
        if (n > 0 || !BIO_should_retry(sb))
            break;
        usleep(200);
    }
    CHECK(n > 0, "BIO_read");
    buf[n] = 0;
    printf("server read: %s\n", buf);
    BIO_ssl_shutdown(cb);
    printf("client shutdown sent: %d\n", (SSL_get_shutdown(cli) & SSL_SENT_SHUTDOWN) != 0);
    BIO_free(cb);
    BIO_free(sb);
    free_pair(srv, cli, fds);
    /* BIO_new_ssl owns its SSL. */
    cb = BIO_new_ssl(cctx, 1);
    CHECK(cb != NULL, "BIO_new_ssl");
    got = NULL;
    BIO_get_ssl(cb, &got);
    printf("BIO_new_ssl has an SSL: %d\n", got != NULL);
    BIO_free_all(cb);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return 1;
}

/* ---- SSL_set1_param ----------------------------------------------------------------------- */

static int param_handshake(const char *host) {
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL *srv, *cli;
    int fds[2], ok;
    X509_VERIFY_PARAM *vpm = X509_VERIFY_PARAM_new();
    CHECK(vpm != NULL && sctx != NULL && cctx != NULL, "objects");
    X509_VERIFY_PARAM_set1_host(vpm, host, 0);
    if (!make_pair(sctx, cctx, &srv, &cli, fds))
        return 0;
    CHECK(SSL_set1_param(cli, vpm) == 1, "SSL_set1_param");
    CHECK(SSL_get0_param(cli) != NULL, "SSL_get0_param");
    ok = handshake(cli, srv);
    printf("expected host %s: handshake %s\n", host, ok ? "succeeded" : "failed");
    ERR_clear_error();
    X509_VERIFY_PARAM_free(vpm);
    free_pair(srv, cli, fds);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return 1;
}

static int test_misc(void) {
    STACK_OF(SSL_COMP) *m = SSL_COMP_get_compression_methods();
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(path("ca.pem"));
    SSL_CTX *c = SSL_CTX_new(DTLS_method());
    SSL *s = SSL_new(c);
    printf("compression methods: %s %d\n", m ? "list" : "NULL", m ? sk_SSL_COMP_num(m) : -1);
    printf("add NULL compression method: %d\n", SSL_COMP_add_compression_method(200, NULL));
    printf("CA file names: %d\n", names ? sk_X509_NAME_num(names) : -1);
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    printf("default timeout: %ld\n", SSL_get_default_timeout(s));
    printf("method is the context's: %d\n", SSL_get_ssl_method(s) == DTLS_method());
    printf("state of a new SSL: %d\n", (int)SSL_get_state(s));
    SSL_free(s);
    SSL_CTX_free(c);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: dropin_api CERTDIR\n");
        return 2;
    }
    certdir = argv[1];
    test_misc();
    test_client_hello();
    test_bio_ssl();
    param_handshake("localhost");
    param_handshake("wrong.example");
    if (failures) {
        printf("%d FAILED\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
