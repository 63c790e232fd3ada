/* compat corpus: the 1.0-era initialisation and clean-up sequence found in older DTLS
 * programs (SSL_library_init, the string loaders, OPENSSL_config, engines, the locking
 * callbacks, then the mirror-image clean-up), plus the headers such programs include.
 * Prints "legacy_init ok" and exits 0. Built unmodified against librdtls and OpenSSL; like
 * such programs it asks for the 1.0.0 API so OpenSSL 3.0 does not flag it deprecated. */
#define OPENSSL_API_COMPAT 0x10000000L
#include <stdio.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* A 1.0-era locking callback: OpenSSL 3.0 (and librdtls) never call it. */
static void locking_cb(int mode, int n, const char *file, int line)
{
    (void)n;
    (void)file;
    (void)line;
    if (mode & CRYPTO_LOCK)
        fprintf(stderr, "locking callback called (unexpected)\n");
}

static unsigned long id_cb(void)
{
    return 1;
}

int main(void)
{
    SSL_CTX *ctx;
    STACK_OF(SSL_COMP) *comp;

    SSL_library_init();
    SSL_load_error_strings();
    ERR_load_BIO_strings();
    ERR_load_crypto_strings();
    OpenSSL_add_all_algorithms();
    OPENSSL_config(NULL);
    ENGINE_load_builtin_engines();
    ENGINE_register_all_complete();
    if (CRYPTO_num_locks() < 1)
        return 1;
    CRYPTO_set_locking_callback(locking_cb);
    CRYPTO_set_id_callback(id_cb);
    (void)locking_cb;
    (void)id_cb;

    comp = SSL_COMP_get_compression_methods();
    if (comp != NULL && sk_SSL_COMP_num(comp) != 0) {
        fprintf(stderr, "unexpected compression methods\n");
        return 1;
    }

    ctx = SSL_CTX_new(DTLS_method());
    if (ctx == NULL) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    if (SSL_CTX_set_default_verify_paths(ctx) != 1)
        ERR_clear_error();
    if (SSL_CTX_set_default_verify_file(ctx) != 1)
        ERR_clear_error();
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
    SSL_CTX_free(ctx);

    /* The clean-up sequence of the same era. */
    CRYPTO_set_locking_callback(NULL);
    CRYPTO_set_id_callback(NULL);
    CONF_modules_unload(1);
    CONF_modules_free();
    ENGINE_cleanup();
    EVP_cleanup();
    CRYPTO_cleanup_all_ex_data();
    ERR_remove_thread_state(NULL);
    ERR_free_strings();
    printf("legacy_init ok\n");
    return 0;
}
