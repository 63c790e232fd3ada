/* compat corpus: DTLS over an application-defined BIO_METHOD, as WebRTC stacks do (their
 * BIO hands datagrams to the ICE transport). Here the "transport" is a connected UDP socket
 * reached only through the BIO's callbacks; the BIO is non-blocking from the library's view
 * (retry flags) and the program waits with poll().
 *
 *   bio_method server   prints "ACCEPT 127.0.0.1:PORT", serves one client: echoes until
 *                       close_notify, prints "server echoed N"
 *   bio_method client PORT COUNT   prints "client ok COUNT" */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define TRANSPORT_MTU 1200

struct transport {
    int fd;
    int connected;
    struct sockaddr_in peer;
    unsigned long packets_in, packets_out;
};

static void die(const char *what)
{
    fprintf(stderr, "bio_method: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int t_write(BIO *b, const char *data, int len)
{
    struct transport *t = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = send(t->fd, data, (size_t)len, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            BIO_set_retry_write(b);
        return -1;
    }
    t->packets_out++;
    return (int)n;
}

static int t_read(BIO *b, char *out, int len)
{
    struct transport *t = BIO_get_data(b);
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = recvfrom(t->fd, out, (size_t)len, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            BIO_set_retry_read(b);
        return -1;
    }
    if (!t->connected) {
        /* The server learns its peer from the first datagram, as an ICE transport would. */
        if (connect(t->fd, (struct sockaddr *)&from, flen) != 0)
            return -1;
        t->peer = from;
        t->connected = 1;
    }
    t->packets_in++;
    return (int)n;
}

static long t_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
    case BIO_CTRL_WPENDING:
        return 0;
    case BIO_CTRL_DGRAM_QUERY_MTU:
        return TRANSPORT_MTU;
    default:
        return 0;
    }
}

static int t_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int t_destroy(BIO *b)
{
    free(BIO_get_data(b));
    BIO_set_data(b, NULL);
    return 1;
}

static BIO_METHOD *transport_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "transport");

    if (m == NULL || !BIO_meth_set_write(m, t_write) || !BIO_meth_set_read(m, t_read)
        || !BIO_meth_set_ctrl(m, t_ctrl) || !BIO_meth_set_create(m, t_create)
        || !BIO_meth_set_destroy(m, t_destroy))
        die("BIO_meth_new");
    return m;
}

/* After a non-blocking SSL call returned `r`: waits for the socket or the retransmission
 * timer (DTLSv1_get_timeout / DTLSv1_handle_timeout); 0 when `r` was a real error. */
static int wait_io(SSL *ssl, int fd, int r)
{
    struct pollfd p;
    struct timeval tv;
    int timeout_ms = 1000;

    switch (SSL_get_error(ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        break;
    default:
        return 0;
    }
    if (DTLSv1_get_timeout(ssl, &tv))
        timeout_ms = (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
    p.fd = fd;
    p.events = POLLIN;
    if (poll(&p, 1, timeout_ms) == 0 && DTLSv1_handle_timeout(ssl) < 0)
        return 0;
    return 1;
}

static SSL *new_ssl(SSL_CTX *ctx, BIO_METHOD *m, int fd)
{
    struct transport *t = calloc(1, sizeof(*t));
    SSL *ssl = SSL_new(ctx);
    BIO *b = BIO_new(m);

    if (t == NULL || ssl == NULL || b == NULL)
        die("SSL_new/BIO_new");
    t->fd = fd;
    BIO_set_data(b, t);
    SSL_set_bio(ssl, b, b);
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
    SSL_set_mtu(ssl, TRANSPORT_MTU);
    return ssl;
}

static void make_identity(SSL_CTX *ctx)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();

    if (key == NULL || x == NULL || !X509_set_version(x, 2)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), 7)
        || !X509_gmtime_adj(X509_getm_notBefore(x), 0)
        || !X509_gmtime_adj(X509_getm_notAfter(x), 3600)
        || !X509_set_pubkey(x, key)
        || !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
            (const unsigned char *)"bio_method", -1, -1, 0)
        || !X509_set_issuer_name(x, X509_get_subject_name(x))
        || !X509_sign(x, key, EVP_sha256()) || SSL_CTX_use_certificate(ctx, x) != 1
        || SSL_CTX_use_PrivateKey(ctx, key) != 1)
        die("identity");
    X509_free(x);
    EVP_PKEY_free(key);
}

static int udp_socket(int port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    if (fd < 0)
        die("socket");
    if (port == 0) {
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0
            || getsockname(fd, (struct sockaddr *)&a, &len) != 0)
            die("bind");
        printf("ACCEPT 127.0.0.1:%d\n", ntohs(a.sin_port));
        fflush(stdout);
    } else if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        die("connect");
    }
    return fd;
}

int main(int argc, char **argv)
{
    int server = argc == 2 && strcmp(argv[1], "server") == 0;
    int client = argc == 4 && strcmp(argv[1], "client") == 0;
    BIO_METHOD *m;
    SSL_CTX *ctx;
    SSL *ssl;
    int fd, r, i, count = 0, polls = 0;
    char buf[2048];

    if (!server && !client) {
        fprintf(stderr, "usage: bio_method server | client PORT COUNT\n");
        return 2;
    }
    m = transport_method();
    ctx = SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method());
    if (ctx == NULL)
        die("SSL_CTX_new");
    if (server)
        make_identity(ctx);
    else
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    fd = udp_socket(server ? 0 : atoi(argv[2]));
    ssl = new_ssl(ctx, m, fd);
    while ((r = server ? SSL_accept(ssl) : SSL_connect(ssl)) != 1)
        if (!wait_io(ssl, fd, r) || ++polls > 100)
            die("handshake");
    if (server) {
        for (;;) {
            r = SSL_read(ssl, buf, sizeof(buf));
            if (r > 0) {
                if (SSL_write(ssl, buf, r) != r)
                    die("SSL_write");
                count++;
            } else if (SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN) {
                break;
            } else if (!wait_io(ssl, fd, r) || ++polls > 200) {
                die("SSL_read");
            }
        }
        SSL_shutdown(ssl);
        printf("server echoed %d\n", count);
    } else {
        count = atoi(argv[3]);
        for (i = 0; i < count; i++) {
            int n = snprintf(buf, sizeof(buf), "datagram %d", i);
            char back[64];

            if (SSL_write(ssl, buf, n) != n)
                die("SSL_write");
            while ((r = SSL_read(ssl, back, sizeof(back))) <= 0)
                if (!wait_io(ssl, fd, r) || ++polls > 200)
                    die("SSL_read");
            if (r != n || memcmp(buf, back, (size_t)n) != 0)
                die("echo");
        }
        SSL_shutdown(ssl);
        printf("client ok %d\n", count);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    BIO_meth_free(m);
    close(fd);
    return 0;
}
