/*
 * psk_unknown.c - a PSK server whose callback does not know the client's identity
 * (returns 0). RFC 4279 section 2: the server then answers with an unknown_psk_identity
 * alert. Client and server run in this process over memory BIOs. Prints, for each side,
 * the SSL_get_error value and the reason of the first error-queue entry, so that
 * t_psk.sh can diff the build against system OpenSSL and the build against rdtls.
 * rdtls holds a plaintext alert received during the handshake until the handshake makes no
 * progress across two retransmission timer expiries (src/input_policy.rs; RFC 6347
 * section 4.1.2.7), so the client waits out its timer (100 ms initial, DTLS_set_timer_cb)
 * a few times before the alert ends it; OpenSSL obeys the alert at once. The printed
 * result is the same.
 * Exit status: 0 when both sides failed the handshake, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/time.h>
#include <time.h>

#include "mem_pair.h"


static unsigned int client_cb(SSL *ssl, const char *hint, char *identity,
                              unsigned int max_identity_len, unsigned char *psk,
                              unsigned int max_psk_len)
{
    (void)ssl;
    (void)hint;
    if (max_identity_len < 9 || max_psk_len < 16)
        return 0;
    memcpy(identity, "stranger", 9);
    memset(psk, 0x42, 16);
    return 16;
}

/* Knows no identity at all. */
static unsigned int server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                              unsigned int max_psk_len)
{
    (void)ssl;
    (void)identity;
    (void)psk;
    (void)max_psk_len;
    return 0;
}

/* 100 ms initial retransmission timer, doubled as OpenSSL's default would be. */
static unsigned int timer_cb(SSL *ssl, unsigned int previous_us)
{
    (void)ssl;
    return previous_us == 0 ? 100000 : previous_us * 2;
}

/* One handshake step; returns 1 while the handshake is still going. */
static int step(SSL *ssl, const char *who, int *failed)
{
    int r, e;
    unsigned long err;
    const char *reason;

    if (*failed)
        return 0;
    r = SSL_do_handshake(ssl);
    if (r == 1) {
        printf("%s: handshake succeeded\n", who);
        return 0;
    }
    e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 1;
    err = ERR_peek_error();
    reason = ERR_reason_error_string(err);
    printf("%s: SSL_get_error %d, reason: %s\n", who, e, reason != NULL ? reason : "(none)");
    ERR_clear_error();
    *failed = 1;
    return 0;
}

int main(void)
{
    SSL_CTX *cctx = SSL_CTX_new(DTLS_client_method());
    SSL_CTX *sctx = SSL_CTX_new(DTLS_server_method());
    SSL *c, *s;
    BIO *c_out, *s_out;
    int cfail = 0, sfail = 0, rounds, cgo = 1, sgo = 1;

    if (cctx == NULL || sctx == NULL
        || SSL_CTX_set_cipher_list(cctx, "PSK-AES128-CCM8") != 1
        || SSL_CTX_set_cipher_list(sctx, "PSK-AES128-CCM8") != 1) {
        fprintf(stderr, "psk_unknown: cannot set up contexts\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_psk_client_callback(cctx, client_cb);
    SSL_CTX_set_psk_server_callback(sctx, server_cb);
    c = mem_pair_end(cctx, &c_out, 0);
    s = mem_pair_end(sctx, &s_out, 1);
    if (c == NULL || s == NULL) {
        fprintf(stderr, "psk_unknown: cannot create SSL or BIO\n");
        return 1;
    }
    DTLS_set_timer_cb(c, timer_cb);
    DTLS_set_timer_cb(s, timer_cb);
    for (rounds = 0; rounds < 20 && (cgo || sgo); rounds++) {
        cgo = step(c, "client", &cfail);
        mem_pair_move(c_out, SSL_get_rbio(s));
        sgo = step(s, "server", &sfail);
        mem_pair_move(s_out, SSL_get_rbio(c));
    }
    /* The client waits out its timer (at most 6 expiries, a few seconds in all). */
    for (rounds = 0; rounds < 6 && !cfail; rounds++) {
        struct timeval tv = { 0, 0 };
        if (DTLSv1_get_timeout(c, &tv) == 1) {
            struct timespec ts = { tv.tv_sec, tv.tv_usec * 1000L + 1000000L };
            nanosleep(&ts, NULL);
            (void)DTLSv1_handle_timeout(c);
        }
        (void)BIO_reset(c_out);
        (void)step(c, "client", &cfail);
    }
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return cfail && sfail ? 0 : 1;
}
