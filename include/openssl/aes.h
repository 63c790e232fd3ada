/* rdtls: <openssl/aes.h> — the constants (OpenSSL 3.0 values); the low-level AES_* functions
 * are not provided (DTLS record protection is internal). */
#ifndef OPENSSL_AES_H
#define OPENSSL_AES_H
#include <openssl/types.h>
#define AES_ENCRYPT 1
#define AES_DECRYPT 0
#define AES_MAXNR 14
#define AES_BLOCK_SIZE 16
#endif
