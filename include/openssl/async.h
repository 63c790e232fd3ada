/* rdtls: present so that #include <openssl/async.h> works; this library declares nothing here. */
#ifndef OPENSSL_ASYNC_H
#define OPENSSL_ASYNC_H
#include <openssl/e_os2.h>
#endif
