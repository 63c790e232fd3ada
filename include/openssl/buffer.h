/* rdtls: <openssl/buffer.h> — the BUF_MEM struct BIO_get_mem_ptr returns. */
#ifndef OPENSSL_BUFFER_H
#define OPENSSL_BUFFER_H
#define HEADER_BUFFER_H

#include <openssl/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BUF_MEM_FLAG_SECURE 0x01

struct buf_mem_st {
    size_t length;
    char *data;
    size_t max;
    unsigned long flags;
};

#ifdef __cplusplus
}
#endif
#endif
