/*
 * common.c - helpers shared by the rdtls C example programs (see common.h).
 */
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

const char *common_prog = "rdtls";

static unsigned char cookie_secret[32];
static int cookie_secret_ready;
static FILE *keylog_file;
static unsigned int initial_timer_us = 1000000;

int common_split_hostport(const char *spec, char **host, char **port)
{
    const char *colon;
    size_t hlen;

    *host = NULL;
    *port = NULL;
    if (spec == NULL || *spec == '\0')
        return 0;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (end == NULL || end[1] != ':' || end[2] == '\0')
            return 0;
        hlen = (size_t)(end - spec - 1);
        *host = malloc(hlen + 1);
        if (*host == NULL)
            return 0;
        memcpy(*host, spec + 1, hlen);
        (*host)[hlen] = '\0';
        *port = strdup(end + 2);
        return *port != NULL;
    }
    colon = strrchr(spec, ':');
    if (colon == NULL) {
        *port = strdup(spec);
        return *port != NULL;
    }
    if (colon[1] == '\0')
        return 0;
    hlen = (size_t)(colon - spec);
    if (hlen > 0) {
        *host = malloc(hlen + 1);
        if (*host == NULL)
            return 0;
        memcpy(*host, spec, hlen);
        (*host)[hlen] = '\0';
    }
    *port = strdup(colon + 1);
    return *port != NULL;
}

socklen_t common_addr_len(const common_addr *a)
{
    return a->sa.sa_family == AF_INET6 ? (socklen_t)sizeof(a->s6) : (socklen_t)sizeof(a->s4);
}

void common_addr_str(const common_addr *a, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN];

    if (a->sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &a->s6.sin6_addr, host, sizeof(host));
        snprintf(buf, len, "[%s]:%u", host, (unsigned)ntohs(a->s6.sin6_port));
    } else if (a->sa.sa_family == AF_INET) {
        inet_ntop(AF_INET, &a->s4.sin_addr, host, sizeof(host));
        snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(a->s4.sin_port));
    } else {
        snprintf(buf, len, "(unknown address family %d)", (int)a->sa.sa_family);
    }
}

int common_addr_equal(const common_addr *a, const common_addr *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return 0;
    if (a->sa.sa_family == AF_INET)
        return a->s4.sin_port == b->s4.sin_port
            && a->s4.sin_addr.s_addr == b->s4.sin_addr.s_addr;
    if (a->sa.sa_family == AF_INET6)
        return a->s6.sin6_port == b->s6.sin6_port
            && memcmp(&a->s6.sin6_addr, &b->s6.sin6_addr, sizeof(a->s6.sin6_addr)) == 0;
    return 0;
}

int common_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL, 0);

    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

/* Tries each address getaddrinfo() returns; `passive` selects bind() or connect(). */
static int udp_socket(const char *host, const char *port, int passive, int reuse,
                      common_addr *out)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, rc, one = 1, zero = 0;
    socklen_t len;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    if (passive)
        hints.ai_flags = AI_PASSIVE;
    /* With no host, prefer a dual-stack IPv6 wildcard like OpenSSL's s_server. */
    if (passive && host == NULL)
        host = "::";
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 && passive && strcmp(host, "::") == 0)
        rc = getaddrinfo("0.0.0.0", port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "%s: cannot resolve %s:%s: %s\n", common_prog, host ? host : "*",
                port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (reuse) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
#ifdef SO_REUSEPORT
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
#endif
        }
        if (passive && ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if ((passive ? bind(fd, ai->ai_addr, ai->ai_addrlen)
                     : connect(fd, ai->ai_addr, ai->ai_addrlen)) == 0) {
            memset(out, 0, sizeof(*out));
            if (passive) {
                len = sizeof(out->ss);
                getsockname(fd, &out->sa, &len);
            } else {
                memcpy(&out->ss, ai->ai_addr, ai->ai_addrlen);
            }
            break;
        }
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        fprintf(stderr, "%s: cannot %s UDP %s:%s: %s\n", common_prog,
                passive ? "bind" : "connect", host, port, strerror(errno));
    freeaddrinfo(res);
    return fd;
}

int common_udp_bind(const char *host, const char *port, int reuse, common_addr *bound)
{
    return udp_socket(host, port, 1, reuse, bound);
}

int common_udp_connect(const char *host, const char *port, common_addr *peer)
{
    return udp_socket(host, port, 0, 0, peer);
}

int common_udp_socket_for_peer(const common_addr *local, const common_addr *peer)
{
    int fd = socket(local->sa.sa_family, SOCK_DGRAM, 0), one = 1;

    if (fd < 0) {
        fprintf(stderr, "%s: socket: %s\n", common_prog, strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
#ifdef SO_REUSEPORT
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
#endif
    if (bind(fd, &local->sa, common_addr_len(local)) != 0
        || connect(fd, &peer->sa, common_addr_len(peer)) != 0) {
        fprintf(stderr, "%s: per-client socket: %s\n", common_prog, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- cookies (RFC 6347 §4.2.1: stateless HelloVerifyRequest) ------------------------- */

int common_cookie_init(void)
{
    if (RAND_bytes(cookie_secret, (int)sizeof(cookie_secret)) != 1)
        return 0;
    cookie_secret_ready = 1;
    return 1;
}

/* HMAC-SHA256(secret, family || port || address) for the peer of ssl into out[32]. */
static int cookie_for_peer(SSL *ssl, unsigned char *out, unsigned int *out_len)
{
    common_addr peer, *app;
    unsigned char msg[2 + 2 + 16];
    size_t n = 0;

    if (!cookie_secret_ready)
        return 0;
    memset(&peer, 0, sizeof(peer));
    app = (common_addr *)SSL_get_app_data(ssl);
    if (app != NULL)
        peer = *app;
    else if (BIO_dgram_get_peer(SSL_get_rbio(ssl), &peer) <= 0)
        return 0;
    msg[n++] = (unsigned char)(peer.sa.sa_family >> 8);
    msg[n++] = (unsigned char)(peer.sa.sa_family & 0xff);
    if (peer.sa.sa_family == AF_INET) {
        memcpy(msg + n, &peer.s4.sin_port, 2);
        n += 2;
        memcpy(msg + n, &peer.s4.sin_addr, 4);
        n += 4;
    } else if (peer.sa.sa_family == AF_INET6) {
        memcpy(msg + n, &peer.s6.sin6_port, 2);
        n += 2;
        memcpy(msg + n, &peer.s6.sin6_addr, 16);
        n += 16;
    } else {
        return 0;
    }
    return HMAC(EVP_sha256(), cookie_secret, (int)sizeof(cookie_secret), msg, n, out, out_len)
        != NULL;
}

int common_generate_cookie(SSL *ssl, unsigned char *cookie, unsigned int *cookie_len)
{
    /* A SHA-256 HMAC is 32 bytes; DTLS 1.2 cookies may be up to 255 bytes. */
    return cookie_for_peer(ssl, cookie, cookie_len);
}

int common_verify_cookie(SSL *ssl, const unsigned char *cookie, unsigned int cookie_len)
{
    unsigned char expect[EVP_MAX_MD_SIZE];
    unsigned int expect_len = 0, i;
    unsigned char diff = 0;

    if (!cookie_for_peer(ssl, expect, &expect_len) || cookie_len != expect_len)
        return 0;
    /* Constant-time compare: no early exit on the first differing byte. */
    for (i = 0; i < expect_len; i++)
        diff |= (unsigned char)(expect[i] ^ cookie[i]);
    return diff == 0;
}

/* ---- -msg tracing ---------------------------------------------------------------------- */

/* OpenSSL 3.0's headers have no DTLS 1.3: its version number (RFC 9147 section 5.3) and the
 * ACK record's content type (RFC 9147 section 7; BoringSSL's SSL3_RT_ACK), which rdtls's
 * message callback reports with the ACK message as body. */
#ifndef DTLS1_3_VERSION
#define DTLS1_3_VERSION 0xFEFC
#endif
#ifndef SSL3_RT_ACK
#define SSL3_RT_ACK 26
#endif

/* An ACK's record numbers (RFC 9147 section 7: a 2-byte length, then 16-byte
 * {uint64 epoch; uint64 sequence_number} entries) as " (epoch,seq)...". */
static void print_ack(const unsigned char *p, size_t len)
{
    size_t n, i;

    if (len < 2 || (size_t)((p[0] << 8) | p[1]) != len - 2 || (len - 2) % 16 != 0) {
        fprintf(stderr, " malformed");
        return;
    }
    for (n = 2; n + 16 <= len; n += 16) {
        unsigned long long e = 0, s = 0;

        for (i = 0; i < 8; i++) {
            e = (e << 8) | p[n + i];
            s = (s << 8) | p[n + 8 + i];
        }
        fprintf(stderr, " (%llu,%llu)", e, s);
    }
}

static const char *version_name(int version)
{
    switch (version) {
    case DTLS1_3_VERSION: return "DTLS 1.3";
    case DTLS1_2_VERSION: return "DTLS 1.2";
    case DTLS1_VERSION: return "DTLS 1.0";
    case DTLS1_BAD_VER: return "DTLS 1.0 (bad)";
    case TLS1_2_VERSION: return "TLS 1.2";
    default: return "???";
    }
}

static const char *handshake_name(int type)
{
    switch (type) {
    case 0: return "HelloRequest";
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 3: return "HelloVerifyRequest";
    case 4: return "NewSessionTicket";
    case 5: return "EndOfEarlyData";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    case 24: return "KeyUpdate";
    default: return "???";
    }
}

void common_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    const unsigned char *p = buf;
    const char *dir = write_p ? ">>>" : "<<<";
    size_t i;

    (void)ssl;
    (void)arg;
    switch (content_type) {
    case SSL3_RT_HEADER:
        /* A DTLS 1.3 unified header (RFC 9147 section 4: first bits 001) has no version. */
        if (len >= 1 && (p[0] & 0xe0) == 0x20) {
            fprintf(stderr, "%s DTLS 1.3, UnifiedHeader [length %04lx], epoch bits %d%s%s%s\n",
                    dir, (unsigned long)len, p[0] & 3, p[0] & 0x10 ? ", CID" : "",
                    p[0] & 8 ? ", 16-bit seq" : ", 8-bit seq", p[0] & 4 ? ", length" : "");
            break;
        }
        /* The callback may pass version 0 here: take it from the header bytes. */
        if (version == 0 && len >= 3)
            version = (p[1] << 8) | p[2];
        fprintf(stderr, "%s %s, RecordHeader [length %04lx]\n", dir, version_name(version),
                (unsigned long)len);
        break;
    case SSL3_RT_CHANGE_CIPHER_SPEC:
        fprintf(stderr, "%s %s, ChangeCipherSpec [length %04lx]\n", dir,
                version_name(version), (unsigned long)len);
        break;
    case SSL3_RT_ALERT:
        fprintf(stderr, "%s %s, Alert [length %04lx], %s %d\n", dir, version_name(version),
                (unsigned long)len,
                len >= 1 && p[0] == 2 ? "fatal" : "warning", len >= 2 ? p[1] : -1);
        break;
    case SSL3_RT_HANDSHAKE:
        fprintf(stderr, "%s %s, Handshake [length %04lx], %s\n", dir, version_name(version),
                (unsigned long)len, len >= 1 ? handshake_name(p[0]) : "???");
        break;
    case SSL3_RT_ACK:
        fprintf(stderr, "%s %s, ACK [length %04lx], records", dir, version_name(version),
                (unsigned long)len);
        print_ack(p, len);
        fputc('\n', stderr);
        break;
    case SSL3_RT_APPLICATION_DATA:
        fprintf(stderr, "%s %s, ApplicationData [length %04lx]\n", dir,
                version_name(version), (unsigned long)len);
        break;
    default:
        /* Other pseudo content types (e.g. TLS 1.3 inner types) are not DTLS 1.2 traffic. */
        return;
    }
    for (i = 0; i < len; i++) {
        fprintf(stderr, "%s%02x", i % 16 == 0 ? "    " : " ", p[i]);
        if (i % 16 == 15 || i + 1 == len)
            fputc('\n', stderr);
    }
    fflush(stderr);
}

/* ---- key log --------------------------------------------------------------------------- */

static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)ssl;
    if (keylog_file != NULL) {
        fprintf(keylog_file, "%s\n", line);
        fflush(keylog_file);
    }
}

int common_set_keylog_file(SSL_CTX *ctx, const char *path)
{
    if (keylog_file == NULL)
        keylog_file = fopen(path, "a");
    if (keylog_file == NULL) {
        fprintf(stderr, "%s: cannot open key log file %s: %s\n", common_prog, path,
                strerror(errno));
        return 0;
    }
    SSL_CTX_set_keylog_callback(ctx, keylog_cb);
    return 1;
}

/* ---- timers ---------------------------------------------------------------------------- */

void common_set_initial_timer_ms(unsigned int ms)
{
    initial_timer_us = ms * 1000u;
}

unsigned int common_timer_cb(SSL *ssl, unsigned int timer_us)
{
    (void)ssl;
    if (timer_us == 0)
        return initial_timer_us;
    if (timer_us >= initial_timer_us * 4u)
        return initial_timer_us * 8u;
    return timer_us * 2u;
}

/* ---- summary and errors ---------------------------------------------------------------- */

void common_print_summary(SSL *ssl, int is_server)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    char subject[512] = "none";
    long verify = SSL_get_verify_result(ssl);

    if (peer != NULL) {
        X509_NAME_oneline(X509_get_subject_name(peer), subject, (int)sizeof(subject));
        X509_free(peer);
    }
    fprintf(stderr, "Protocol: %s  Cipher: %s  Peer certificate: %s\n", SSL_get_version(ssl),
            cipher != NULL ? SSL_CIPHER_get_name(cipher) : "(none)", subject);
    fprintf(stderr, "Verify return code: %ld (%s)\n", verify,
            X509_verify_cert_error_string(verify));
    cid_print(ssl);
    if (is_server) {
        const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        if (sni != NULL)
            fprintf(stderr, "Server name: %s\n", sni);
    }
    fflush(stderr);
}

const char *common_ssl_error_name(int err)
{
    switch (err) {
    case SSL_ERROR_NONE: return "SSL_ERROR_NONE";
    case SSL_ERROR_SSL: return "SSL_ERROR_SSL";
    case SSL_ERROR_WANT_READ: return "SSL_ERROR_WANT_READ";
    case SSL_ERROR_WANT_WRITE: return "SSL_ERROR_WANT_WRITE";
    case SSL_ERROR_SYSCALL: return "SSL_ERROR_SYSCALL";
    case SSL_ERROR_ZERO_RETURN: return "SSL_ERROR_ZERO_RETURN";
    default: return "SSL_ERROR_other";
    }
}

void common_fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", common_prog, what);
    ERR_print_errors_fp(stderr);
    fflush(stderr);
}

/* ---- waiting --------------------------------------------------------------------------- */

int common_wait(SSL *ssl, int fd, short events, int max_ms)
{
    struct pollfd pfd;
    struct timeval tv;
    int ms = max_ms, timer = 0, n;

    if (ssl != NULL && DTLSv1_get_timeout(ssl, &tv) > 0) {
        long t = (long)tv.tv_sec * 1000L + ((long)tv.tv_usec + 999L) / 1000L;
        if (ms < 0 || t < ms) {
            ms = (int)t;
            timer = 1;
        }
    }
    pfd.fd = fd;
    pfd.events = events;
    pfd.revents = 0;
    do {
        n = poll(&pfd, 1, ms);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        fprintf(stderr, "%s: poll: %s\n", common_prog, strerror(errno));
        return -1;
    }
    if (n > 0)
        return 1;
    if (timer && DTLSv1_handle_timeout(ssl) < 0) {
        common_fail("DTLS retransmission limit reached (peer not answering)");
        return -1;
    }
    return 0;
}

int common_handshake(SSL *ssl, int fd, int nbio, int (*step)(SSL *))
{
    for (;;) {
        int ret = step(ssl), err;

        if (ret == 1)
            return 1;
        err = SSL_get_error(ssl, ret);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            fprintf(stderr, "%s: handshake failed (%s)\n", common_prog,
                    common_ssl_error_name(err));
            ERR_print_errors_fp(stderr);
            return 0;
        }
        if (nbio) {
            if (common_wait(ssl, fd, err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, -1) < 0) {
                fprintf(stderr, "%s: handshake failed (timeout)\n", common_prog);
                return 0;
            }
        } else if (DTLSv1_handle_timeout(ssl) < 0) {
            /* Blocking socket whose receive timeout fired: let the library retransmit. */
            fprintf(stderr, "%s: handshake failed (timeout)\n", common_prog);
            ERR_print_errors_fp(stderr);
            return 0;
        }
    }
}

const char *common_opt_arg(const char *a, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: option %s needs an argument\n", common_prog, a);
        return NULL;
    }
    *i += 1;
    return argv[*i];
}

int common_parse_opt(struct common_opts *c, const char *a, int argc, char **argv, int *i,
                     void (*usage)(void))
{
    const char **str = NULL;
    long *num = NULL;
    const char *v;

    if (strcmp(a, "-cert") == 0) str = &c->cert;
    else if (strcmp(a, "-key") == 0) str = &c->key;
    else if (strcmp(a, "-CAfile") == 0) str = &c->cafile;
    else if (strcmp(a, "-cipher") == 0) str = &c->cipher;
    else if (strcmp(a, "-keylogfile") == 0) str = &c->keylog;
    else if (strcmp(a, "-use_srtp") == 0) str = &c->webrtc.use_srtp;
    else if (strcmp(a, "-alpn") == 0) str = &c->webrtc.alpn;
    else if (strcmp(a, "-keymatexport") == 0) str = &c->webrtc.keymatexport;
    else if (strcmp(a, "-keymatexportlen") == 0) num = &c->webrtc.keymatexportlen;
    else if (strcmp(a, "-psk") == 0) str = &c->psk.psk;
    else if (strcmp(a, "-psk_identity") == 0) str = &c->psk.identity;
    else if (strcmp(a, "-psk_hint") == 0) str = &c->psk.hint;
    else if (strcmp(a, "-nocert") == 0) { c->cert = NULL; c->key = NULL; }
    else if (strcmp(a, "-mtu") == 0) num = &c->mtu;
    else if (strcmp(a, "-cid") == 0) num = &c->cid;
    else if (strcmp(a, "-timer_ms") == 0) num = &c->timer_ms;
    else if (strcmp(a, "-timeout") == 0) c->timeout = 1;
    else if (strcmp(a, "-nbio") == 0) c->nbio = 1;
    else if (strcmp(a, "-quiet") == 0) c->quiet = 1;
    else if (strcmp(a, "-msg") == 0) c->msg = 1;
    else if (strcmp(a, "-client_renegotiation") == 0) c->client_renegotiation = 1;
    else if (strcmp(a, "-no_renegotiation") == 0) c->no_renegotiation = 1;
    else if (strcmp(a, "-no_etm") == 0) c->no_etm = 1;
    else if (strcmp(a, "-dtls1_2") == 0) c->dtls13 = -1;
    else if (strcmp(a, "-dtls") == 0) c->dtls13 = 0;
    else if (strcmp(a, "-dtls1_3") == 0) c->dtls13 = 1;
    else if (strcmp(a, "-help") == 0 || strcmp(a, "-h") == 0) { usage(); exit(0); }
    else
        return 0;
    if (str == NULL && num == NULL)
        return 1;
    v = common_opt_arg(a, argc, argv, i);
    if (v == NULL)
        return -1;
    if (str != NULL)
        *str = v;
    else if (num == &c->cid)
        /* Stored plus 1, so 0 stays "off"; a negative value fails the range check. */
        *num = atol(v) < 0 ? CID_MAX_LEN + 2 : atol(v) + 1;
    else
        *num = atol(v);
    return 1;
}

int common_ctx_load(SSL_CTX *ctx, const struct common_opts *c, const char *role)
{
    char what[64];

    /* -dtls1_3 as OpenSSL 3.x's s_client/s_server: that version only. OpenSSL 3.0 has no
     * DTLS 1.3 and refuses the bound. */
    if (c->dtls13 < 0 && SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1) {
        common_fail("-dtls1_2: cannot set the maximum protocol version");
        return 0;
    }
    if (c->dtls13 > 0
        && (SSL_CTX_set_min_proto_version(ctx, DTLS1_3_VERSION) != 1
            || SSL_CTX_set_max_proto_version(ctx, DTLS1_3_VERSION) != 1)) {
        common_fail("-dtls1_3: this library has no DTLS 1.3");
        return 0;
    }

    if (c->cert != NULL
        && (SSL_CTX_use_certificate_chain_file(ctx, c->cert) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, c->key ? c->key : c->cert, SSL_FILETYPE_PEM) != 1
            || SSL_CTX_check_private_key(ctx) != 1)) {
        snprintf(what, sizeof(what), "cannot load the %s certificate or key", role);
        common_fail(what);
        return 0;
    }
    if (c->cafile != NULL && SSL_CTX_load_verify_locations(ctx, c->cafile, NULL) != 1) {
        common_fail("cannot load the CA file");
        return 0;
    }
    if (c->cipher != NULL && SSL_CTX_set_cipher_list(ctx, c->cipher) != 1) {
        common_fail("no cipher in the -cipher list is usable");
        return 0;
    }
    if (!webrtc_ctx_setup(ctx, &c->webrtc, strcmp(role, "server") == 0))
        return 0;
    if (!psk_ctx_setup(ctx, &c->psk, strcmp(role, "server") == 0, c->quiet))
        return 0;
    if (!cid_ctx_setup(ctx, c->cid - 1))
        return 0;
    return c->keylog == NULL || common_set_keylog_file(ctx, c->keylog);
}

void common_set_bio_timeouts(BIO *bio, int timeout)
{
    struct timeval tv;

    if (!timeout)
        return;
    tv.tv_sec = 0;
    tv.tv_usec = 250000;
    BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_RECV_TIMEOUT, 0, &tv);
    BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_SEND_TIMEOUT, 0, &tv);
}

int common_apply_ssl_opts(SSL *ssl, const struct common_opts *c)
{
    if (c->timer_ms > 0) {
        common_set_initial_timer_ms((unsigned int)c->timer_ms);
        DTLS_set_timer_cb(ssl, common_timer_cb);
    }
    if (c->mtu > 0) {
        SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
        if (!DTLS_set_link_mtu(ssl, c->mtu)) {
            common_fail("-mtu value rejected (too small?)");
            return 0;
        }
    }
    if (c->msg)
        SSL_set_msg_callback(ssl, common_msg_cb);
    if (c->client_renegotiation)
        SSL_set_options(ssl, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    if (c->no_renegotiation)
        SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
    if (c->no_etm)
        SSL_set_options(ssl, SSL_OP_NO_ENCRYPT_THEN_MAC);
    return 1;
}

/* One SSL_do_handshake after a KeyUpdate or renegotiation request: it sends what was
 * queued (OpenSSL sends it only from an I/O call); the stdin command was handled (1). */
static int drive_once(SSL *ssl)
{
    int r = SSL_do_handshake(ssl);

    fprintf(stderr, "SSL_do_handshake -> %d\n", r);
    if (r <= 0)
        ERR_clear_error();
    return 1;
}

int common_stdin_command(SSL *ssl, const char *line, size_t len)
{
    if (len < 1 || (line[0] != 'R' && line[0] != 'k' && line[0] != 'K')
        || (len > 1 && line[1] != '\n' && line[1] != '\r'))
        return 0;

    if (line[0] != 'R') {
        /* As openssl s_client/s_server: "k" updates our keys, "K" also asks the peer to. */
        fprintf(stderr, "KEYUPDATE\n");
        if (SSL_key_update(ssl, line[0] == 'K' ? SSL_KEY_UPDATE_REQUESTED
                                               : SSL_KEY_UPDATE_NOT_REQUESTED) != 1) {
            fprintf(stderr, "%s: SSL_key_update failed\n", common_prog);
            ERR_print_errors_fp(stderr);
            return 1;
        }
        return drive_once(ssl);
    }

    fprintf(stderr, "RENEGOTIATING\n");
    if (SSL_renegotiate(ssl) != 1) {
        fprintf(stderr, "%s: SSL_renegotiate failed\n", common_prog);
        ERR_print_errors_fp(stderr);
        return 1;
    }
    /* As openssl s_server: OpenSSL sends the first flight only from an I/O call. */
    return drive_once(ssl);
}

int common_ssl_write(SSL *ssl, int fd, const void *buf, int len, int may_wait)
{
    for (;;) {
        int r = SSL_write(ssl, buf, len), err;

        if (r > 0)
            return 1;
        err = SSL_get_error(ssl, r);
        if ((err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) && may_wait) {
            if (common_wait(ssl, fd, err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, -1) < 0)
                return 0;
            continue;
        }
        fprintf(stderr, "%s: SSL_write failed (%s)\n", common_prog, common_ssl_error_name(err));
        ERR_print_errors_fp(stderr);
        return 0;
    }
}

/* ---- association tables of the multi-client servers ---------------------------------- */

long long common_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int common_parse_server_opt(struct common_server_opts *s, const char *a, const char *v)
{
    if (strcmp(a, "-max_clients") == 0) {
        s->max_clients = atol(v);
        return 1;
    }
    if (strcmp(a, "-idle_timeout") == 0) {
        s->idle_ms = atol(v) * 1000;
        return 1;
    }
    return 0;
}

int common_server_opts_ok(const struct common_server_opts *s)
{
    if (s->max_clients < 1 || s->max_clients > COMMON_MAX_CLIENTS_LIMIT || s->idle_ms < 0) {
        fprintf(stderr, "%s: -max_clients must be 1..%d and -idle_timeout >= 0\n", common_prog,
                COMMON_MAX_CLIENTS_LIMIT);
        return 0;
    }
    return 1;
}

int common_assoc_free_slot(const struct common_assoc *tab, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (!tab[i].used)
            return i;
    return -1;
}

int common_assoc_victim(const struct common_assoc *tab, int n)
{
    int i, best = -1;

    for (i = 0; i < n; i++) {
        if (!tab[i].used || tab[i].established)
            continue;
        if (best < 0 || tab[i].started_ms < tab[best].started_ms)
            best = i;
    }
    return best;
}
