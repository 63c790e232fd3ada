/*
 * A client and a server SSL joined by memory BIOs, for the C tests that need no socket.
 * Header-only (static inline) so each ctests/<name>.c still builds with the one pattern rule,
 * against rdtls or the system OpenSSL alike; it uses only OpenSSL 3.0's API.
 */
#ifndef RDTLS_CTESTS_MEM_PAIR_H
#define RDTLS_CTESTS_MEM_PAIR_H

#include <openssl/bio.h>
#include <openssl/ssl.h>

/* DTLS record header: type, version, epoch, sequence number, length (RFC 6347 §4.1). */
#define MEM_PAIR_RECORD_HEADER_LEN 13

/*
 * Length of the record at p (n bytes there): DTLS 1.2's 13-byte header, or DTLS 1.3's
 * unified header (RFC 9147 §4: 001CSLEE; these programs use no CID), whose record without
 * a length field runs to the end. Anything else: the rest.
 */
static inline int mem_pair_record_len(const unsigned char *p, int n)
{
    int hdr, body;

    if ((p[0] & 0xE0) == 0x20) {
        hdr = 1 + ((p[0] & 0x08) ? 2 : 1);
        if ((p[0] & 0x10) || !(p[0] & 0x04) || n < hdr + 2)
            return n;
        body = (p[hdr] << 8) | p[hdr + 1];
        hdr += 2;
    } else {
        if (n < MEM_PAIR_RECORD_HEADER_LEN)
            return n;
        hdr = MEM_PAIR_RECORD_HEADER_LEN;
        body = (p[11] << 8) | p[12];
    }
    return hdr + body <= n ? hdr + body : n;
}

/*
 * Moves everything in `from` into `to`, one DTLS record per BIO_write: a memory BIO keeps
 * each write as one datagram, so records that shared a datagram arrive one per datagram.
 */
static inline void mem_pair_move(BIO *from, BIO *to)
{
    static unsigned char buf[65536];
    int len = 0, off = 0, n;

    while ((size_t)len < sizeof(buf)
           && (n = BIO_read(from, buf + len, (int)sizeof(buf) - len)) > 0)
        len += n;
    while (off < len) {
        int rec = mem_pair_record_len(buf + off, len - off);

        BIO_write(to, buf + off, rec);
        off += rec;
    }
}

/*
 * A new SSL on `ctx` reading from a fresh memory BIO and writing to `*out`; both BIOs say
 * "retry" when empty (eof return -1), as a non-blocking socket would.
 */
static inline SSL *mem_pair_end(SSL_CTX *ctx, BIO **out, int server)
{
    SSL *ssl = SSL_new(ctx);
    BIO *in = BIO_new(BIO_s_mem());

    *out = BIO_new(BIO_s_mem());
    if (ssl == NULL || in == NULL || *out == NULL)
        return NULL;
    (void)BIO_set_mem_eof_return(in, -1);
    (void)BIO_set_mem_eof_return(*out, -1);
    SSL_set_bio(ssl, in, *out);
    if (server)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
    return ssl;
}

/*
 * Drives both handshakes, moving each side's output to the other, for at most 20 rounds;
 * returns 1 when both completed.
 */
static inline int mem_pair_handshake(SSL *c, BIO *c_out, SSL *s, BIO *s_out)
{
    int rounds, cdone = 0, sdone = 0;

    for (rounds = 0; rounds < 20 && !(cdone && sdone); rounds++) {
        if (!cdone)
            cdone = SSL_do_handshake(c) == 1;
        mem_pair_move(c_out, SSL_get_rbio(s));
        if (!sdone)
            sdone = SSL_do_handshake(s) == 1;
        mem_pair_move(s_out, SSL_get_rbio(c));
    }
    return cdone && sdone;
}

#endif
