/* rdtls: <openssl/ecdsa.h> — as in OpenSSL 3.0, only includes <openssl/ec.h>. */
#ifndef OPENSSL_ECDSA_H
#define OPENSSL_ECDSA_H
#include <openssl/ec.h>
#endif
