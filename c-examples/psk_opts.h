/*
 * psk_opts.h - the pre-shared-key options of OpenSSL's s_client/s_server, as they spell
 * them: -psk hex, -psk_identity id, -psk_hint hint (server), -nocert (server).
 */
#ifndef RDTLS_EXAMPLES_PSK_OPTS_H
#define RDTLS_EXAMPLES_PSK_OPTS_H

#include <openssl/ssl.h>

struct psk_opts {
    const char *psk;      /* the key in hex; no PSK callback without it */
    const char *identity; /* -psk_identity (default "Client_identity", as OpenSSL) */
    const char *hint;     /* -psk_hint (server) */
};

/* Installs the PSK client (or server) callback when -psk was given and the server's hint.
 * The callbacks print OpenSSL's lines to stderr unless quiet:
 *   client: "Received PSK identity hint 'HINT'" / "NULL received PSK identity hint,
 *           continuing anyway"
 *   server: "PSK warning: client identity not what we expected (got 'X' expected 'Y')"
 * (as openssl s_server, the key is used even then). Returns 1 on success. */
int psk_ctx_setup(SSL_CTX *ctx, const struct psk_opts *p, int is_server, int quiet);

#endif
