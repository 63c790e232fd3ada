/* rdtls: <openssl/ec.h> — constants with OpenSSL 3.0's values; EC keys are made with
 * EVP_PKEY_keygen or EVP_EC_gen (<openssl/evp.h>). EC_KEY is an opaque type. */
#ifndef OPENSSL_EC_H
#define OPENSSL_EC_H
#define HEADER_EC_H
#include <openssl/types.h>
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

#ifdef __cplusplus
}
#endif
#endif
