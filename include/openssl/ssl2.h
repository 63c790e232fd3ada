/* rdtls: present so that #include <openssl/ssl2.h> works; this library declares nothing here. */
#ifndef OPENSSL_SSL2_H
#define OPENSSL_SSL2_H
#include <openssl/e_os2.h>
#endif
