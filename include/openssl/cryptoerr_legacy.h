/* rdtls: <openssl/cryptoerr_legacy.h> — the deprecated ERR_load_*_strings of OpenSSL 3.0;
 * librdtls's (strings are built in, each returns 1) are declared in <openssl/err.h>. */
#ifndef OPENSSL_CRYPTOERR_LEGACY_H
#define OPENSSL_CRYPTOERR_LEGACY_H
#include <openssl/err.h>
#endif
