/*
 * dccp_echo.c - rdtls-dccp-echo: DTLS 1.2 over DCCP (RFC 5238), client and server.
 *
 *   rdtls-dccp-echo -server [-accept [host:]port] [-cert f -key f] [-service_code n] [-n N]
 *   rdtls-dccp-echo -client [-connect host:port] [-CAfile f] [-service_code n] [-n N]
 *
 * One DTLS connection per DCCP connection (RFC 5238 §3.4). After the handshake the client
 * sends N numbered records and checks each echo; then the server sends N and checks each
 * echo; then the client closes with close_notify and both wait for the other's
 * (RFC 5246 §7.2.1). Each side prints its handshake summary, DCCP's current maximum packet
 * size, the echo counts and "clean close" on stderr; the exit status is 0 only when all of
 * it succeeded.
 *
 * Both sides wrap the connected DCCP socket in BIO_new_dgram() marked connected; -setfd
 * uses SSL_set_fd() instead (rdtls then picks its datagram BIO; OpenSSL 3.0 would use a
 * plain socket BIO). -app_mtu makes the application set the DTLS MTU from the MPS itself
 * (SSL_OP_NO_QUERY_MTU + SSL_set_mtu), which a program needs with OpenSSL: its datagram
 * BIO sizes records from the IP path MTU, not from DCCP's MPS. rdtls reads the MPS itself.
 *
 * DCCP refuses a send while its transmit queue is full (EAGAIN even on a blocking socket);
 * SSL_get_error then reports WANT_WRITE and the call is simply repeated.
 */
#include "common.h"
#include "dccp_sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

struct options {
    int server;
    const char *addr;
    const char *cert;
    const char *key;
    const char *cafile;
    unsigned long service;
    long n;
    int setfd;
    int app_mtu;
};

static void usage(void)
{
    fprintf(stderr,
            "usage: rdtls-dccp-echo -server|-client [options]\n"
            " -accept [host:]port  server address (default 4433; 0 = any free port)\n"
            " -connect host:port   server to connect to (default 127.0.0.1:4433)\n"
            " -cert file -key file server certificate chain and key (default server.pem)\n"
            " -CAfile file         client: verify the server against these CAs\n"
            " -service_code n      DCCP service code (default 1; decimal or 0x hex)\n"
            " -n N                 echoes in each direction (default 1000)\n"
            " -setfd               SSL_set_fd() instead of BIO_new_dgram()\n"
            " -app_mtu             the application sets the MTU from DCCP's MPS\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->cert = "server.pem";
    o->service = 1;
    o->n = 1000;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v;

        if (strcmp(a, "-server") == 0) o->server = 1;
        else if (strcmp(a, "-client") == 0) o->server = 0;
        else if (strcmp(a, "-setfd") == 0) o->setfd = 1;
        else if (strcmp(a, "-app_mtu") == 0) o->app_mtu = 1;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "-help") == 0) {
            usage();
            exit(0);
        } else {
            v = common_opt_arg(a, argc, argv, &i);
            if (v == NULL)
                return 0;
            if (strcmp(a, "-accept") == 0 || strcmp(a, "-connect") == 0) o->addr = v;
            else if (strcmp(a, "-cert") == 0) o->cert = v;
            else if (strcmp(a, "-key") == 0) o->key = v;
            else if (strcmp(a, "-CAfile") == 0) o->cafile = v;
            else if (strcmp(a, "-n") == 0) o->n = atol(v);
            else if (strcmp(a, "-service_code") == 0) {
                if (!dccp_sock_parse_service(v, &o->service)) {
                    fprintf(stderr, "%s: bad -service_code %s\n", common_prog, v);
                    return 0;
                }
            } else {
                fprintf(stderr, "%s: unknown option %s\n", common_prog, a);
                usage();
                return 0;
            }
        }
    }
    if (o->n < 0 || o->n > 10000000) {
        fprintf(stderr, "%s: bad -n value\n", common_prog);
        return 0;
    }
    if (o->addr == NULL)
        o->addr = o->server ? "4433" : "127.0.0.1:4433";
    return 1;
}

/* Repeats op while it reports WANT_READ/WANT_WRITE (blocking socket: a receive timeout
 * that is the DTLS timer, or a full DCCP transmit queue). Returns op's result > 0, or
 * <= 0 with *err set. */
static int retry(SSL *ssl, int (*op)(SSL *, void *, int), void *buf, int len, int *err)
{
    struct timespec pause = {0, 1000000}; /* 1 ms: let DCCP drain its queue */

    for (;;) {
        int r = op(ssl, buf, len);

        if (r > 0)
            return r;
        *err = SSL_get_error(ssl, r);
        if (*err == SSL_ERROR_WANT_WRITE) {
            nanosleep(&pause, NULL);
            continue;
        }
        if (*err == SSL_ERROR_WANT_READ) {
            if (DTLSv1_handle_timeout(ssl) < 0)
                return r;
            continue;
        }
        return r;
    }
}

static int do_read(SSL *ssl, void *buf, int len) { return SSL_read(ssl, buf, len); }
static int do_write(SSL *ssl, void *buf, int len) { return SSL_write(ssl, buf, len); }
static int do_connect(SSL *ssl, void *buf, int len) { (void)buf; (void)len; return SSL_connect(ssl); }
static int do_accept(SSL *ssl, void *buf, int len) { (void)buf; (void)len; return SSL_accept(ssl); }

/* Sends n records "ping <side> <i>" and checks that each comes back unchanged. */
static long ping(SSL *ssl, long n, const char *side)
{
    char out[64], in[COMMON_MAX_DATAGRAM];
    long i, ok = 0;
    int err = 0;

    for (i = 0; i < n; i++) {
        int len = snprintf(out, sizeof(out), "ping %s %ld", side, i), r;

        if (retry(ssl, do_write, out, len, &err) <= 0)
            break;
        r = retry(ssl, do_read, in, (int)sizeof(in), &err);
        if (r <= 0)
            break;
        if (r == len && memcmp(in, out, (size_t)len) == 0)
            ok++;
    }
    if (i < n)
        fprintf(stderr, "%s: ping %ld failed (%s)\n", common_prog, i, common_ssl_error_name(err));
    return ok;
}

/* Echoes n records back. Returns how many it echoed. */
static long echo(SSL *ssl, long n)
{
    char buf[COMMON_MAX_DATAGRAM];
    long i;
    int err = 0;

    for (i = 0; i < n; i++) {
        int r = retry(ssl, do_read, buf, (int)sizeof(buf), &err);

        if (r <= 0 || retry(ssl, do_write, buf, r, &err) <= 0) {
            fprintf(stderr, "%s: echo %ld failed (%s)\n", common_prog, i,
                    common_ssl_error_name(err));
            break;
        }
    }
    return i;
}

/* close_notify both ways: ours, then wait for the peer's (or answer it). */
static int close_cleanly(SSL *ssl)
{
    char buf[256];
    int r, err = 0, tries;

    for (tries = 0; tries < 1000; tries++) {
        r = SSL_shutdown(ssl);
        if (r == 1)
            return 1;
        if (r == 0) {
            /* Our close_notify is out: read until the peer's arrives. */
            r = retry(ssl, do_read, buf, (int)sizeof(buf), &err);
            if (r <= 0 && err == SSL_ERROR_ZERO_RETURN)
                continue;
            if (r <= 0)
                return 0;
            continue;
        }
        err = SSL_get_error(ssl, r);
        if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ)
            return 0;
    }
    return 0;
}

/* Server side of close: wait for the client's close_notify, then answer it. */
static int await_close(SSL *ssl)
{
    char buf[256];
    int err = 0, r = retry(ssl, do_read, buf, (int)sizeof(buf), &err);

    if (r > 0 || err != SSL_ERROR_ZERO_RETURN)
        return 0;
    return SSL_shutdown(ssl) == 1;
}

static SSL_CTX *make_ctx(const struct options *o)
{
    SSL_CTX *ctx = SSL_CTX_new(o->server ? DTLS_server_method() : DTLS_client_method());

    if (ctx == NULL)
        return NULL;
    if (o->server) {
        const char *key = o->key != NULL ? o->key : o->cert;

        if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
            SSL_CTX_free(ctx);
            return NULL;
        }
    } else if (o->cafile != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, o->cafile, NULL) != 1) {
            SSL_CTX_free(ctx);
            return NULL;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return ctx;
}

/* Prints the size of the peer's certificate chain: with a chain larger than the MPS the
 * Certificate message must have been fragmented across DCCP packets (RFC 5238 §3). */
static void print_chain(SSL *ssl, long mps)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    int i, n = chain != NULL ? sk_X509_num(chain) : 0;
    long bytes = 0;

    for (i = 0; i < n; i++) {
        int len = i2d_X509(sk_X509_value(chain, i), NULL);

        if (len > 0)
            bytes += len;
    }
    fprintf(stderr, "%s: peer certificate chain: %d certificate(s), %ld bytes DER%s\n",
            common_prog, n, bytes,
            mps > 0 && bytes > mps ? " (larger than the MPS: fragmented)" : "");
}

/* Attaches the connected DCCP socket fd to ssl. Returns 1 on success. */
static int attach(SSL *ssl, int fd, const common_addr *peer, const struct options *o)
{
    if (o->setfd) {
        if (SSL_set_fd(ssl, fd) != 1)
            return 0;
    } else {
        BIO *bio = BIO_new_dgram(fd, BIO_NOCLOSE);

        if (bio == NULL)
            return 0;
        (void)BIO_ctrl_set_connected(bio, (BIO_ADDR *)peer);
        SSL_set_bio(ssl, bio, bio);
    }
    if (o->app_mtu) {
        long mps = dccp_sock_mps(fd);

        SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
        if (mps <= 0 || !SSL_set_mtu(ssl, mps))
            return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    struct options o;
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    common_addr addr, peer;
    char *host = NULL, *port = NULL, who[80];
    int lfd = -1, fd = -1, err = 0, ok = 0;
    long there = 0, back = 0;

    common_prog = "rdtls-dccp-echo";
    if (!parse_args(argc, argv, &o))
        return 2;
    if (!common_split_hostport(o.addr, &host, &port)) {
        fprintf(stderr, "%s: bad address %s\n", common_prog, o.addr);
        return 2;
    }
    ctx = make_ctx(&o);
    if (ctx == NULL) {
        common_fail("cannot set up the SSL_CTX");
        goto done;
    }
    if (o.server) {
        lfd = dccp_sock_listen(host, port, o.service, &addr);
        if (lfd < 0)
            goto done;
        common_addr_str(&addr, who, sizeof(who));
        fprintf(stderr, "ACCEPT %s (DCCP, service code %lu)\n", who, o.service);
        fflush(stderr);
        fd = dccp_sock_accept(lfd, &peer);
    } else {
        fd = dccp_sock_connect(host, port, o.service, &peer);
    }
    if (fd < 0)
        goto done;
    ssl = SSL_new(ctx);
    if (ssl == NULL || !attach(ssl, fd, &peer, &o)) {
        common_fail("cannot attach the DCCP socket");
        goto done;
    }
    if (retry(ssl, o.server ? do_accept : do_connect, NULL, 0, &err) != 1) {
        fprintf(stderr, "%s: handshake failed (%s)\n", common_prog, common_ssl_error_name(err));
        ERR_print_errors_fp(stderr);
        goto done;
    }
    common_addr_str(&peer, who, sizeof(who));
    fprintf(stderr, "%s: %s handshake with %s done over DCCP, MPS %ld\n", common_prog,
            o.server ? "server" : "client", who, dccp_sock_mps(fd));
    common_print_summary(ssl, o.server);
    if (!o.server)
        print_chain(ssl, dccp_sock_mps(fd));
    if (o.server) {
        there = echo(ssl, o.n);
        back = ping(ssl, o.n, "server");
        ok = await_close(ssl);
    } else {
        there = ping(ssl, o.n, "client");
        back = echo(ssl, o.n);
        ok = close_cleanly(ssl);
    }
    fprintf(stderr, "%s: %s: %ld/%ld echoes client->server->client, %ld/%ld server->client->server\n",
            common_prog, o.server ? "server" : "client", there, o.n, back, o.n);
    fprintf(stderr, "%s: %s\n", common_prog, ok ? "clean close (close_notify both ways)"
                                                 : "close failed");
    ok = ok && there == o.n && back == o.n;
done:
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    if (lfd >= 0)
        close(lfd);
    SSL_CTX_free(ctx);
    free(host);
    free(port);
    return ok ? 0 : 1;
}
