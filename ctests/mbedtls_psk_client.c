/*
 * mbedtls_psk_client.c - a Mbed TLS 2.28 DTLS 1.2 client for one PSK suite (RFC 4279,
 * RFC 5489, RFC 6655) or one certificate suite (ECDHE-ECDSA with AES-CCM, RFC 7251), the
 * interop peer of ctests/t_psk.sh and ctests/t_ccm_ecdsa_interop.sh.
 *
 *   mbedtls_psk_client PORT SUITE IDENTITY HEXKEY
 *   mbedtls_psk_client PORT SUITE -CAfile CAFILE
 *
 * SUITE is Mbed TLS's name (e.g. TLS-PSK-WITH-AES-128-CCM-8). With -CAfile the server's
 * certificate must chain to CAFILE and name localhost (Mbed TLS 2.28 matches no IP SANs).
 * Prints "Ciphersuite: NAME", sends one line and expects it echoed ("echo: ..."), closes with
 * close_notify. Exit 0 on success, 1 on failure.
 */
#include <stdio.h>
#include <string.h>

#include "mbedtls_common.h"

int main(int argc, char **argv)
{
    static struct mbed_peer p;
    unsigned char buf[256];
    const char *line = "hello from mbedtls\n";
    const char *hostname = NULL;
    int ret;

    if (argc != 5) {
        fprintf(stderr,
                "usage: mbedtls_psk_client PORT SUITE (IDENTITY HEXKEY | -CAfile CAFILE)\n");
        return 2;
    }
    if ((ret = mbed_peer_init(&p, "mbedtls_psk_client", MBEDTLS_SSL_IS_CLIENT)) != 0)
        return mbed_failed(&p, "init", ret);
    if (mbed_peer_suite(&p, argv[2]) != 0) {
        fprintf(stderr, "mbedtls_psk_client: unknown suite %s\n", argv[2]);
        return 2;
    }
    if (strcmp(argv[3], "-CAfile") == 0) {
        if ((ret = mbed_peer_ca(&p, argv[4])) != 0)
            return mbed_failed(&p, "CA file", ret);
        hostname = "localhost";
    } else {
        ret = mbed_peer_psk(&p, argv[3], argv[4]);
        if (ret == -1) {
            fprintf(stderr, "mbedtls_psk_client: bad key\n");
            return 2;
        }
        if (ret != 0)
            return mbed_failed(&p, "PSK", ret);
    }
    if ((ret = mbed_peer_connect(&p, argv[1])) != 0)
        return mbed_failed(&p, "connect", ret);
    if ((ret = mbed_peer_handshake(&p, hostname)) != 0)
        return mbed_failed(&p, "handshake", ret);
    printf("Ciphersuite: %s\n", mbedtls_ssl_get_ciphersuite(&p.ssl));
    fflush(stdout);
    if ((ret = mbedtls_ssl_write(&p.ssl, (const unsigned char *)line, strlen(line))) < 0)
        return mbed_failed(&p, "write", ret);
    if ((ret = mbed_peer_read(&p, buf, sizeof(buf))) <= 0)
        return mbed_failed(&p, "read", ret);
    printf("echo: %s", (const char *)buf);
    mbedtls_ssl_close_notify(&p.ssl);
    mbed_peer_free(&p);
    return 0;
}
