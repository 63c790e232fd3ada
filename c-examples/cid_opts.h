/*
 * cid_opts.h - DTLS 1.2 connection IDs (RFC 9146) for the example programs: -cid n asks
 * the peer for an n-byte CID (0 = zero-length). OpenSSL has no CID API; rdtls has one in
 * <rdtls/cid.h>. The programs find those rdtls_ functions with dlsym(), so the same source
 * builds against OpenSSL and gets CIDs whenever it runs on rdtls (librdtls or the drop-in
 * libssl.so.3).
 */
#ifndef RDTLS_EXAMPLES_CID_OPTS_H
#define RDTLS_EXAMPLES_CID_OPTS_H

#include <stddef.h>
#include <openssl/ssl.h>

/* Longest CID (RFC 9146 section 3). */
#define CID_MAX_LEN 255
/* tls12_cid record content type: the CID sits before the length field. */
#define CID_TLS12_CID 25

/* The rdtls_ functions of <rdtls/cid.h>, valid after cid_api_load() returned 1. */
struct cid_api {
    int (*ctx_set_len)(SSL_CTX *, int);
    int (*negotiated)(const SSL *);
    int (*get_cid)(const SSL *, unsigned char *, size_t);
    int (*get_peer_cid)(const SSL *, unsigned char *, size_t);
    int (*moved_ok)(const SSL *);
    int (*dgram_cid)(const unsigned char *, size_t, size_t, unsigned char *, size_t);
};
extern struct cid_api cid_api;

/* Looks the functions up once. Returns 1 when the library running has them. */
int cid_api_load(void);

/* -cid len (len >= 0): makes ctx negotiate CIDs. Returns 1, or 0 with a message when the
 * library has no CIDs or len is out of range. Nothing to do (1) for len < 0. */
int cid_ctx_setup(SSL_CTX *ctx, long len);

/* Prints "Connection ID: ours XX.., peer YY.." (or "Connection ID: not negotiated") to
 * stderr when the CID functions were loaded. */
void cid_print(SSL *ssl);

/* Bytes of CID in the records ssl sends (the peer's CID; 0 without CIDs). */
int cid_peer_len(SSL *ssl);

#endif
