/* compat corpus: the SSL BIO over a stream, in the style of OpenSSL's BIO_f_ssl(3) client
 * example: BIO_new_ssl_connect, BIO_get_ssl, BIO_set_conn_hostname, BIO_do_connect,
 * BIO_do_handshake, then BIO_write / BIO_read; the server wraps an accepted TCP socket in
 * BIO_new_socket behind BIO_new_ssl. DTLS over TCP: each record is written with one
 * send, and a receiver takes the records out of the byte stream by their headers. The
 * client sends bursts of records of several sizes before reading the echoes back, so the
 * receiving side sees records coalesced into one read and split across reads.
 *
 *   ssl_stream server              prints "ACCEPT 127.0.0.1:PORT", serves one client,
 *                                  echoes each record until close_notify, prints
 *                                  "server echoed N"
 *   ssl_stream client PORT ROUNDS [nbio]
 *                                  prints "client ok N" (N records echoed); with nbio
 *                                  the connect BIO is non-blocking (BIO_set_nbio through the
 *                                  SSL BIO) and every call is retried after poll() as
 *                                  BIO_should_retry says; SSL_get_error may only answer
 *                                  WANT_READ, WANT_WRITE or WANT_CONNECT meanwhile */
#include <arpa/inet.h>
#include <poll.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define BURST 4

static const int sizes[BURST] = { 1, 100, 1000, 4000 };

static void die(const char *what)
{
    fprintf(stderr, "ssl_stream: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void make_identity(SSL_CTX *ctx)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();

    if (key == NULL || x == NULL || !X509_set_version(x, 2)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), 11)
        || !X509_gmtime_adj(X509_getm_notBefore(x), 0)
        || !X509_gmtime_adj(X509_getm_notAfter(x), 3600)
        || !X509_set_pubkey(x, key)
        || !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
            (const unsigned char *)"ssl_stream", -1, -1, 0)
        || !X509_set_issuer_name(x, X509_get_subject_name(x))
        || !X509_sign(x, key, EVP_sha256()) || SSL_CTX_use_certificate(ctx, x) != 1
        || SSL_CTX_use_PrivateKey(ctx, key) != 1)
        die("identity");
    X509_free(x);
    EVP_PKEY_free(key);
}

static int serve(SSL_CTX *ctx)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    struct timeval tv = { 10, 0 };
    int lfd = socket(AF_INET, SOCK_STREAM, 0), fd, n, count = 0;
    BIO *sbio;
    SSL *ssl = NULL;
    char buf[16384];

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 1) != 0
        || getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
        die("listen");
    printf("ACCEPT 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        die("accept");
    close(lfd);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

    sbio = BIO_new_ssl(ctx, 0);
    if (sbio == NULL || BIO_get_ssl(sbio, &ssl) != 1 || ssl == NULL)
        die("BIO_new_ssl");
    BIO_push(sbio, BIO_new_socket(fd, BIO_CLOSE));
    if (BIO_do_handshake(sbio) != 1)
        die("BIO_do_handshake");
    while ((n = BIO_read(sbio, buf, sizeof(buf))) > 0) {
        if (BIO_write(sbio, buf, n) != n)
            die("BIO_write");
        count++;
    }
    if (SSL_get_error(ssl, n) != SSL_ERROR_ZERO_RETURN)
        die("BIO_read");
    SSL_shutdown(ssl);
    printf("server echoed %d\n", count);
    BIO_free_all(sbio);
    return 0;
}

/* Non-blocking mode: waits until the socket under `b` is ready, after a call that asked for
 * a retry; fails on anything but a retry. */
static void wait_retry(BIO *b, SSL *ssl, int ret, const char *what)
{
    struct pollfd p;
    int e = SSL_get_error(ssl, ret);

    if (!BIO_should_retry(b)
        || (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_CONNECT))
        die(what);
    p.fd = -1;
    BIO_get_fd(b, &p.fd);
    p.events = BIO_should_read(b) ? POLLIN : POLLOUT;
    if (p.fd >= 0 && poll(&p, 1, 10000) <= 0)
        die("poll");
}

static int nb_write(BIO *b, SSL *ssl, int nbio, const char *data, int len)
{
    int n;

    while ((n = BIO_write(b, data, len)) <= 0 && nbio)
        wait_retry(b, ssl, n, "BIO_write");
    return n;
}

static int nb_read(BIO *b, SSL *ssl, int nbio, char *buf, int len)
{
    int n;

    while ((n = BIO_read(b, buf, len)) <= 0 && nbio)
        wait_retry(b, ssl, n, "BIO_read");
    return n;
}

static int connect_to(SSL_CTX *ctx, const char *port, int rounds, int nbio)
{
    char hostport[64], out[BURST][4096], back[16384];
    BIO *b = BIO_new_ssl_connect(ctx);
    SSL *ssl = NULL;
    int r, i, n, count = 0;

    if (b == NULL || BIO_get_ssl(b, &ssl) != 1 || ssl == NULL)
        die("BIO_new_ssl_connect");
    snprintf(hostport, sizeof(hostport), "127.0.0.1:%s", port);
    if (BIO_set_conn_hostname(b, hostport) != 1)
        die("BIO_set_conn_hostname");
    if (nbio && BIO_set_nbio(b, 1) != 1)
        die("BIO_set_nbio");
    while ((r = (int)BIO_do_connect(b)) != 1) {
        if (!nbio)
            die("BIO_do_connect");
        wait_retry(b, ssl, r, "BIO_do_connect");
    }
    while ((r = (int)BIO_do_handshake(b)) != 1) {
        if (!nbio)
            die("BIO_do_handshake");
        wait_retry(b, ssl, r, "BIO_do_handshake");
    }
    for (r = 0; r < rounds; r++) {
        /* A burst: BURST records sent back to back, then their echoes read. */
        for (i = 0; i < BURST; i++) {
            memset(out[i], 'a' + (r + i) % 26, (size_t)sizes[i]);
            snprintf(out[i], 16, "%d.%d", r, i);
            if (nb_write(b, ssl, nbio, out[i], sizes[i]) != sizes[i])
                die("BIO_write");
        }
        for (i = 0; i < BURST; i++) {
            n = nb_read(b, ssl, nbio, back, sizeof(back));
            if (n != sizes[i] || memcmp(out[i], back, (size_t)n) != 0) {
                fprintf(stderr, "ssl_stream: round %d record %d: got %d bytes\n", r, i, n);
                die("echo");
            }
            count++;
        }
    }
    SSL_shutdown(ssl);
    printf("client ok %d\n", count);
    BIO_free_all(b);
    return 0;
}

int main(int argc, char **argv)
{
    int server = argc == 2 && strcmp(argv[1], "server") == 0;
    int client = (argc == 4 || argc == 5) && strcmp(argv[1], "client") == 0;
    int nbio = argc == 5 && strcmp(argv[4], "nbio") == 0;
    SSL_CTX *ctx;
    int rc;

    if (!server && !client) {
        fprintf(stderr, "usage: ssl_stream server | client PORT ROUNDS [nbio]\n");
        return 2;
    }
    ctx = SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method());
    if (ctx == NULL)
        die("SSL_CTX_new");
    if (server)
        make_identity(ctx);
    else
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    rc = server ? serve(ctx) : connect_to(ctx, argv[2], atoi(argv[3]), nbio);
    SSL_CTX_free(ctx);
    return rc;
}
