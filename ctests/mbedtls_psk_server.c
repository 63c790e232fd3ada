/*
 * mbedtls_psk_server.c - a Mbed TLS 2.28 DTLS 1.2 server for one PSK suite (RFC 4279,
 * RFC 6655), the interop peer of ctests/t_psk.sh for our client.
 *
 *   mbedtls_psk_server SUITE IDENTITY HEXKEY
 *
 * SUITE is Mbed TLS's name (e.g. TLS-PSK-WITH-AES-128-CCM-8). Listens on 127.0.0.1, a free
 * port, printed as "ACCEPT 127.0.0.1:PORT"; serves one client without a cookie exchange:
 * prints "Ciphersuite: NAME", echoes the first record it receives, waits for the client's
 * close_notify. Exit 0 on success, 1 on failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/timing.h>

static int failed(const char *what, int ret)
{
    char buf[200];

    mbedtls_strerror(ret, buf, sizeof(buf));
    fprintf(stderr, "mbedtls_psk_server: %s: -0x%04x %s\n", what, (unsigned int)-ret, buf);
    return 1;
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

int main(int argc, char **argv)
{
    static int suites[2];
    mbedtls_net_context listen_fd, fd;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_timing_delay_context timer;
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof(addr);
    unsigned char key[64], buf[256];
    size_t key_len;
    int ret, len;

    if (argc != 4) {
        fprintf(stderr, "usage: mbedtls_psk_server SUITE IDENTITY HEXKEY\n");
        return 2;
    }
    suites[0] = mbedtls_ssl_get_ciphersuite_id(argv[1]);
    suites[1] = 0;
    if (suites[0] == 0) {
        fprintf(stderr, "mbedtls_psk_server: unknown suite %s\n", argv[1]);
        return 2;
    }
    key_len = unhex(argv[3], key, sizeof(key));
    if (key_len == 0) {
        fprintf(stderr, "mbedtls_psk_server: bad key\n");
        return 2;
    }
    mbedtls_net_init(&listen_fd);
    mbedtls_net_init(&fd);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)) != 0)
        return failed("seed", ret);
    if ((ret = mbedtls_net_bind(&listen_fd, "127.0.0.1", "0", MBEDTLS_NET_PROTO_UDP)) != 0)
        return failed("bind", ret);
    if (getsockname(listen_fd.fd, (struct sockaddr *)&addr, &addr_len) != 0) {
        perror("mbedtls_psk_server: getsockname");
        return 1;
    }
    printf("ACCEPT 127.0.0.1:%u\n", (unsigned int)ntohs(addr.sin_port));
    fflush(stdout);
    if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER,
                                           MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
        return failed("config", ret);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, 10000);
    mbedtls_ssl_conf_ciphersuites(&conf, suites);
    /* No HelloVerifyRequest: one client on loopback. */
    mbedtls_ssl_conf_dtls_cookies(&conf, NULL, NULL, NULL);
    if ((ret = mbedtls_ssl_conf_psk(&conf, key, key_len, (const unsigned char *)argv[2],
                                    strlen(argv[2]))) != 0)
        return failed("PSK", ret);
    if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0)
        return failed("setup", ret);
    if ((ret = mbedtls_net_accept(&listen_fd, &fd, NULL, 0, NULL)) != 0)
        return failed("accept", ret);
    mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    do
        ret = mbedtls_ssl_handshake(&ssl);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != 0)
        return failed("handshake", ret);
    printf("Ciphersuite: %s\n", mbedtls_ssl_get_ciphersuite(&ssl));
    fflush(stdout);
    do
        len = mbedtls_ssl_read(&ssl, buf, sizeof(buf) - 1);
    while (len == MBEDTLS_ERR_SSL_WANT_READ || len == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (len <= 0)
        return failed("read", len);
    buf[len] = '\0';
    printf("received: %s", (const char *)buf);
    fflush(stdout);
    if ((ret = mbedtls_ssl_write(&ssl, buf, (size_t)len)) < 0)
        return failed("write", ret);
    /* The client's close_notify ends the connection. */
    do
        ret = mbedtls_ssl_read(&ssl, buf, sizeof(buf) - 1);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        return failed("waiting for close_notify", ret);
    printf("CONNECTION CLOSED\n");
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    mbedtls_net_free(&fd);
    mbedtls_net_free(&listen_fd);
    return 0;
}
