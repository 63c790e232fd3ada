/* rdtls: present so that #include <openssl/md4.h> never falls back to the system OpenSSL's
 * header (which would mix two sets of declarations); librdtls provides nothing declared
 * here, so this header declares nothing beyond the shared types. */
#ifndef OPENSSL_MD4_H
#define OPENSSL_MD4_H
#include <openssl/types.h>
#endif
