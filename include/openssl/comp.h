/* rdtls: present so that #include <openssl/comp.h> works; this library declares nothing here. */
#ifndef OPENSSL_COMP_H
#define OPENSSL_COMP_H
#include <openssl/e_os2.h>
#endif
