/* rdtls: <openssl/hmac.h> — one-shot HMAC and the HMAC_CTX API. */
#ifndef OPENSSL_HMAC_H
#define OPENSSL_HMAC_H
#define HEADER_HMAC_H

#include <openssl/opensslconf.h>
#include <openssl/evp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HMAC_MAX_MD_CBLOCK 200

size_t HMAC_size(const HMAC_CTX *e);
HMAC_CTX *HMAC_CTX_new(void);
int HMAC_CTX_reset(HMAC_CTX *ctx);
void HMAC_CTX_free(HMAC_CTX *ctx);
int HMAC_Init_ex(HMAC_CTX *ctx, const void *key, int len, const EVP_MD *md, ENGINE *impl);
int HMAC_Update(HMAC_CTX *ctx, const unsigned char *data, size_t len);
int HMAC_Final(HMAC_CTX *ctx, unsigned char *md, unsigned int *len);
const EVP_MD *HMAC_CTX_get_md(const HMAC_CTX *ctx);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *data,
    size_t data_len, unsigned char *md, unsigned int *md_len);

#ifdef __cplusplus
}
#endif
#endif
