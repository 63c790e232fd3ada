/*
 * rdtls/cid.h - Connection IDs (RFC 9146 for DTLS 1.2, RFC 9147 section 9 for DTLS 1.3),
 * an rdtls extension to the OpenSSL API.
 *
 * OpenSSL 3.0 has no Connection ID API, so these functions carry the rdtls_ prefix; both
 * librdtls and the drop-in libssl.so.3 export them. A program that may also run on the
 * system OpenSSL can look them up with dlsym() and fall back to plain DTLS.
 *
 * Each side names the CID it wants to *receive*; records it sends carry the peer's CID.
 * CIDs are used only when both hellos carry the connection_id extension, and only in
 * protected records (DTLS 1.2: the tls12_cid format, content type 25; DTLS 1.3: the
 * unified header with the C bit). A zero-length CID means "I do not need one, but I will
 * send yours". The setters and getters below work on both versions; on DTLS 1.3 a CID
 * setting of more than 20 bytes keeps the connection on DTLS 1.2. The CID updates at the
 * end exist in DTLS 1.3 only.
 */
#ifndef RDTLS_CID_H
#define RDTLS_CID_H

#include <stddef.h>
#include <openssl/ssl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest connection ID (the extension's opaque cid<0..2^8-1>). */
#define RDTLS_MAX_CID_LEN 255

/* SSLs made from ctx afterwards offer/accept CIDs and ask the peer for a fresh random CID
 * of len bytes (0..255, 0 = zero-length). len < 0: no CIDs (the default).
 * Returns 1, or 0 with an error queued for len > 255. */
int rdtls_SSL_CTX_set_connection_id_len(SSL_CTX *ctx, int len);

/* As above for one SSL, before its handshake starts. Returns 1 or 0. */
int rdtls_SSL_set_connection_id_len(SSL *s, int len);

/* This SSL asks its peer for exactly the len bytes at cid (0..255; cid may be NULL when
 * len is 0). Before the handshake starts. Returns 1 or 0 (error queued). */
int rdtls_SSL_set_connection_id(SSL *s, const unsigned char *cid, size_t len);

/* 1 when both hellos carried connection_id (the CIDs are in use), else 0. */
int rdtls_SSL_cid_negotiated(const SSL *s);

/* Copies our negotiated CID (the one the peer's records carry; what a server
 * demultiplexes on; on DTLS 1.3 the one of ours the peer uses now) to out (outlen bytes; out may be NULL to ask the length) and returns
 * its length, 0 for a zero-length CID; -1 when none was negotiated or out is too small. */
int rdtls_SSL_get_connection_id(const SSL *s, unsigned char *out, size_t outlen);

/* As rdtls_SSL_get_connection_id for the peer's CID (the one our records carry). */
int rdtls_SSL_get_peer_connection_id(const SSL *s, unsigned char *out, size_t outlen);

/* 1 when the datagram the SSL read last held a record that authenticated and is newer
 * than every record before it: only then may the application start sending to that
 * datagram's source address (RFC 9146 section 6). 0 for replayed, reordered or forged
 * datagrams. */
int rdtls_SSL_cid_peer_moved_ok(const SSL *s);

/* The CID of the first record in the datagram dgram of len bytes that carries one (a
 * DTLS 1.2 tls12_cid record or a DTLS 1.3 unified header with the C bit), for a
 * receiver whose own CIDs are cid_len bytes long (the length is not on the wire), copied
 * to out (outlen bytes). Returns cid_len, 0 when the datagram holds no such record (or
 * cid_len is 0), -1 when out is too small. Nothing is authenticated here: use the CID only
 * to find the association, which then authenticates the record. */
int rdtls_DTLS_get_datagram_connection_id(const unsigned char *dgram, size_t len,
                                          size_t cid_len, unsigned char *out,
                                          size_t outlen);

/* ---- DTLS 1.3 only (RFC 9147 section 9) ----------------------------------------------
 * Each update is queued and goes out with the next SSL_read, SSL_write or
 * SSL_do_handshake. Returns 1, or 0 with an error queued: SSL_R_WRONG_SSL_VERSION on a
 * connection that is not DTLS 1.3, SSL_R_BAD_VALUE for a count out of range,
 * SSL_R_STILL_IN_INIT when refused for now (handshake not complete, our previous flight
 * not yet acknowledged, or the CID involved is empty). */

/* Asks the peer for n (1..255) more CIDs (RequestConnectionId); they arrive as spares. */
int rdtls_SSL_request_connection_ids(SSL *s, int n);

/* Hands the peer count (1..4) fresh CIDs of ours (NewConnectionId), accepted at once.
 * immediate != 0: the peer must use the first from now on; else they are spares. */
int rdtls_SSL_issue_connection_ids(SSL *s, int count, int immediate);

/* Our records carry the peer's next spare CID from now on (a fresh CID for a new path,
 * so the paths cannot be linked). Returns 1 when switched, 0 without a spare. */
int rdtls_SSL_use_spare_connection_id(SSL *s);

/* The number of spare CIDs of the peer the SSL holds (0 on DTLS 1.2). */
int rdtls_SSL_get_spare_connection_id_count(const SSL *s);

#ifdef __cplusplus
}
#endif

#endif /* RDTLS_CID_H */
