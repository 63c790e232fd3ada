/*
 * echo_client.c - rdtls-echo-client: a small blocking DTLS client for echo servers.
 *
 *   rdtls-echo-client -connect host:port [-CAfile f] [-cert f -key f] [-count n]
 *                     [-size n | -text string] [-wait_s n] [-quiet]
 *
 * Performs one handshake (verifying the server when -CAfile is given), sends -count
 * messages (the -text string, or -size bytes of a numbered pattern), waits for each echo
 * and compares it byte for byte, then sends close_notify. The echoes go to stdout, one per
 * line. Exit status 0 when every echo matched, 1 otherwise. Used by the tests and demos
 * for the threaded and poll servers, where several of these run at once.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fills buf with message number i: "echo <i> " followed by a repeating alphabet. */
static size_t make_message(char *buf, size_t size, long i, const char *text)
{
    size_t n, k;

    if (text != NULL) {
        n = strlen(text);
        memcpy(buf, text, n);
        return n;
    }
    n = (size_t)snprintf(buf, size, "echo %ld ", i);
    if (n > size)
        n = size;
    for (k = n; k < size; k++)
        buf[k] = (char)('a' + (k % 26));
    return size;
}

/* Waits up to wait_s for one record of application data. Returns its length or -1. */
static int read_echo(SSL *ssl, char *buf, int cap, double wait_s)
{
    double deadline = now_s() + wait_s;

    while (now_s() < deadline) {
        int r = SSL_read(ssl, buf, cap), err;

        if (r > 0)
            return r;
        err = SSL_get_error(ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            /* The 200 ms socket receive timeout fired; keep the DTLS timers running. */
            if (DTLSv1_handle_timeout(ssl) < 0)
                break;
            continue;
        }
        fprintf(stderr, "%s: SSL_read failed (%s)\n", common_prog, common_ssl_error_name(err));
        ERR_print_errors_fp(stderr);
        return -1;
    }
    fprintf(stderr, "%s: no echo within %.0f s\n", common_prog, wait_s);
    return -1;
}

int main(int argc, char **argv)
{
    const char *connect_to = "localhost:4433", *cafile = NULL, *cert = NULL, *key = NULL;
    const char *text = NULL;
    long count = 1, size = 64, i, ok = 0;
    double wait_s = 10;
    int quiet = 0, fd, status = 1;
    char *host = NULL, *port = NULL;
    static char out[COMMON_MAX_DATAGRAM], in[COMMON_MAX_DATAGRAM];
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    BIO *bio;
    common_addr peer;
    struct timeval tv;

    common_prog = "rdtls-echo-client";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "-quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "%s: bad or incomplete option %s\n", common_prog, a);
            return 1;
        }
        i++;
        if (strcmp(a, "-connect") == 0) connect_to = v;
        else if (strcmp(a, "-CAfile") == 0) cafile = v;
        else if (strcmp(a, "-cert") == 0) cert = v;
        else if (strcmp(a, "-key") == 0) key = v;
        else if (strcmp(a, "-count") == 0) count = atol(v);
        else if (strcmp(a, "-size") == 0) size = atol(v);
        else if (strcmp(a, "-text") == 0) text = v;
        else if (strcmp(a, "-wait_s") == 0) wait_s = atof(v);
        else {
            fprintf(stderr, "%s: unknown option %s\n", common_prog, a);
            return 1;
        }
    }
    if (count < 0 || size < 1 || size > 16384 || (text != NULL && strlen(text) > 16384)
        || (text != NULL && *text == '\0')) {
        fprintf(stderr, "%s: bad -count, -size or -text\n", common_prog);
        return 1;
    }
    if (!common_split_hostport(connect_to, &host, &port)) {
        fprintf(stderr, "%s: bad -connect value\n", common_prog);
        return 1;
    }
    ctx = SSL_CTX_new(DTLS_client_method());
    if (ctx == NULL) {
        common_fail("SSL_CTX_new failed");
        goto done;
    }
    if (cafile != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
            common_fail("cannot load the CA file");
            goto done;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    if (cert != NULL
        && (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1)) {
        common_fail("cannot load the client certificate or key");
        goto done;
    }
    fd = common_udp_connect(host ? host : "localhost", port, &peer);
    if (fd < 0)
        goto done;
    ssl = SSL_new(ctx);
    bio = BIO_new_dgram(fd, BIO_CLOSE);
    if (ssl == NULL || bio == NULL) {
        if (bio != NULL)
            BIO_free(bio);
        else
            close(fd);
        common_fail("cannot create the SSL object or datagram BIO");
        goto done;
    }
    (void)BIO_ctrl_set_connected(bio, &peer);
    tv.tv_sec = 0;
    tv.tv_usec = 200000;
    BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_RECV_TIMEOUT, 0, &tv);
    SSL_set_bio(ssl, bio, bio);
    if (!common_handshake(ssl, fd, 0, SSL_connect))
        goto done;
    if (!quiet)
        common_print_summary(ssl, 0);
    for (i = 0; i < count; i++) {
        size_t n = make_message(out, (size_t)size, i, text);
        int got;

        if (SSL_write(ssl, out, (int)n) != (int)n) {
            common_fail("SSL_write failed");
            goto done;
        }
        got = read_echo(ssl, in, (int)sizeof(in), wait_s);
        if (got < 0)
            goto done;
        if ((size_t)got != n || memcmp(in, out, n) != 0) {
            fprintf(stderr, "%s: echo %ld differs (sent %zu bytes, got %d)\n", common_prog, i,
                    n, got);
            goto done;
        }
        fwrite(in, 1, (size_t)got, stdout);
        if (in[got - 1] != '\n')
            fputc('\n', stdout);
        ok++;
    }
    fflush(stdout);
    if (SSL_shutdown(ssl) < 0) {
        common_fail("SSL_shutdown failed");
        goto done;
    }
    if (!quiet)
        fprintf(stderr, "%s: %ld/%ld echoes ok\n", common_prog, ok, count);
    status = 0;
done:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    free(host);
    free(port);
    return status;
}
