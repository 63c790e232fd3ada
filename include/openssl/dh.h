/* rdtls: <openssl/dh.h> — DH is an opaque type (<openssl/types.h>); librdtls provides no
 * DH_* function. */
#ifndef OPENSSL_DH_H
#define OPENSSL_DH_H
#define HEADER_DH_H
#include <openssl/types.h>
#include <openssl/bn.h>
#include <openssl/dherr.h>
#endif
