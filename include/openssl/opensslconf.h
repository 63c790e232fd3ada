/* rdtls: build configuration (features this library does not provide are switched off). */
#ifndef OPENSSL_OPENSSLCONF_H
#define OPENSSL_OPENSSLCONF_H

#include <openssl/configuration.h>
#include <openssl/macros.h>

#endif
