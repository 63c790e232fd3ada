/* rdtls: <openssl/ecdh.h> — as in OpenSSL 3.0, only includes <openssl/ec.h>. */
#ifndef OPENSSL_ECDH_H
#define OPENSSL_ECDH_H
#include <openssl/ec.h>
#endif
