/*
 * webrtc_opts.c - -use_srtp, -alpn and -keymatexport for the example programs (see
 * webrtc_opts.h). Output lines match OpenSSL 3.0's s_client/s_server.
 */
#include "webrtc_opts.h"
#include "common.h"

#include <stdlib.h>
#include <string.h>

/* The ALPN list in wire form (each name prefixed by its length), built from -alpn. */
static unsigned char alpn_wire[1024];
static unsigned int alpn_wire_len;

/* "a,b,c" -> "\1a\1b\1c". Returns 0 on an empty name, a name over 255 bytes or overflow. */
static int alpn_to_wire(const char *list)
{
    const char *p = list;

    alpn_wire_len = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);

        if (n == 0 || n > 255 || alpn_wire_len + 1 + n > sizeof(alpn_wire))
            return 0;
        alpn_wire[alpn_wire_len++] = (unsigned char)n;
        memcpy(alpn_wire + alpn_wire_len, p, n);
        alpn_wire_len += (unsigned int)n;
        if (comma == NULL)
            return 1;
        p = comma + 1;
    }
}

/* As openssl s_server's callback: report the offer, pick the first of our protocols the
 * client lists, and fail the handshake (no_application_protocol) when there is none. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    unsigned int i;
    unsigned char *chosen = NULL;

    (void)ssl;
    (void)arg;
    fprintf(stdout, "ALPN protocols advertised by the client: ");
    for (i = 0; i < inlen; i += (unsigned int)in[i] + 1) {
        if (i > 0)
            fputs(", ", stdout);
        fwrite(in + i + 1, 1, in[i], stdout);
    }
    fputc('\n', stdout);
    if (SSL_select_next_proto(&chosen, outlen, alpn_wire, alpn_wire_len, in, inlen)
        != OPENSSL_NPN_NEGOTIATED) {
        fflush(stdout);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = chosen;
    fprintf(stdout, "ALPN protocols selected: ");
    fwrite(*out, 1, *outlen, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    return SSL_TLSEXT_ERR_OK;
}

int webrtc_ctx_setup(SSL_CTX *ctx, const struct webrtc_opts *w, int is_server)
{
    if (w->use_srtp != NULL && SSL_CTX_set_tlsext_use_srtp(ctx, w->use_srtp) != 0) {
        common_fail("Error setting SRTP profile");
        return 0;
    }
    if (w->alpn != NULL) {
        if (!alpn_to_wire(w->alpn)) {
            fprintf(stderr, "%s: bad -alpn list %s\n", common_prog, w->alpn);
            return 0;
        }
        if (is_server)
            SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
        else if (SSL_CTX_set_alpn_protos(ctx, alpn_wire, alpn_wire_len) != 0) {
            common_fail("Error setting ALPN");
            return 0;
        }
    }
    return 1;
}

void webrtc_print(SSL *ssl, const struct webrtc_opts *w, int is_server)
{
    SRTP_PROTECTION_PROFILE *srtp = SSL_get_selected_srtp_profile(ssl);

    if (!is_server && w->alpn != NULL) {
        const unsigned char *proto;
        unsigned int len;

        SSL_get0_alpn_selected(ssl, &proto, &len);
        if (len > 0) {
            fprintf(stdout, "ALPN protocol: ");
            fwrite(proto, 1, len, stdout);
            fputc('\n', stdout);
        } else {
            fprintf(stdout, "No ALPN negotiated\n");
        }
    }
    if (srtp != NULL)
        fprintf(stdout, "SRTP Extension negotiated, profile=%s\n", srtp->name);
    if (w->keymatexport != NULL) {
        size_t n = w->keymatexportlen > 0 ? (size_t)w->keymatexportlen : 20;
        unsigned char *km = malloc(n);
        size_t i;

        fprintf(stdout, "Keying material exporter:\n");
        fprintf(stdout, "    Label: '%s'\n", w->keymatexport);
        fprintf(stdout, "    Length: %zu bytes\n", n);
        if (km == NULL || !SSL_export_keying_material(ssl, km, n, w->keymatexport,
                                                      strlen(w->keymatexport), NULL, 0, 0)) {
            fprintf(stdout, "    Error\n");
        } else {
            fprintf(stdout, "    Keying material: ");
            for (i = 0; i < n; i++)
                fprintf(stdout, "%02X", km[i]);
            fputc('\n', stdout);
        }
        free(km);
    }
    /* stdout may be a file or pipe (fully buffered): the lines must be there now. */
    fflush(stdout);
}
