/* rdtls: <openssl/ec.h> — constants with OpenSSL 3.0's values; EC keys are made with
 * EVP_PKEY_keygen or EVP_EC_gen (<openssl/evp.h>). EC_KEY is an opaque type. */
#ifndef OPENSSL_EC_H
#define OPENSSL_EC_H
#define HEADER_EC_H
#include <string.h>
#include <openssl/types.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/bn.h>
#include <openssl/ecerr.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    POINT_CONVERSION_COMPRESSED = 2,
    POINT_CONVERSION_UNCOMPRESSED = 4,
    POINT_CONVERSION_HYBRID = 6
} point_conversion_form_t;

#define OPENSSL_EC_EXPLICIT_CURVE 0x000
#define OPENSSL_EC_NAMED_CURVE 0x001

/* Only P-256 (NID_X9_62_prime256v1) and P-384 (NID_secp384r1), named-curve encoding. */
int EVP_PKEY_CTX_set_ec_paramgen_curve_nid(EVP_PKEY_CTX *ctx, int nid);
int EVP_PKEY_CTX_set_ec_param_enc(EVP_PKEY_CTX *ctx, int param_enc);
#define EVP_EC_gen(curve) EVP_PKEY_Q_keygen(NULL, NULL, "EC", (char *)(strstr(curve, "")))

#ifdef __cplusplus
}
#endif
#endif
