/* rdtls: <openssl/sha.h> — digest lengths and one-shot SHA functions. */
#ifndef OPENSSL_SHA_H
#define OPENSSL_SHA_H
#define HEADER_SHA_H

#include <stddef.h>
#include <openssl/e_os2.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHA_DIGEST_LENGTH 20
#define SHA224_DIGEST_LENGTH 28
#define SHA256_DIGEST_LENGTH 32
#define SHA384_DIGEST_LENGTH 48
#define SHA512_DIGEST_LENGTH 64
#define SHA_CBLOCK 64
#define SHA256_CBLOCK 64
#define SHA512_CBLOCK 128

unsigned char *SHA1(const unsigned char *d, size_t n, unsigned char *md);
unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md);
unsigned char *SHA384(const unsigned char *d, size_t n, unsigned char *md);
unsigned char *SHA512(const unsigned char *d, size_t n, unsigned char *md);

#ifdef __cplusplus
}
#endif
#endif
