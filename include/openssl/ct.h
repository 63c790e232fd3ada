/* rdtls: present so that #include <openssl/ct.h> works; this library declares nothing here. */
#ifndef OPENSSL_CT_H
#define OPENSSL_CT_H
#include <openssl/e_os2.h>
#endif
