/*
 * mbedtls_srtp_client.c - a Mbed TLS 2.28 DTLS 1.2 client offering use_srtp (RFC 5764) and
 * ALPN (RFC 7301), the interop peer of ctests/t_srtp.sh. Mbed TLS has no exporter API, so
 * the SRTP keying material is derived as RFC 5705 defines it, with Mbed TLS's own PRF, from
 * the master secret and randoms its export-keys callback hands out.
 *
 *   mbedtls_srtp_client PORT PROFILE_ID CAFILE ALPN
 *
 * PROFILE_ID is the SRTPProtectionProfile code point (1 or 2: Mbed TLS 2.28 has no AEAD
 * profiles). Prints "SRTP profile: 0x000N", "ALPN protocol: NAME" and
 * "Keying material: HEX" (60 bytes), sends one line and expects it echoed, closes with
 * close_notify. Exit 0 on success, 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls_common.h"

#define KEYMAT_LEN 60

static unsigned char master[48];
static unsigned char randoms[64];
static mbedtls_tls_prf_types prf_type;
static int have_keys;

/* Keeps what RFC 5705 needs: master secret, client_random || server_random, the PRF. */
static int export_keys(void *p, const unsigned char *ms, const unsigned char *kb, size_t maclen,
                       size_t keylen, size_t ivlen, const unsigned char client_random[32],
                       const unsigned char server_random[32], mbedtls_tls_prf_types prf)
{
    (void)p;
    (void)kb;
    (void)maclen;
    (void)keylen;
    (void)ivlen;
    memcpy(master, ms, sizeof(master));
    memcpy(randoms, client_random, 32);
    memcpy(randoms + 32, server_random, 32);
    prf_type = prf;
    have_keys = 1;
    return 0;
}

int main(int argc, char **argv)
{
    static mbedtls_ssl_srtp_profile profiles[2];
    static struct mbed_peer p;
    const char *alpn[2];
    mbedtls_dtls_srtp_info srtp;
    unsigned char km[KEYMAT_LEN], buf[256];
    const char *line = "hello from mbedtls\n";
    const char *proto;
    int ret, i;

    if (argc != 5) {
        fprintf(stderr, "usage: mbedtls_srtp_client PORT PROFILE_ID CAFILE ALPN\n");
        return 2;
    }
    profiles[0] = (mbedtls_ssl_srtp_profile)atoi(argv[2]);
    profiles[1] = MBEDTLS_TLS_SRTP_UNSET;
    alpn[0] = argv[4];
    alpn[1] = NULL;
    if ((ret = mbed_peer_init(&p, "mbedtls_srtp_client", MBEDTLS_SSL_IS_CLIENT)) != 0)
        return mbed_failed(&p, "init", ret);
    if ((ret = mbed_peer_ca(&p, argv[3])) != 0)
        return mbed_failed(&p, "CA file", ret);
    if ((ret = mbed_peer_connect(&p, argv[1])) != 0)
        return mbed_failed(&p, "connect", ret);
    mbedtls_ssl_conf_export_keys_ext_cb(&p.conf, export_keys, NULL);
    if ((ret = mbedtls_ssl_conf_dtls_srtp_protection_profiles(&p.conf, profiles)) != 0)
        return mbed_failed(&p, "SRTP profiles", ret);
    mbedtls_ssl_conf_srtp_mki_value_supported(&p.conf, MBEDTLS_SSL_DTLS_SRTP_MKI_UNSUPPORTED);
    if ((ret = mbedtls_ssl_conf_alpn_protocols(&p.conf, alpn)) != 0)
        return mbed_failed(&p, "ALPN", ret);
    if ((ret = mbed_peer_handshake(&p, "localhost")) != 0)
        return mbed_failed(&p, "handshake", ret);
    mbedtls_ssl_get_dtls_srtp_negotiation_result(&p.ssl, &srtp);
    printf("SRTP profile: 0x%04x\n", (unsigned int)srtp.chosen_dtls_srtp_profile);
    proto = mbedtls_ssl_get_alpn_protocol(&p.ssl);
    printf("ALPN protocol: %s\n", proto ? proto : "(none)");
    if (!have_keys)
        return mbed_failed(&p, "no keys exported", 0);
    /* RFC 5705 §4 without context: PRF(master_secret, label, client_random + server_random). */
    if ((ret = mbedtls_ssl_tls_prf(prf_type, master, sizeof(master), "EXTRACTOR-dtls_srtp",
                                   randoms, sizeof(randoms), km, sizeof(km))) != 0)
        return mbed_failed(&p, "PRF", ret);
    printf("Keying material: ");
    for (i = 0; i < KEYMAT_LEN; i++)
        printf("%02X", km[i]);
    printf("\n");
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
