/* rdtls: <openssl/md5.h> — the digest size constants (OpenSSL 3.0 values); MD5 itself is
 * not provided (use the EVP digests of <openssl/evp.h>). */
#ifndef OPENSSL_MD5_H
#define OPENSSL_MD5_H
#include <openssl/types.h>
#define MD5_CBLOCK 64
#define MD5_LBLOCK (MD5_CBLOCK / 4)
#define MD5_DIGEST_LENGTH 16
#endif
