/*
 * mem_bio.c - rdtls-mem-bio: a DTLS client and server in one process over memory BIOs.
 *
 *   rdtls-mem-bio -cert server.pem -key server.key [-CAfile ca.pem] [-text message]
 *                 [-mtu n] [-msg] [-ciphersuites list]
 *
 * -ciphersuites: the TLS 1.3 suites both sides allow (SSL_CTX_set_ciphersuites), for DTLS 1.3.
 *
 * Each side reads from one BIO_s_mem() and writes to another; BIO_set_mem_eof_return(b, -1)
 * makes an empty BIO read as "retry" (SSL_ERROR_WANT_READ) instead of EOF. A memory BIO is
 * a byte stream and forgets datagram boundaries, so the pump below re-cuts the bytes a side
 * wrote at DTLS record boundaries (13-byte header, length in bytes 11-12; RFC 6347 §4.1)
 * and moves ONE record at a time: it writes it into the peer's read BIO and lets the peer
 * consume it (one BIO_read) before it writes the next. The client then sends a message,
 * the server echoes it, and both close with close_notify. Exit status 0 on success.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#define RECORD_HEADER_LEN 13
/* Bound on pump rounds: a DTLS 1.2 handshake needs about ten. */
#define MAX_ROUNDS 200

struct side {
    const char *name;
    SSL *ssl;
    BIO *in;  /* the SSL reads from here */
    BIO *out; /* the SSL writes here */
    char got[4096];
    size_t got_len;
    int closed; /* received close_notify */
    int failed;
};

/* Lets s make progress: the handshake, then reading application data. */
static void step(struct side *s)
{
    int r, err;

    if (s->failed || s->closed)
        return;
    if (!SSL_is_init_finished(s->ssl)) {
        r = SSL_do_handshake(s->ssl);
        if (r == 1)
            return;
    } else {
        r = SSL_read(s->ssl, s->got + s->got_len, (int)(sizeof(s->got) - s->got_len));
        if (r > 0) {
            s->got_len += (size_t)r;
            return;
        }
    }
    err = SSL_get_error(s->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return;
    if (err == SSL_ERROR_ZERO_RETURN) {
        s->closed = 1;
        return;
    }
    fprintf(stderr, "rdtls-mem-bio: %s failed (%s)\n", s->name, common_ssl_error_name(err));
    ERR_print_errors_fp(stderr);
    s->failed = 1;
}

/* Length of the record at p (n bytes available): DTLS 1.2's 13-byte header, or DTLS 1.3's
 * unified header (RFC 9147 §4: 001CSLEE, no CID in this program), whose record without a
 * length field runs to the end of what is there. Anything unknown: the rest. */
static int record_len(const unsigned char *p, int n)
{
    int hdr, body;

    if ((p[0] & 0xE0) == 0x20) {
        hdr = 1 + ((p[0] & 0x08) ? 2 : 1);
        if ((p[0] & 0x10) || !(p[0] & 0x04) || n < hdr + 2)
            return n;
        body = (p[hdr] << 8) | p[hdr + 1];
        hdr += 2;
    } else {
        if (n < RECORD_HEADER_LEN)
            return n;
        hdr = RECORD_HEADER_LEN;
        body = (p[11] << 8) | p[12];
    }
    return hdr + body <= n ? hdr + body : n;
}

/* Moves everything `from` wrote to `to`, one DTLS record (= one datagram) per BIO_write,
 * stepping `to` after each so that each of its BIO_reads sees exactly one. Returns the
 * number of records moved. */
static int pump(struct side *from, struct side *to)
{
    static unsigned char buf[65536];
    int len = 0, off = 0, moved = 0, n;

    while ((size_t)len < sizeof(buf)
           && (n = BIO_read(from->out, buf + len, (int)sizeof(buf) - len)) > 0)
        len += n;
    while (off < len) {
        int rec = record_len(buf + off, len - off);

        BIO_write(to->in, buf + off, rec);
        off += rec;
        moved++;
        step(to);
    }
    return moved;
}

static int make_side(struct side *s, const char *name, SSL_CTX *ctx, int is_server, long mtu,
                     int msg)
{
    memset(s, 0, sizeof(*s));
    s->name = name;
    s->ssl = SSL_new(ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    if (s->ssl == NULL || s->in == NULL || s->out == NULL) {
        BIO_free(s->in);
        BIO_free(s->out);
        return 0;
    }
    (void)BIO_set_mem_eof_return(s->in, -1);
    (void)BIO_set_mem_eof_return(s->out, -1);
    SSL_set_bio(s->ssl, s->in, s->out); /* the SSL owns both BIOs now */
    /* A memory BIO cannot report a path MTU: set one. */
    SSL_set_options(s->ssl, SSL_OP_NO_QUERY_MTU);
    (void)DTLS_set_link_mtu(s->ssl, mtu);
    if (msg)
        SSL_set_msg_callback(s->ssl, common_msg_cb);
    if (is_server)
        SSL_set_accept_state(s->ssl);
    else
        SSL_set_connect_state(s->ssl);
    return 1;
}

int main(int argc, char **argv)
{
    const char *cert = NULL, *key = NULL, *cafile = NULL, *text = "hello over memory BIOs";
    const char *suites13 = NULL;
    long mtu = 1400;
    int msg = 0, i, rounds, status = 1;
    SSL_CTX *sctx = NULL, *cctx = NULL;
    struct side client, server;

    common_prog = "rdtls-mem-bio";
    memset(&client, 0, sizeof(client));
    memset(&server, 0, sizeof(server));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "-msg") == 0) { msg = 1; continue; }
        if (v == NULL) {
            fprintf(stderr, "%s: bad or incomplete option %s\n", common_prog, a);
            return 1;
        }
        i++;
        if (strcmp(a, "-cert") == 0) cert = v;
        else if (strcmp(a, "-key") == 0) key = v;
        else if (strcmp(a, "-CAfile") == 0) cafile = v;
        else if (strcmp(a, "-text") == 0) text = v;
        else if (strcmp(a, "-mtu") == 0) mtu = atol(v);
        else if (strcmp(a, "-ciphersuites") == 0) suites13 = v;
        else {
            fprintf(stderr, "%s: unknown option %s\n", common_prog, a);
            return 1;
        }
    }
    if (cert == NULL || strlen(text) == 0 || strlen(text) >= sizeof(server.got)) {
        fprintf(stderr, "usage: rdtls-mem-bio -cert f -key f [-CAfile f] [-text msg] "
                        "[-mtu n] [-msg] [-ciphersuites list]\n");
        return 1;
    }
    sctx = SSL_CTX_new(DTLS_server_method());
    cctx = SSL_CTX_new(DTLS_client_method());
    if (sctx == NULL || cctx == NULL) {
        common_fail("SSL_CTX_new failed");
        goto done;
    }
    if (suites13 != NULL
        && (SSL_CTX_set_ciphersuites(sctx, suites13) != 1
            || SSL_CTX_set_ciphersuites(cctx, suites13) != 1)) {
        common_fail("SSL_CTX_set_ciphersuites failed");
        goto done;
    }
    if (SSL_CTX_use_certificate_chain_file(sctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(sctx, key ? key : cert, SSL_FILETYPE_PEM) != 1) {
        common_fail("cannot load the server certificate or key");
        goto done;
    }
    if (cafile != NULL) {
        if (SSL_CTX_load_verify_locations(cctx, cafile, NULL) != 1) {
            common_fail("cannot load the CA file");
            goto done;
        }
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    }
    if (!make_side(&client, "client", cctx, 0, mtu, msg)
        || !make_side(&server, "server", sctx, 1, mtu, msg)) {
        common_fail("cannot create the SSL objects");
        goto done;
    }

    /* Handshake: the client speaks first; pump until both sides are done. */
    step(&client);
    for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
        int moved = pump(&client, &server) + pump(&server, &client);
        if (client.failed || server.failed)
            goto done;
        if (SSL_is_init_finished(client.ssl) && SSL_is_init_finished(server.ssl) && moved == 0)
            break;
        if (moved == 0) {
            fprintf(stderr, "%s: handshake stalled\n", common_prog);
            goto done;
        }
    }
    if (rounds == MAX_ROUNDS) {
        fprintf(stderr, "%s: handshake did not finish in %d rounds\n", common_prog, rounds);
        goto done;
    }
    printf("handshake done in %d rounds\n", rounds);
    printf("client: %s %s\n", SSL_get_version(client.ssl),
           SSL_CIPHER_get_name(SSL_get_current_cipher(client.ssl)));

    /* Application data: client -> server, echo server -> client. */
    if (SSL_write(client.ssl, text, (int)strlen(text)) != (int)strlen(text)) {
        common_fail("client SSL_write failed");
        goto done;
    }
    pump(&client, &server);
    printf("server received: %.*s\n", (int)server.got_len, server.got);
    if (server.got_len != strlen(text) || memcmp(server.got, text, server.got_len) != 0) {
        fprintf(stderr, "%s: server received the wrong bytes\n", common_prog);
        goto done;
    }
    if (SSL_write(server.ssl, server.got, (int)server.got_len) != (int)server.got_len) {
        common_fail("server SSL_write failed");
        goto done;
    }
    pump(&server, &client);
    printf("client received: %.*s\n", (int)client.got_len, client.got);
    if (client.got_len != strlen(text) || memcmp(client.got, text, client.got_len) != 0) {
        fprintf(stderr, "%s: client received the wrong bytes\n", common_prog);
        goto done;
    }

    /* Closure: client close_notify -> server sees ZERO_RETURN and answers. */
    if (SSL_shutdown(client.ssl) != 0) {
        common_fail("client SSL_shutdown did not return 0 (sent, not yet received)");
        goto done;
    }
    pump(&client, &server);
    if (!server.closed) {
        fprintf(stderr, "%s: server did not see close_notify\n", common_prog);
        goto done;
    }
    if (SSL_shutdown(server.ssl) != 1) {
        common_fail("server SSL_shutdown did not return 1");
        goto done;
    }
    pump(&server, &client);
    if (SSL_shutdown(client.ssl) != 1) {
        common_fail("client SSL_shutdown did not complete");
        goto done;
    }
    printf("both sides closed with close_notify\n");
    status = 0;
done:
    fflush(stdout);
    SSL_free(client.ssl);
    SSL_free(server.ssl);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return status;
}
