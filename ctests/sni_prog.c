/*
 * sni_prog.c - server-side SNI through the OpenSSL API, in one process over memory BIOs.
 *
 *   sni_prog DEFAULT_CERT DEFAULT_KEY SECOND_CERT SECOND_KEY
 *
 * Built against rdtls and against the system OpenSSL; the ctest (t_sni.sh) runs both and
 * requires the same output. A server SSL_CTX with the default certificate has a servername
 * callback that, by the name the client sends, switches to a second SSL_CTX
 * (SSL_set_SSL_CTX) and returns SSL_TLSEXT_ERR_OK, returns SSL_TLSEXT_ERR_NOACK, or
 * SSL_TLSEXT_ERR_ALERT_FATAL with *al = access_denied or left as unrecognized_name. A third
 * server context has no certificate: its certificate callback (SSL_CTX_set_cert_cb) loads
 * one by SNI after the ClientHello, fails, or (retry.test) twice asks to be called again
 * (-1, SSL_ERROR_WANT_X509_LOOKUP). For each case the program prints what each
 * side saw: handshake result, the certificate subject, whether the server acknowledged
 * server_name (RFC 6066 §3; ServerHello on 1.2, EncryptedExtensions on 1.3), SSL_get_servername on the server, the callbacks'
 * view (name, whether SSL_get_sigalgs reported the client's list) and the server's error
 * reason. (The client's reaction to the plaintext alert is not printed: rdtls obeys it only
 * at its next retransmission timer, see rdtls::deviations.)
 *
 * Memory BIOs are byte streams: the pump re-cuts what one side wrote at DTLS record
 * boundaries (13-byte header, length in bytes 11-12; RFC 6347 §4.1) and hands the peer one
 * record per BIO_read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "mem_pair.h"

#define MAX_ROUNDS 200

static const char *files[4];
static SSL_CTX *second_ctx;
static char seen[256];     /* what the callbacks saw, one case at a time */
static int server_hello_ack; /* -1: no ServerHello seen, 0/1: server_name ack absent/present */
static char alerts_sent[64]; /* "level/description " for each alert the server sent */
static int cert_cb_calls;    /* calls of cert_cb in the current case */

/* Appends to `seen`. */
static void note(const char *who, SSL *s)
{
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    int n = SSL_get_sigalgs(s, -1, NULL, NULL, NULL, NULL, NULL);
    size_t len = strlen(seen);

    snprintf(seen + len, sizeof(seen) - len, "%s(name=%s sigalgs=%s) ", who,
             name ? name : "-", n > 0 ? "yes" : "no");
}

static int servername_cb(SSL *s, int *al, void *arg)
{
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);

    (void)arg;
    note("servername_cb", s);
    if (name == NULL)
        return SSL_TLSEXT_ERR_OK;
    if (strcmp(name, "second.test") == 0) {
        if (SSL_set_SSL_CTX(s, second_ctx) != second_ctx)
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        return SSL_TLSEXT_ERR_OK;
    }
    if (strcmp(name, "noack.test") == 0)
        return SSL_TLSEXT_ERR_NOACK;
    if (strcmp(name, "denied.test") == 0) {
        *al = SSL_AD_ACCESS_DENIED;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (strcmp(name, "fatal.test") == 0)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    return SSL_TLSEXT_ERR_OK;
}

static int cert_cb(SSL *s, void *arg)
{
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    int second = name != NULL && strcmp(name, "second.test") == 0;

    (void)arg;
    note("cert_cb", s);
    cert_cb_calls++;
    if (name != NULL && strcmp(name, "fail.test") == 0)
        return 0;
    /* "retry.test": not ready for the first two calls (SSL_ERROR_WANT_X509_LOOKUP). */
    if (name != NULL && strcmp(name, "retry.test") == 0 && cert_cb_calls <= 2)
        return -1;
    return SSL_use_certificate_chain_file(s, files[second ? 2 : 0]) == 1
           && SSL_use_PrivateKey_file(s, files[second ? 3 : 1], SSL_FILETYPE_PEM) == 1;
}

/* Records the alerts the server sends. */
static void server_msg_cb(int write_p, int version, int content_type, const void *buf,
                          size_t len, SSL *ssl, void *arg)
{
    const unsigned char *p = buf;
    size_t n = strlen(alerts_sent);

    (void)version;
    (void)ssl;
    (void)arg;
    if (write_p && content_type == SSL3_RT_ALERT && len == 2)
        snprintf(alerts_sent + n, sizeof(alerts_sent) - n, "%d/%d ", p[0], p[1]);
}

/* Records whether the server acknowledged server_name: in the ServerHello (DTLS 1.2) or in
 * EncryptedExtensions (DTLS 1.3, RFC 8446 §4.3.1), both as the message callback shows them
 * (12-byte DTLS handshake header first). */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    const unsigned char *p = buf;
    size_t i, end;

    (void)version;
    (void)ssl;
    (void)arg;
    if (write_p || content_type != SSL3_RT_HANDSHAKE || len < 12)
        return;
    if (p[0] == SSL3_MT_SERVER_HELLO) {
        server_hello_ack = 0;
        i = 12 + 2 + 32; /* DTLS handshake header, version, random */
        if (i >= len)
            return;
        i += 1 + p[i] + 2 + 1; /* session_id, cipher suite, compression */
    } else if (p[0] == SSL3_MT_ENCRYPTED_EXTENSIONS) { /* the extension list only */
        i = 12;
    } else {
        return;
    }
    if (i + 2 > len)
        return;
    end = i + 2 + (size_t)((p[i] << 8) | p[i + 1]);
    for (i += 2; i + 4 <= end && i + 4 <= len; i += 4 + (size_t)((p[i + 2] << 8) | p[i + 3]))
        if (p[i] == 0 && p[i + 1] == 0)
            server_hello_ack = 1;
}

struct side {
    SSL *ssl;
    BIO *in, *out;
    int done, failed;
    int reason; /* the error reason when the handshake failed */
    int lookups; /* SSL_ERROR_WANT_X509_LOOKUP returns */
    int want_lookup;
};

/* The reason of the last error on the queue (0 when empty), and clears the queue. */
static int last_reason(void)
{
    unsigned long e, last = 0;

    while ((e = ERR_get_error()) != 0)
        last = e;
    return ERR_GET_REASON(last);
}

static void step(struct side *s)
{
    int r;

    if (s->done || s->failed)
        return;
    r = SSL_do_handshake(s->ssl);
    if (r == 1)
        s->done = 1;
    else if (SSL_get_error(s->ssl, r) == SSL_ERROR_WANT_X509_LOOKUP) {
        s->lookups++;
        s->want_lookup = SSL_want_x509_lookup(s->ssl);
    } else if (SSL_get_error(s->ssl, r) != SSL_ERROR_WANT_READ) {
        s->failed = 1;
        s->reason = last_reason();
    }
}

/* Moves what `from` wrote to `to`, one record at a time. */
static int pump(struct side *from, struct side *to)
{
    static unsigned char buf[65536];
    int len = 0, off = 0, moved = 0, n;

    while (len < (int)sizeof(buf) && (n = BIO_read(from->out, buf + len, (int)sizeof(buf) - len)) > 0)
        len += n;
    while (off < len) {
        int rec = mem_pair_record_len(buf + off, len - off);

        BIO_write(to->in, buf + off, rec);
        off += rec;
        moved++;
        step(to);
    }
    return moved;
}

static int make_side(struct side *s, SSL_CTX *ctx, int server)
{
    memset(s, 0, sizeof(*s));
    s->ssl = SSL_new(ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    if (s->ssl == NULL || s->in == NULL || s->out == NULL)
        return 0;
    (void)BIO_set_mem_eof_return(s->in, -1);
    (void)BIO_set_mem_eof_return(s->out, -1);
    SSL_set_bio(s->ssl, s->in, s->out);
    SSL_set_options(s->ssl, SSL_OP_NO_QUERY_MTU);
    (void)DTLS_set_link_mtu(s->ssl, 1400);
    if (server)
        SSL_set_accept_state(s->ssl);
    else
        SSL_set_connect_state(s->ssl);
    return 1;
}

static void run_case(const char *label, SSL_CTX *sctx, SSL_CTX *cctx, const char *name)
{
    struct side c, s;
    char subject[256] = "-";
    const char *sni;
    int rounds;

    seen[0] = '\0';
    server_hello_ack = -1;
    alerts_sent[0] = '\0';
    ERR_clear_error();
    if (!make_side(&c, cctx, 0) || !make_side(&s, sctx, 1)) {
        printf("%s: cannot create the SSL objects\n", label);
        exit(1);
    }
    if (name != NULL)
        SSL_set_tlsext_host_name(c.ssl, name);
    SSL_set_msg_callback(c.ssl, msg_cb);
    SSL_set_msg_callback(s.ssl, server_msg_cb);
    step(&c);
    cert_cb_calls = 0;
    for (rounds = 0; rounds < MAX_ROUNDS && !(c.done && s.done) && !c.failed; rounds++) {
        int moved = pump(&c, &s) + pump(&s, &c);

        if (s.want_lookup) {
            /* The application has what the certificate callback waited for: call again. */
            s.want_lookup = 0;
            step(&s);
            continue;
        }
        if (moved == 0)
            break;
    }
    if (c.done) {
        X509 *peer = SSL_get1_peer_certificate(c.ssl);

        if (peer != NULL) {
            X509_NAME_oneline(X509_get_subject_name(peer), subject, (int)sizeof(subject));
            X509_free(peer);
        }
    }
    sni = SSL_get_servername(s.ssl, TLSEXT_NAMETYPE_host_name);
    printf("%s: client=%s server=%s subject=%s ack=%s servername=%s\n", label,
           c.done ? "ok" : "failed", s.done ? "ok" : "failed", subject,
           server_hello_ack < 0 ? "-" : server_hello_ack ? "yes" : "no", sni ? sni : "-");
    printf("%s: callbacks %s\n", label, seen[0] ? seen : "none");
    /* The protocol on stderr, out of the compared output: t_sni.sh checks the 1.3 run. */
    if (c.done)
        fprintf(stderr, "%s: %s\n", label, SSL_get_version(c.ssl));
    if (s.lookups > 0)
        printf("%s: SSL_ERROR_WANT_X509_LOOKUP %d times, cert_cb called %d times\n", label,
               s.lookups, cert_cb_calls);
    if (!s.done)
        printf("%s: server error reason %d, alerts sent %s\n", label, s.reason, alerts_sent);
    ERR_clear_error();
    SSL_free(c.ssl);
    SSL_free(s.ssl);
}

static SSL_CTX *server_ctx(const char *cert, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_server_method());

    if (ctx == NULL)
        exit(1);
    if (cert != NULL
        && (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)) {
        fprintf(stderr, "cannot load %s / %s\n", cert, key);
        exit(1);
    }
    return ctx;
}

int main(int argc, char **argv)
{
    SSL_CTX *sctx, *certcb_ctx, *cctx;
    static const char *const names[] = {"second.test", "other.test", "noack.test",
                                        "denied.test", "fatal.test", NULL};
    char label[64];
    size_t i;

    if (argc != 5) {
        fprintf(stderr, "usage: sni_prog DEFAULT_CERT DEFAULT_KEY SECOND_CERT SECOND_KEY\n");
        return 2;
    }
    for (i = 0; i < 4; i++)
        files[i] = argv[i + 1];
    sctx = server_ctx(files[0], files[1]);
    second_ctx = server_ctx(files[2], files[3]);
    SSL_CTX_set_tlsext_servername_callback(sctx, servername_cb);
    certcb_ctx = server_ctx(NULL, NULL);
    SSL_CTX_set_cert_cb(certcb_ctx, cert_cb, NULL);
    cctx = SSL_CTX_new(DTLS_client_method());
    if (cctx == NULL)
        return 1;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(label, sizeof(label), "servername %s", names[i] ? names[i] : "(none)");
        run_case(label, sctx, cctx, names[i]);
    }
    run_case("cert_cb second.test", certcb_ctx, cctx, "second.test");
    run_case("cert_cb other.test", certcb_ctx, cctx, "other.test");
    run_case("cert_cb fail.test", certcb_ctx, cctx, "fail.test");
    run_case("cert_cb retry.test", certcb_ctx, cctx, "retry.test");
    SSL_CTX_free(sctx);
    SSL_CTX_free(second_ctx);
    SSL_CTX_free(certcb_ctx);
    SSL_CTX_free(cctx);
    return 0;
}
