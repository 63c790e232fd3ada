/*
 * client_hello_frag.c - what the client-hello callback (SSL_CTX_set_client_hello_cb) sees of
 * a ClientHello, printed so that ctests/t_client_hello_frag.sh can compare the output built
 * against the system OpenSSL and against rdtls, for a ClientHello fragmented over several
 * datagrams (OpenSSL reassembles it and calls back once, with the whole message) and for
 * one that fits one datagram.
 *
 *   client_hello_frag CERTDIR [cookie]
 *
 * With "cookie" the server asks for a cookie (SSL_OP_COOKIE_EXCHANGE, a fixed cookie): the
 * cookie-less first ClientHello only gets a HelloVerifyRequest, no callback. With "reneg"
 * the server allows client-initiated renegotiation (SSL_OP_ALLOW_CLIENT_RENEGOTIATION): the
 * callbacks run again for the renegotiating ClientHello. With "retry" the first call asks
 * to be called again (SSL_CLIENT_HELLO_RETRY) and SSL_accept is called again.
 *
 * A blocking DTLS server on 127.0.0.1, port chosen by the system, printed first as
 * "ACCEPT 127.0.0.1:PORT". Its context has no certificate: the callback loads it, as a CoAP
 * server does; a servername and a certificate callback print when they run, after it.
 * Serves one handshake, reads until the client closes, then prints the number of
 * client-hello callback calls. Exit status 0 when the handshake succeeded.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

static const char *certdir;
static int calls;
static int retry_first; /* "retry": the first call answers SSL_CLIENT_HELLO_RETRY */

static void hex(const char *label, const unsigned char *p, size_t n) {
    size_t i;
    printf("%s(%zu):", label, n);
    for (i = 0; i < n; i++)
        printf("%s%02x", i % 32 == 0 ? "\n  " : "", p[i]);
    printf("\n");
}

static int on_client_hello(SSL *s, int *al, void *arg) {
    const unsigned char *p = NULL;
    size_t n, i, nexts = 0;
    int *exts = NULL;
    char cert[512], key[512];
    (void)arg;
    calls++;
    printf("callback call %d\n", calls);
    printf("SSL_get_servername in it: %s\n",
           SSL_get_servername(s, TLSEXT_NAMETYPE_host_name) ? "set" : "NULL");
    if (retry_first && calls == 1) {
        printf("asks to be called again\n");
        return SSL_CLIENT_HELLO_RETRY;
    }
    printf("isv2=%d legacy_version=%04x\n", SSL_client_hello_isv2(s),
           SSL_client_hello_get0_legacy_version(s));
    n = SSL_client_hello_get0_random(s, &p);
    printf("random length %zu\n", n);
    n = SSL_client_hello_get0_session_id(s, &p);
    hex("session_id", p, n);
    n = SSL_client_hello_get0_ciphers(s, &p);
    hex("ciphers", p, n);
    n = SSL_client_hello_get0_compression_methods(s, &p);
    hex("compression", p, n);
    if (SSL_client_hello_get1_extensions_present(s, &exts, &nexts) != 1) {
        printf("get1_extensions_present failed\n");
        return SSL_CLIENT_HELLO_ERROR;
    }
    printf("extensions present: %zu\n", nexts);
    for (i = 0; i < nexts; i++) {
        char label[32];
        if (SSL_client_hello_get0_ext(s, (unsigned int)exts[i], &p, &n) != 1) {
            printf("ext %d: get0_ext failed\n", exts[i]);
            continue;
        }
        snprintf(label, sizeof(label), "ext %d", exts[i]);
        /* renegotiation_info carries the connection's Finished data (RFC 5746 §3.5). */
        if (exts[i] == 0xff01)
            printf("%s(%zu): (per connection)\n", label, n);
        else
            hex(label, p, n);
    }
    OPENSSL_free(exts);
    if (SSL_client_hello_get0_ext(s, 0, &p, &n) == 1 && n > 5)
        printf("server_name %.*s\n", (int)(n - 5), (const char *)p + 5);
    printf("absent ext 65000: %d\n", SSL_client_hello_get0_ext(s, 65000, &p, &n));
    snprintf(cert, sizeof(cert), "%s/server.pem", certdir);
    snprintf(key, sizeof(key), "%s/server.key", certdir);
    if (SSL_use_certificate_file(s, cert, SSL_FILETYPE_PEM) != 1 ||
        SSL_use_PrivateKey_file(s, key, SSL_FILETYPE_PEM) != 1) {
        *al = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    fflush(stdout);
    return SSL_CLIENT_HELLO_SUCCESS;
}

static const unsigned char fixed_cookie[] = "0123456789abcdef";

static int make_cookie(SSL *s, unsigned char *out, unsigned int *len) {
    (void)s;
    memcpy(out, fixed_cookie, 16);
    *len = 16;
    return 1;
}

static int check_cookie(SSL *s, const unsigned char *c, unsigned int len) {
    (void)s;
    return len == 16 && memcmp(c, fixed_cookie, 16) == 0;
}

/* OpenSSL's order: the client-hello callback, then the servername callback, then the
 * certificate callback (each prints a line, so the order is in the compared output). */
static int on_servername(SSL *s, int *al, void *arg) {
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    (void)al;
    (void)arg;
    printf("servername callback: name of %zu bytes\n", name ? strlen(name) : 0);
    return SSL_TLSEXT_ERR_OK;
}

static int on_cert(SSL *s, void *arg) {
    (void)s;
    (void)arg;
    printf("certificate callback\n");
    return 1;
}

int main(int argc, char **argv) {
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *bio;
    int fd, r;
    char buf[256];
    if (argc != 2 && !(argc == 3 && (strcmp(argv[2], "cookie") == 0 ||
                                      strcmp(argv[2], "reneg") == 0 ||
                                      strcmp(argv[2], "retry") == 0))) {
        fprintf(stderr, "usage: client_hello_frag CERTDIR [cookie|reneg|retry]\n");
        return 2;
    }
    certdir = argv[1];
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("socket");
        return 1;
    }
    printf("ACCEPT 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    ctx = SSL_CTX_new(DTLS_server_method());
    if (ctx == NULL)
        return 1;
    SSL_CTX_set_client_hello_cb(ctx, on_client_hello, NULL);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL_CTX_set_cert_cb(ctx, on_cert, NULL);
    ssl = SSL_new(ctx);
    bio = BIO_new_dgram(fd, BIO_CLOSE);
    if (ssl == NULL || bio == NULL)
        return 1;
    SSL_set_bio(ssl, bio, bio);
    if (argc == 3 && strcmp(argv[2], "reneg") == 0)
        SSL_set_options(ssl, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    if (argc == 3 && strcmp(argv[2], "cookie") == 0) {
        SSL_CTX_set_cookie_generate_cb(ctx, make_cookie);
        SSL_CTX_set_cookie_verify_cb(ctx, check_cookie);
        SSL_set_options(ssl, SSL_OP_COOKIE_EXCHANGE);
    }
    retry_first = argc == 3 && strcmp(argv[2], "retry") == 0;
    r = SSL_accept(ssl);
    while (r != 1 && SSL_get_error(ssl, r) == SSL_ERROR_WANT_CLIENT_HELLO_CB) {
        printf("SSL_accept: SSL_ERROR_WANT_CLIENT_HELLO_CB, want %d\n",
               SSL_want_client_hello_cb(ssl));
        r = SSL_accept(ssl);
    }
    if (r != 1) {
        printf("handshake failed: %d\n", SSL_get_error(ssl, r));
        ERR_print_errors_fp(stdout);
        printf("callback calls: %d\n", calls);
        return 1;
    }
    printf("handshake ok\n");
    /* Until the client's close_notify (or an error). */
    while ((r = SSL_read(ssl, buf, sizeof(buf))) > 0)
        ;
    printf("read ended: %s\n",
           SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN ? "close_notify" : "error");
    printf("callback calls: %d\n", calls);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 0;
}
