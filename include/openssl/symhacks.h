/* rdtls: OpenSSL's symbol-renaming header; nothing needs renaming here. */
#ifndef OPENSSL_SYMHACKS_H
#define OPENSSL_SYMHACKS_H
#include <openssl/e_os2.h>
#endif
