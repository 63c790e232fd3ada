/*
 * psk_opts.c - -psk / -psk_identity / -psk_hint for the s_client and s_server ports, with
 * OpenSSL's PSK callbacks (SSL_CTX_set_psk_client_callback, SSL_CTX_set_psk_server_callback)
 * behaving as the ones in OpenSSL's apps/s_client.c and apps/s_server.c.
 */
#include "psk_opts.h"

#include <stdio.h>
#include <string.h>

/* The callbacks get no argument pointer: the options live here (one per process, as in
 * OpenSSL's apps). */
static unsigned char psk_key[PSK_MAX_PSK_LEN];
static size_t psk_key_len;
static const char *psk_identity = "Client_identity";
static int psk_quiet;

/* Parses hex into psk_key. Returns 0 on odd length, a non-hex digit or too many bytes. */
static int parse_hex(const char *hex)
{
    size_t n = strlen(hex), i;

    if (n == 0 || n % 2 != 0 || n / 2 > sizeof(psk_key))
        return 0;
    for (i = 0; i < n; i += 2) {
        unsigned int b;
        char two[3];

        two[0] = hex[i];
        two[1] = hex[i + 1];
        two[2] = '\0';
        if (strspn(two, "0123456789abcdefABCDEF") != 2 || sscanf(two, "%2x", &b) != 1)
            return 0;
        psk_key[i / 2] = (unsigned char)b;
    }
    psk_key_len = n / 2;
    return 1;
}

static unsigned int client_cb(SSL *ssl, const char *hint, char *identity,
                              unsigned int max_identity_len, unsigned char *psk,
                              unsigned int max_psk_len)
{
    int n;

    (void)ssl;
    if (!psk_quiet) {
        if (hint == NULL)
            fprintf(stderr, "NULL received PSK identity hint, continuing anyway\n");
        else
            fprintf(stderr, "Received PSK identity hint '%s'\n", hint);
    }
    n = snprintf(identity, (size_t)max_identity_len + 1, "%s", psk_identity);
    if (n < 0 || (unsigned int)n > max_identity_len || psk_key_len > max_psk_len)
        return 0;
    memcpy(psk, psk_key, psk_key_len);
    return (unsigned int)psk_key_len;
}

static unsigned int server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                              unsigned int max_psk_len)
{
    (void)ssl;
    if (identity == NULL) {
        fprintf(stderr, "Error: client did not send PSK identity\n");
        return 0;
    }
    if (strcmp(identity, psk_identity) != 0 && !psk_quiet)
        fprintf(stderr,
                "PSK warning: client identity not what we expected (got '%s' expected '%s')\n",
                identity, psk_identity);
    if (psk_key_len > max_psk_len)
        return 0;
    memcpy(psk, psk_key, psk_key_len);
    return (unsigned int)psk_key_len;
}

int psk_ctx_setup(SSL_CTX *ctx, const struct psk_opts *p, int is_server, int quiet)
{
    psk_quiet = quiet;
    if (p->identity != NULL)
        psk_identity = p->identity;
    if (is_server && p->hint != NULL && SSL_CTX_use_psk_identity_hint(ctx, p->hint) != 1) {
        fprintf(stderr, "error setting PSK identity hint to context\n");
        return 0;
    }
    if (p->psk == NULL)
        return 1;
    if (!parse_hex(p->psk)) {
        fprintf(stderr, "Not a hex number '%s'\n", p->psk);
        return 0;
    }
    if (is_server)
        SSL_CTX_set_psk_server_callback(ctx, server_cb);
    else
        SSL_CTX_set_psk_client_callback(ctx, client_cb);
    return 1;
}
