/* rdtls: present so that #include <openssl/x509v3err.h> never falls back to the system OpenSSL's
 * header (which would mix two sets of declarations); librdtls provides nothing declared
 * here, so this header declares nothing beyond the shared types. */
#ifndef OPENSSL_X509V3ERR_H
#define OPENSSL_X509V3ERR_H
#include <openssl/types.h>
#endif
