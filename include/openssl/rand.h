/* rdtls: <openssl/rand.h> — random bytes from the operating system's generator. */
#ifndef OPENSSL_RAND_H
#define OPENSSL_RAND_H
#define HEADER_RAND_H

#include <openssl/types.h>
#include <openssl/e_os2.h>
#include <openssl/randerr.h>

#ifdef __cplusplus
extern "C" {
#endif

int RAND_bytes(unsigned char *buf, int num);
int RAND_priv_bytes(unsigned char *buf, int num);
int RAND_pseudo_bytes(unsigned char *buf, int num);
void RAND_seed(const void *buf, int num);
void RAND_add(const void *buf, int num, double randomness);
int RAND_status(void);
int RAND_poll(void);

#ifdef __cplusplus
}
#endif
#endif
