/*
 * mbedtls_common.c - shared Mbed TLS 2.28 DTLS 1.2 boilerplate of the ctests/mbedtls_*.c
 * interop peers (see mbedtls_common.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "mbedtls_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/error.h>
#include <mbedtls/ssl_ciphersuites.h>

int mbed_failed(const struct mbed_peer *p, const char *what, int ret)
{
    char buf[200];

    mbedtls_strerror(ret, buf, sizeof(buf));
    fprintf(stderr, "%s: %s: -0x%04x %s\n", p->prog, what, (unsigned int)-ret, buf);
    return 1;
}

int mbed_peer_init(struct mbed_peer *p, const char *prog, int endpoint)
{
    int ret;

    memset(p, 0, sizeof(*p));
    p->prog = prog;
    mbedtls_net_init(&p->listen_fd);
    mbedtls_net_init(&p->fd);
    mbedtls_ssl_init(&p->ssl);
    mbedtls_ssl_config_init(&p->conf);
    mbedtls_entropy_init(&p->entropy);
    mbedtls_ctr_drbg_init(&p->drbg);
    mbedtls_x509_crt_init(&p->crt);
    mbedtls_pk_init(&p->key);
    if ((ret = mbedtls_ctr_drbg_seed(&p->drbg, mbedtls_entropy_func, &p->entropy, NULL, 0)) != 0)
        return ret;
    if ((ret = mbedtls_ssl_config_defaults(&p->conf, endpoint, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
        return ret;
    mbedtls_ssl_conf_rng(&p->conf, mbedtls_ctr_drbg_random, &p->drbg);
    mbedtls_ssl_conf_read_timeout(&p->conf, 10000);
    /* Servers: no HelloVerifyRequest, each serves one client on loopback. */
    if (endpoint == MBEDTLS_SSL_IS_SERVER)
        mbedtls_ssl_conf_dtls_cookies(&p->conf, NULL, NULL, NULL);
    return 0;
}

int mbed_peer_suite(struct mbed_peer *p, const char *name)
{
    p->suites[0] = mbedtls_ssl_get_ciphersuite_id(name);
    p->suites[1] = 0;
    if (p->suites[0] == 0)
        return -1;
    mbedtls_ssl_conf_ciphersuites(&p->conf, p->suites);
    return 0;
}

/* Hex to bytes; returns the length, 0 on bad input. */
static size_t unhex(const char *hex, unsigned char *out, size_t max)
{
    size_t n = strlen(hex), i;

    if (n == 0 || n % 2 != 0 || n / 2 > max)
        return 0;
    for (i = 0; i < n; i += 2) {
        unsigned int b;
        char two[3] = {hex[i], hex[i + 1], '\0'};

        if (strspn(two, "0123456789abcdefABCDEF") != 2 || sscanf(two, "%2x", &b) != 1)
            return 0;
        out[i / 2] = (unsigned char)b;
    }
    return n / 2;
}

int mbed_peer_psk(struct mbed_peer *p, const char *identity, const char *hexkey)
{
    size_t len = unhex(hexkey, p->psk, sizeof(p->psk));

    if (len == 0)
        return -1;
    return mbedtls_ssl_conf_psk(&p->conf, p->psk, len, (const unsigned char *)identity,
                                strlen(identity));
}

int mbed_peer_ca(struct mbed_peer *p, const char *cafile)
{
    int ret = mbedtls_x509_crt_parse_file(&p->crt, cafile);

    if (ret != 0)
        return ret;
    mbedtls_ssl_conf_authmode(&p->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&p->conf, &p->crt, NULL);
    return 0;
}

int mbed_peer_cert(struct mbed_peer *p, const char *certfile, const char *keyfile)
{
    int ret;

    if ((ret = mbedtls_x509_crt_parse_file(&p->crt, certfile)) != 0)
        return ret;
    if ((ret = mbedtls_pk_parse_keyfile(&p->key, keyfile, NULL)) != 0)
        return ret;
    return mbedtls_ssl_conf_own_cert(&p->conf, &p->crt, &p->key);
}

int mbed_peer_connect(struct mbed_peer *p, const char *port)
{
    return mbedtls_net_connect(&p->fd, "127.0.0.1", port, MBEDTLS_NET_PROTO_UDP);
}

int mbed_peer_listen(struct mbed_peer *p)
{
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof(addr);
    int ret;

    if ((ret = mbedtls_net_bind(&p->listen_fd, "127.0.0.1", "0", MBEDTLS_NET_PROTO_UDP)) != 0)
        return ret;
    if (getsockname(p->listen_fd.fd, (struct sockaddr *)&addr, &addr_len) != 0)
        return MBEDTLS_ERR_NET_SOCKET_FAILED;
    printf("ACCEPT 127.0.0.1:%u\n", (unsigned int)ntohs(addr.sin_port));
    fflush(stdout);
    return 0;
}

int mbed_peer_accept(struct mbed_peer *p)
{
    return mbedtls_net_accept(&p->listen_fd, &p->fd, NULL, 0, NULL);
}

int mbed_peer_handshake(struct mbed_peer *p, const char *hostname)
{
    int ret;

    if ((ret = mbedtls_ssl_setup(&p->ssl, &p->conf)) != 0)
        return ret;
    if (hostname != NULL && (ret = mbedtls_ssl_set_hostname(&p->ssl, hostname)) != 0)
        return ret;
    mbedtls_ssl_set_bio(&p->ssl, &p->fd, mbedtls_net_send, mbedtls_net_recv,
                        mbedtls_net_recv_timeout);
    /* DTLS retransmission timers (RFC 6347 section 4.2.4). */
    mbedtls_ssl_set_timer_cb(&p->ssl, &p->timer, mbedtls_timing_set_delay,
                             mbedtls_timing_get_delay);
    do
        ret = mbedtls_ssl_handshake(&p->ssl);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    return ret;
}

int mbed_peer_read(struct mbed_peer *p, unsigned char *buf, size_t size)
{
    int ret;

    do
        ret = mbedtls_ssl_read(&p->ssl, buf, size - 1);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret > 0)
        buf[ret] = '\0';
    return ret;
}

void mbed_peer_free(struct mbed_peer *p)
{
    mbedtls_ssl_free(&p->ssl);
    mbedtls_ssl_config_free(&p->conf);
    mbedtls_x509_crt_free(&p->crt);
    mbedtls_pk_free(&p->key);
    mbedtls_ctr_drbg_free(&p->drbg);
    mbedtls_entropy_free(&p->entropy);
    mbedtls_net_free(&p->fd);
    mbedtls_net_free(&p->listen_fd);
}
