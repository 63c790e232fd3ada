/* compat corpus: the SSL filter BIO. The program talks DTLS only through BIO calls:
 * BIO_new_ssl pushed on a datagram BIO, BIO_do_handshake, BIO_write / BIO_read, and
 * BIO_free_all (which frees the SSL too). This is the SSL BIO over UDP; ssl_stream.c is
 * the same over a TCP stream (BIO_new_ssl_connect).
 *
 *   ssl_bio server              prints "ACCEPT 127.0.0.1:PORT"; echoes lines until
 *                               close_notify, prints "server echoed N"
 *   ssl_bio client PORT COUNT   prints "client ok COUNT" */
#include <arpa/inet.h>
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

static void die(const char *what)
{
    fprintf(stderr, "ssl_bio: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void make_identity(SSL_CTX *ctx)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();

    if (key == NULL || x == NULL || !X509_set_version(x, 2)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), 9)
        || !X509_gmtime_adj(X509_getm_notBefore(x), 0)
        || !X509_gmtime_adj(X509_getm_notAfter(x), 3600)
        || !X509_set_pubkey(x, key)
        || !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
            (const unsigned char *)"ssl_bio", -1, -1, 0)
        || !X509_set_issuer_name(x, X509_get_subject_name(x))
        || !X509_sign(x, key, EVP_sha256()) || SSL_CTX_use_certificate(ctx, x) != 1
        || SSL_CTX_use_PrivateKey(ctx, key) != 1)
        die("identity");
    X509_free(x);
    EVP_PKEY_free(key);
}

int main(int argc, char **argv)
{
    int server = argc == 2 && strcmp(argv[1], "server") == 0;
    int client = argc == 4 && strcmp(argv[1], "client") == 0;
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    struct timeval tv = { 10, 0 };
    SSL_CTX *ctx;
    SSL *ssl = NULL;
    BIO *sbio, *dgram;
    char buf[2048];
    int fd, n, i, count = 0;

    if (!server && !client) {
        fprintf(stderr, "usage: ssl_bio server | client PORT COUNT\n");
        return 2;
    }
    ctx = SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method());
    if (ctx == NULL)
        die("SSL_CTX_new");
    if (server)
        make_identity(ctx);
    else
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        die("socket");
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (server) {
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0
            || getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
            die("bind");
        printf("ACCEPT 127.0.0.1:%d\n", ntohs(a.sin_port));
        fflush(stdout);
    } else {
        a.sin_port = htons((unsigned short)atoi(argv[2]));
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
            die("connect");
    }
    dgram = BIO_new_dgram(fd, BIO_CLOSE);
    if (dgram == NULL)
        die("BIO_new_dgram");
    if (client)
        BIO_ctrl(dgram, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &a);

    sbio = BIO_new_ssl(ctx, client);
    if (sbio == NULL || BIO_get_ssl(sbio, &ssl) != 1 || ssl == NULL)
        die("BIO_new_ssl");
    BIO_push(sbio, dgram);
    if (BIO_do_handshake(sbio) != 1)
        die("BIO_do_handshake");

    if (server) {
        while ((n = BIO_read(sbio, buf, sizeof(buf))) > 0) {
            if (BIO_write(sbio, buf, n) != n)
                die("BIO_write");
            count++;
        }
        if (SSL_get_error(ssl, n) != SSL_ERROR_ZERO_RETURN)
            die("BIO_read");
        SSL_shutdown(ssl);
        printf("server echoed %d\n", count);
    } else {
        count = atoi(argv[3]);
        for (i = 0; i < count; i++) {
            char back[64];
            int len = snprintf(buf, sizeof(buf), "via the SSL BIO %d", i);

            if (BIO_write(sbio, buf, len) != len)
                die("BIO_write");
            n = BIO_read(sbio, back, sizeof(back));
            if (n != len || memcmp(buf, back, (size_t)n) != 0)
                die("echo");
        }
        SSL_shutdown(ssl);
        printf("client ok %d\n", count);
    }
    BIO_free_all(sbio);
    SSL_CTX_free(ctx);
    return 0;
}
