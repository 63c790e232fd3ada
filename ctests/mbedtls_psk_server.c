/*
 * mbedtls_psk_server.c - a Mbed TLS 2.28 DTLS 1.2 server for one PSK suite (RFC 4279,
 * RFC 6655) or one certificate suite (ECDHE-ECDSA with AES-CCM, RFC 7251), the interop peer
 * of ctests/t_psk.sh and ctests/t_ccm_ecdsa_interop.sh for our client.
 *
 *   mbedtls_psk_server SUITE IDENTITY HEXKEY
 *   mbedtls_psk_server SUITE -cert CERTFILE KEYFILE
 *
 * SUITE is Mbed TLS's name (e.g. TLS-PSK-WITH-AES-128-CCM-8). Listens on 127.0.0.1, a free
 * port, printed as "ACCEPT 127.0.0.1:PORT"; serves one client without a cookie exchange:
 * prints "Ciphersuite: NAME", echoes the first record it receives, waits for the client's
 * close_notify. Exit 0 on success, 1 on failure.
 */
#include <stdio.h>
#include <string.h>

#include "mbedtls_common.h"

int main(int argc, char **argv)
{
    static struct mbed_peer p;
    unsigned char buf[256];
    int ret, len;

    if ((argc != 4 || strcmp(argv[2], "-cert") == 0) &&
        (argc != 5 || strcmp(argv[2], "-cert") != 0)) {
        fprintf(stderr, "usage: mbedtls_psk_server SUITE (IDENTITY HEXKEY | -cert CERT KEY)\n");
        return 2;
    }
    if ((ret = mbed_peer_init(&p, "mbedtls_psk_server", MBEDTLS_SSL_IS_SERVER)) != 0)
        return mbed_failed(&p, "init", ret);
    if (mbed_peer_suite(&p, argv[1]) != 0) {
        fprintf(stderr, "mbedtls_psk_server: unknown suite %s\n", argv[1]);
        return 2;
    }
    if (argc == 5) {
        if ((ret = mbed_peer_cert(&p, argv[3], argv[4])) != 0)
            return mbed_failed(&p, "certificate", ret);
    } else {
        ret = mbed_peer_psk(&p, argv[2], argv[3]);
        if (ret == -1) {
            fprintf(stderr, "mbedtls_psk_server: bad key\n");
            return 2;
        }
        if (ret != 0)
            return mbed_failed(&p, "PSK", ret);
    }
    if ((ret = mbed_peer_listen(&p)) != 0)
        return mbed_failed(&p, "bind", ret);
    if ((ret = mbed_peer_accept(&p)) != 0)
        return mbed_failed(&p, "accept", ret);
    if ((ret = mbed_peer_handshake(&p, NULL)) != 0)
        return mbed_failed(&p, "handshake", ret);
    printf("Ciphersuite: %s\n", mbedtls_ssl_get_ciphersuite(&p.ssl));
    fflush(stdout);
    if ((len = mbed_peer_read(&p, buf, sizeof(buf))) <= 0)
        return mbed_failed(&p, "read", len);
    printf("received: %s", (const char *)buf);
    fflush(stdout);
    if ((ret = mbedtls_ssl_write(&p.ssl, buf, (size_t)len)) < 0)
        return mbed_failed(&p, "write", ret);
    /* The client's close_notify ends the connection. */
    ret = mbed_peer_read(&p, buf, sizeof(buf));
    if (ret != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        return mbed_failed(&p, "waiting for close_notify", ret);
    printf("CONNECTION CLOSED\n");
    mbed_peer_free(&p);
    return 0;
}
