/*
 * mbedtls_psk_client.c - a Mbed TLS 2.28 DTLS 1.2 client for one PSK suite (RFC 4279,
 * RFC 5489, RFC 6655), the interop peer of ctests/t_psk.sh.
 *
 *   mbedtls_psk_client PORT SUITE IDENTITY HEXKEY
 *
 * SUITE is Mbed TLS's name (e.g. TLS-PSK-WITH-AES-128-CCM-8). Prints "Ciphersuite: NAME",
 * sends one line and expects it echoed ("echo: ..."), closes with close_notify. Exit 0 on
 * success, 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    fprintf(stderr, "mbedtls_psk_client: %s: -0x%04x %s\n", what, (unsigned int)-ret, buf);
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
    mbedtls_net_context fd;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_timing_delay_context timer;
    unsigned char key[64], buf[256];
    const char *line = "hello from mbedtls\n";
    size_t key_len;
    int ret;

    if (argc != 5) {
        fprintf(stderr, "usage: mbedtls_psk_client PORT SUITE IDENTITY HEXKEY\n");
        return 2;
    }
    suites[0] = mbedtls_ssl_get_ciphersuite_id(argv[2]);
    suites[1] = 0;
    if (suites[0] == 0) {
        fprintf(stderr, "mbedtls_psk_client: unknown suite %s\n", argv[2]);
        return 2;
    }
    key_len = unhex(argv[4], key, sizeof(key));
    if (key_len == 0) {
        fprintf(stderr, "mbedtls_psk_client: bad key\n");
        return 2;
    }
    mbedtls_net_init(&fd);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)) != 0)
        return failed("seed", ret);
    if ((ret = mbedtls_net_connect(&fd, "127.0.0.1", argv[1], MBEDTLS_NET_PROTO_UDP)) != 0)
        return failed("connect", ret);
    if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                           MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
        return failed("config", ret);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, 10000);
    mbedtls_ssl_conf_ciphersuites(&conf, suites);
    if ((ret = mbedtls_ssl_conf_psk(&conf, key, key_len, (const unsigned char *)argv[3],
                                    strlen(argv[3]))) != 0)
        return failed("PSK", ret);
    if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0)
        return failed("setup", ret);
    mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    do
        ret = mbedtls_ssl_handshake(&ssl);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != 0)
        return failed("handshake", ret);
    printf("Ciphersuite: %s\n", mbedtls_ssl_get_ciphersuite(&ssl));
    fflush(stdout);
    if ((ret = mbedtls_ssl_write(&ssl, (const unsigned char *)line, strlen(line))) < 0)
        return failed("write", ret);
    do
        ret = mbedtls_ssl_read(&ssl, buf, sizeof(buf) - 1);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret <= 0)
        return failed("read", ret);
    buf[ret] = '\0';
    printf("echo: %s", (const char *)buf);
    mbedtls_ssl_close_notify(&ssl);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    mbedtls_net_free(&fd);
    return 0;
}
