/*
 * webrtc_opts.h - the s_client/s_server options WebRTC-style programs use, as OpenSSL's
 * tools spell them: -use_srtp profiles, -alpn list, -keymatexport label -keymatexportlen n.
 */
#ifndef RDTLS_EXAMPLES_WEBRTC_OPTS_H
#define RDTLS_EXAMPLES_WEBRTC_OPTS_H

#include <openssl/ssl.h>

struct webrtc_opts {
    const char *use_srtp;     /* colon-separated SRTP profile names */
    const char *alpn;         /* comma-separated protocol names */
    const char *keymatexport; /* exporter label */
    long keymatexportlen;     /* bytes to export (default 20, as OpenSSL) */
};

/* Applies the options to ctx: SSL_CTX_set_tlsext_use_srtp; for a client
 * SSL_CTX_set_alpn_protos, for a server an ALPN select callback that picks from the list
 * as `openssl s_server -alpn` does. Returns 1 on success (message on stderr otherwise). */
int webrtc_ctx_setup(SSL_CTX *ctx, const struct webrtc_opts *w, int is_server);

/* Prints after the handshake, to stdout as OpenSSL's tools do, their lines:
 *   "ALPN protocol: NAME" / "No ALPN negotiated"       (client, with -alpn)
 *   "SRTP Extension negotiated, profile=NAME"          (when one was negotiated)
 *   "Keying material exporter:" + Label / Length / "Keying material: HEX"  (-keymatexport) */
void webrtc_print(SSL *ssl, const struct webrtc_opts *w, int is_server);

#endif
