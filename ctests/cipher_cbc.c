/*
 * cipher_cbc.c - what the C API says about the four ECDHE-PSK AES-CBC suites (RFC 5489):
 * the SSL_CIPHER getters for each, and which of them a few cipher strings select, in order.
 * t_psk_cbc.sh diffs the output of the build against system OpenSSL and the build against
 * rdtls. Only these four suites are printed (OpenSSL has many more that rdtls lacks).
 * Exit status: 0 when every suite was found, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static const char *const SUITES[] = {
    "ECDHE-PSK-AES128-CBC-SHA256",
    "ECDHE-PSK-AES256-CBC-SHA384",
    "ECDHE-PSK-AES128-CBC-SHA",
    "ECDHE-PSK-AES256-CBC-SHA",
};

static const char *const STRINGS[] = {
    "ALL", "PSK", "aPSK", "kECDHEPSK", "CBC", "TLSv1", "TLSv1.2", "SHA1", "SHA256",
    "SHA384", "AES128", "AES256", "FIPS", "PSK+AES256", "DEFAULT", "HIGH:!SHA1",
};

/* One of the four suites? */
static int is_cbc_psk(const char *name)
{
    return strncmp(name, "ECDHE-PSK-AES", 13) == 0 && strstr(name, "-CBC-") != NULL;
}

/* The cipher called `name` in `ssl`'s list (OpenSSL's also holds its TLS 1.3 suites). */
static const SSL_CIPHER *find_cipher(SSL *ssl, const char *name)
{
    STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(ssl);
    int j;

    for (j = 0; sk != NULL && j < sk_SSL_CIPHER_num(sk); j++) {
        if (strcmp(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, j)), name) == 0)
            return sk_SSL_CIPHER_value(sk, j);
    }
    return NULL;
}

int main(void)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
    size_t i;
    int ok = 1;
    char desc[256];

    if (ctx == NULL)
        return 1;
    for (i = 0; i < sizeof(SUITES) / sizeof(SUITES[0]); i++) {
        SSL *ssl;
        const SSL_CIPHER *c;
        int alg_bits = 0;

        if (SSL_CTX_set_cipher_list(ctx, SUITES[i]) != 1 || (ssl = SSL_new(ctx)) == NULL) {
            printf("%s: not available\n", SUITES[i]);
            ok = 0;
            ERR_clear_error();
            continue;
        }
        c = find_cipher(ssl, SUITES[i]);
        if (c == NULL) {
            printf("%s: no SSL_CIPHER\n", SUITES[i]);
            ok = 0;
            SSL_free(ssl);
            continue;
        }
        printf("%s std=%s version=%s bits=%d", SSL_CIPHER_get_name(c),
               SSL_CIPHER_standard_name(c), SSL_CIPHER_get_version(c),
               SSL_CIPHER_get_bits(c, &alg_bits));
        printf(" alg_bits=%d id=0x%08lx protocol_id=0x%04x aead=%d", alg_bits,
               (unsigned long)SSL_CIPHER_get_id(c), (unsigned)SSL_CIPHER_get_protocol_id(c),
               SSL_CIPHER_is_aead(c));
        printf(" cipher_nid=%d digest_nid=%d kx_nid=%d auth_nid=%d\n",
               SSL_CIPHER_get_cipher_nid(c), SSL_CIPHER_get_digest_nid(c),
               SSL_CIPHER_get_kx_nid(c), SSL_CIPHER_get_auth_nid(c));
        printf("  %s", SSL_CIPHER_description(c, desc, (int)sizeof(desc)));
        SSL_free(ssl);
    }
    for (i = 0; i < sizeof(STRINGS) / sizeof(STRINGS[0]); i++) {
        SSL *ssl;
        STACK_OF(SSL_CIPHER) *sk;
        int j;

        printf("%s:", STRINGS[i]);
        if (SSL_CTX_set_cipher_list(ctx, STRINGS[i]) != 1 || (ssl = SSL_new(ctx)) == NULL) {
            printf(" (no match)\n");
            ERR_clear_error();
            continue;
        }
        sk = SSL_get_ciphers(ssl);
        for (j = 0; sk != NULL && j < sk_SSL_CIPHER_num(sk); j++) {
            const char *name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, j));
            if (is_cbc_psk(name))
                printf(" %s", name);
        }
        printf("\n");
        SSL_free(ssl);
    }
    SSL_CTX_free(ctx);
    return ok ? 0 : 1;
}
