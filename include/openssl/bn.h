/* rdtls: <openssl/bn.h> — BIGNUM and BN_CTX are opaque types here (<openssl/types.h>);
 * librdtls provides no BN_* function. */
#ifndef OPENSSL_BN_H
#define OPENSSL_BN_H
#define HEADER_BN_H
#include <openssl/types.h>
#include <openssl/bnerr.h>
#endif
