/* rdtls: <openssl/rsa.h> — constants with OpenSSL 3.0's values; RSA keys are made with
 * EVP_PKEY_keygen or EVP_RSA_gen (<openssl/evp.h>). */
#ifndef OPENSSL_RSA_H
#define OPENSSL_RSA_H
#define HEADER_RSA_H
#include <openssl/types.h>
#include <openssl/bn.h>
#include <openssl/rsaerr.h>

#define RSA_3 0x3L
#define RSA_F4 0x10001L

#define RSA_PKCS1_PADDING 1
#define RSA_NO_PADDING 3
#define RSA_PKCS1_OAEP_PADDING 4
#define RSA_X931_PADDING 5
#define RSA_PKCS1_PSS_PADDING 6
#define RSA_PKCS1_PADDING_SIZE 11

#ifdef __cplusplus
extern "C" {
#endif
/* 2048 to 8192 bits (ring's signing limits); the public exponent is 65537. */
int EVP_PKEY_CTX_set_rsa_keygen_bits(EVP_PKEY_CTX *ctx, int bits);
#ifdef __cplusplus
}
#endif

#endif
