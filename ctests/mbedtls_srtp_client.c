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

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/timing.h>
#include <mbedtls/x509_crt.h>

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

static int failed(const char *what, int ret)
{
    char buf[200];

    mbedtls_strerror(ret, buf, sizeof(buf));
    fprintf(stderr, "mbedtls_srtp_client: %s: -0x%04x %s\n", what, (unsigned int)-ret, buf);
    return 1;
}

int main(int argc, char **argv)
{
    static mbedtls_ssl_srtp_profile profiles[2];
    const char *alpn[2];
    mbedtls_net_context fd;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_timing_delay_context timer;
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
    mbedtls_net_init(&fd);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)) != 0)
        return failed("seed", ret);
    if ((ret = mbedtls_x509_crt_parse_file(&ca, argv[3])) != 0)
        return failed("CA file", ret);
    if ((ret = mbedtls_net_connect(&fd, "127.0.0.1", argv[1], MBEDTLS_NET_PROTO_UDP)) != 0)
        return failed("connect", ret);
    if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                           MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
        return failed("config", ret);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, 10000);
    mbedtls_ssl_conf_export_keys_ext_cb(&conf, export_keys, NULL);
    if ((ret = mbedtls_ssl_conf_dtls_srtp_protection_profiles(&conf, profiles)) != 0)
        return failed("SRTP profiles", ret);
    mbedtls_ssl_conf_srtp_mki_value_supported(&conf, MBEDTLS_SSL_DTLS_SRTP_MKI_UNSUPPORTED);
    if ((ret = mbedtls_ssl_conf_alpn_protocols(&conf, alpn)) != 0)
        return failed("ALPN", ret);
    if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0)
        return failed("setup", ret);
    if ((ret = mbedtls_ssl_set_hostname(&ssl, "localhost")) != 0)
        return failed("hostname", ret);
    mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    do
        ret = mbedtls_ssl_handshake(&ssl);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != 0)
        return failed("handshake", ret);
    mbedtls_ssl_get_dtls_srtp_negotiation_result(&ssl, &srtp);
    printf("SRTP profile: 0x%04x\n", (unsigned int)srtp.chosen_dtls_srtp_profile);
    proto = mbedtls_ssl_get_alpn_protocol(&ssl);
    printf("ALPN protocol: %s\n", proto ? proto : "(none)");
    if (!have_keys)
        return failed("no keys exported", 0);
    /* RFC 5705 §4 without context: PRF(master_secret, label, client_random + server_random). */
    if ((ret = mbedtls_ssl_tls_prf(prf_type, master, sizeof(master), "EXTRACTOR-dtls_srtp",
                                   randoms, sizeof(randoms), km, sizeof(km))) != 0)
        return failed("PRF", ret);
    printf("Keying material: ");
    for (i = 0; i < KEYMAT_LEN; i++)
        printf("%02X", km[i]);
    printf("\n");
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
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    mbedtls_net_free(&fd);
    return 0;
}
