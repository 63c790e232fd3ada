/* rdtls: <openssl/dsa.h> — DSA is an opaque type (<openssl/types.h>); librdtls provides no
 * DSA_* function. */
#ifndef OPENSSL_DSA_H
#define OPENSSL_DSA_H
#define HEADER_DSA_H
#include <openssl/types.h>
#include <openssl/bn.h>
#include <openssl/dsaerr.h>
#endif
