/*
 * srtp_media.c - DTLS-SRTP end to end: a DTLS 1.2 handshake with use_srtp (RFC 5764), SRTP
 * master keys from SSL_export_keying_material("EXTRACTOR-dtls_srtp"), libsrtp2 sessions, and
 * RTP_COUNT protected RTP packets each way over the UDP socket the handshake used (DTLS and
 * SRTP multiplexed on one port, RFC 5764 §5.1.2).
 *
 * Built twice from this source (ctests against rdtls, ctests-openssl against the system
 * OpenSSL), so either side can be either library.
 *
 *   srtp_media server PROFILES CERT KEY      binds 127.0.0.1:0, prints "ACCEPT 127.0.0.1:PORT"
 *   srtp_media client PORT PROFILES CAFILE
 *
 * Prints "SRTP profile: NAME", "Keying material: HEX" and finally
 * "media: sent N, received N, authenticated N". Exit 0 when all RTP_COUNT packets from the
 * peer authenticated and carried the expected payload; 77 when libsrtp2 lacks the
 * negotiated profile; 1 on any failure (reason and error queue on stderr).
 */
#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <srtp2/srtp.h>

#define RTP_COUNT 1000
#define RTP_HEADER_LEN 12
#define RTP_PAYLOAD_LEN 160
/* How many packets a side may run ahead of what it has received (keeps the socket buffers,
 * which hold only a few hundred small datagrams, from overflowing). */
#define WINDOW 32
#define WAIT_MS 10000
#define MAX_KEYMAT 88

static const char *prog = "srtp_media";

static void fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", prog, what);
    ERR_print_errors_fp(stderr);
}

static int udp_socket(unsigned short port, int do_connect)
{
    struct sockaddr_in a;
    struct timeval tv = { 10, 0 };
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    /* Bounded blocking reads: a handshake that stalls fails instead of hanging. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if ((do_connect ? connect(fd, (struct sockaddr *)&a, sizeof(a))
                    : bind(fd, (struct sockaddr *)&a, sizeof(a))) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* An RTP packet: version 2, payload type 0, the sequence number, timestamp and SSRC, and a
 * payload derived from both so the receiver can check what it decrypted. */
static int make_rtp(unsigned char *p, unsigned int seq, unsigned int ssrc)
{
    unsigned int ts = seq * 160, i;

    p[0] = 0x80;
    p[1] = 0x00;
    p[2] = (unsigned char)(seq >> 8);
    p[3] = (unsigned char)seq;
    p[4] = (unsigned char)(ts >> 24);
    p[5] = (unsigned char)(ts >> 16);
    p[6] = (unsigned char)(ts >> 8);
    p[7] = (unsigned char)ts;
    p[8] = (unsigned char)(ssrc >> 24);
    p[9] = (unsigned char)(ssrc >> 16);
    p[10] = (unsigned char)(ssrc >> 8);
    p[11] = (unsigned char)ssrc;
    for (i = 0; i < RTP_PAYLOAD_LEN; i++)
        p[RTP_HEADER_LEN + i] = (unsigned char)(seq + i + ssrc);
    return RTP_HEADER_LEN + RTP_PAYLOAD_LEN;
}

struct media {
    srtp_t tx, rx;
    int fd;
    unsigned int my_ssrc, peer_ssrc;
    unsigned char seen[RTP_COUNT];
    int sent, received, authenticated, dtls_ignored;
};

/* Reads one datagram (waiting at most ms) and counts it. 1 = read one, 0 = timed out. */
static int receive_one(struct media *m, int ms)
{
    unsigned char buf[2048], expect[RTP_HEADER_LEN + RTP_PAYLOAD_LEN];
    struct pollfd pfd = { m->fd, POLLIN, 0 };
    ssize_t n;
    int len;
    unsigned int seq;

    if (poll(&pfd, 1, ms) <= 0)
        return 0;
    n = recv(m->fd, buf, sizeof(buf), 0);
    if (n <= 0)
        return 0;
    /* RFC 5764 §5.1.2 demultiplexing: 128..191 is RTP/RTCP, 20..63 is DTLS. */
    if (buf[0] < 128 || buf[0] > 191) {
        m->dtls_ignored++;
        return 1;
    }
    m->received++;
    len = (int)n;
    if (srtp_unprotect(m->rx, buf, &len) != srtp_err_status_ok)
        return 1;
    seq = ((unsigned int)buf[2] << 8) | buf[3];
    if (seq >= RTP_COUNT || m->seen[seq] || len != RTP_HEADER_LEN + RTP_PAYLOAD_LEN)
        return 1;
    make_rtp(expect, seq, m->peer_ssrc);
    if (memcmp(buf, expect, (size_t)len) != 0)
        return 1;
    m->seen[seq] = 1;
    m->authenticated++;
    return 1;
}

static int run_media(struct media *m)
{
    unsigned char buf[RTP_HEADER_LEN + RTP_PAYLOAD_LEN + SRTP_MAX_TRAILER_LEN];
    int i, len;

    for (i = 0; i < RTP_COUNT; i++) {
        len = make_rtp(buf, (unsigned int)i, m->my_ssrc);
        if (srtp_protect(m->tx, buf, &len) != srtp_err_status_ok) {
            fail("srtp_protect failed");
            return 0;
        }
        if (send(m->fd, buf, (size_t)len, 0) != len) {
            perror("send");
            return 0;
        }
        m->sent++;
        while (m->received < i + 1 - WINDOW) {
            if (!receive_one(m, WAIT_MS)) {
                fail("peer stopped sending");
                return 0;
            }
        }
    }
    while (m->received < RTP_COUNT && receive_one(m, WAIT_MS))
        ;
    return 1;
}

/* libsrtp2 key for one direction: master key then master salt. */
static int make_session(srtp_t *s, srtp_profile_t prof, const unsigned char *key,
                        const unsigned char *salt, int inbound)
{
    unsigned char keysalt[64];
    unsigned int kl = srtp_profile_get_master_key_length(prof);
    unsigned int sl = srtp_profile_get_master_salt_length(prof);
    srtp_policy_t pol;

    memset(&pol, 0, sizeof(pol));
    memcpy(keysalt, key, kl);
    memcpy(keysalt + kl, salt, sl);
    if (srtp_crypto_policy_set_from_profile_for_rtp(&pol.rtp, prof) != srtp_err_status_ok
        || srtp_crypto_policy_set_from_profile_for_rtcp(&pol.rtcp, prof) != srtp_err_status_ok)
        return 0;
    pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    pol.key = keysalt;
    pol.window_size = 1024;
    return srtp_create(s, &pol) == srtp_err_status_ok;
}

static int media_after_handshake(SSL *ssl, int fd, int is_server)
{
    SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(ssl);
    static struct media m;
    unsigned char km[MAX_KEYMAT];
    const unsigned char *ck, *sk, *cs, *ss;
    srtp_profile_t prof;
    unsigned int kl, sl, n, i;

    if (p == NULL) {
        fail("no SRTP profile negotiated");
        return 1;
    }
    printf("SRTP profile: %s\n", p->name);
    prof = (srtp_profile_t)p->id;
    kl = srtp_profile_get_master_key_length(prof);
    sl = srtp_profile_get_master_salt_length(prof);
    if (kl == 0 || sl == 0 || 2 * (kl + sl) > sizeof(km)) {
        printf("libsrtp2 does not support %s\n", p->name);
        return 77;
    }
    n = 2 * (kl + sl);
    if (SSL_export_keying_material(ssl, km, n, "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0) != 1) {
        fail("SSL_export_keying_material failed");
        return 1;
    }
    printf("Keying material: ");
    for (i = 0; i < n; i++)
        printf("%02X", km[i]);
    printf("\n");
    /* RFC 5764 §4.2: client write key, server write key, client salt, server salt. */
    ck = km;
    sk = km + kl;
    cs = km + 2 * kl;
    ss = km + 2 * kl + sl;
    memset(&m, 0, sizeof(m));
    m.fd = fd;
    m.my_ssrc = is_server ? 0x22222222u : 0x11111111u;
    m.peer_ssrc = is_server ? 0x11111111u : 0x22222222u;
    if (!make_session(&m.tx, prof, is_server ? sk : ck, is_server ? ss : cs, 0)
        || !make_session(&m.rx, prof, is_server ? ck : sk, is_server ? cs : ss, 1)) {
        printf("libsrtp2 does not support %s\n", p->name);
        return 77;
    }
    if (!run_media(&m))
        return 1;
    printf("media: sent %d, received %d, authenticated %d\n", m.sent, m.received,
           m.authenticated);
    srtp_dealloc(m.tx);
    srtp_dealloc(m.rx);
    return m.authenticated == RTP_COUNT ? 0 : 1;
}

static SSL_CTX *make_ctx(int is_server, const char *profiles, const char *a, const char *b)
{
    SSL_CTX *ctx = SSL_CTX_new(is_server ? DTLS_server_method() : DTLS_client_method());

    if (ctx == NULL || SSL_CTX_set_tlsext_use_srtp(ctx, profiles) != 0) {
        fail("cannot create the context or set the SRTP profiles");
        return NULL;
    }
    if (is_server) {
        if (SSL_CTX_use_certificate_chain_file(ctx, a) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, b, SSL_FILETYPE_PEM) != 1) {
            fail("cannot load the certificate or key");
            return NULL;
        }
    } else {
        if (SSL_CTX_load_verify_locations(ctx, a, NULL) != 1) {
            fail("cannot load the CA file");
            return NULL;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return ctx;
}

int main(int argc, char **argv)
{
    int is_server, fd, rc = 1;
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *bio;

    if (argc != 5 || (strcmp(argv[1], "server") != 0 && strcmp(argv[1], "client") != 0)) {
        fprintf(stderr, "usage: %s server PROFILES CERT KEY | client PORT PROFILES CAFILE\n",
                prog);
        return 2;
    }
    is_server = strcmp(argv[1], "server") == 0;
    if (srtp_init() != srtp_err_status_ok) {
        fail("srtp_init failed");
        return 1;
    }
    if (is_server) {
        struct sockaddr_in a;
        socklen_t al = sizeof(a);

        ctx = make_ctx(1, argv[2], argv[3], argv[4]);
        fd = udp_socket(0, 0);
        if (ctx == NULL || fd < 0 || getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
            fail("server setup failed");
            return 1;
        }
        printf("ACCEPT 127.0.0.1:%u\n", (unsigned int)ntohs(a.sin_port));
        fflush(stdout);
    } else {
        ctx = make_ctx(0, argv[3], argv[4], NULL);
        fd = udp_socket((unsigned short)atoi(argv[2]), 1);
        if (ctx == NULL || fd < 0) {
            fail("client setup failed");
            return 1;
        }
    }
    ssl = SSL_new(ctx);
    bio = BIO_new_dgram(fd, BIO_NOCLOSE);
    if (ssl == NULL || bio == NULL) {
        fail("SSL_new / BIO_new_dgram failed");
        return 1;
    }
    if (!is_server) {
        /* OpenSSL's datagram BIO sends to its recorded peer: record the connected one. */
        struct sockaddr_storage peer;
        socklen_t pl = sizeof(peer);
        if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0
            || BIO_ctrl_set_connected(bio, &peer) <= 0) {
            fail("cannot record the peer in the datagram BIO");
            return 1;
        }
    }
    SSL_set_bio(ssl, bio, bio);
    if ((is_server ? SSL_accept(ssl) : SSL_connect(ssl)) != 1) {
        fail("handshake failed");
    } else {
        if (is_server) {
            /* From now on plain send()/recv() go to the client. */
            struct sockaddr_storage peer;
            memset(&peer, 0, sizeof(peer));
            if (BIO_dgram_get_peer(bio, &peer) <= 0
                || connect(fd, (struct sockaddr *)&peer, sizeof(struct sockaddr_in)) != 0) {
                fail("cannot connect the server socket to the client");
                return 1;
            }
        }
        rc = media_after_handshake(ssl, fd, is_server);
    }
    fflush(stdout);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    srtp_shutdown();
    return rc;
}
