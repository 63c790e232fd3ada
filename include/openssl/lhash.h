/* rdtls: present so that #include <openssl/lhash.h> works; this library declares nothing here. */
#ifndef OPENSSL_LHASH_H
#define OPENSSL_LHASH_H
#include <openssl/e_os2.h>
#endif
