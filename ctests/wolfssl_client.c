/*
 * wolfssl_client.c - a wolfSSL DTLS 1.2 client for one suite, the wolfSSL interop peer of
 * ctests/t_psk.sh (PSK-AES128-CCM8 and ECDHE-ECDSA-AES128-CCM8, RFC 7925 section 4).
 *
 *   wolfssl_client PORT SUITE psk IDENTITY HEXKEY
 *   wolfssl_client PORT SUITE cert CAFILE
 *
 * SUITE is wolfSSL's (OpenSSL-style) name, e.g. PSK-AES128-CCM-8. Prints "Ciphersuite: NAME",
 * sends one line and expects it echoed ("echo: ..."), closes with close_notify. Exit 0 on
 * success, 1 on failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

static const char *psk_identity;
static unsigned char psk_key[64];
static unsigned int psk_len;

static unsigned int client_cb(WOLFSSL *ssl, const char *hint, char *identity,
                              unsigned int max_identity_len, unsigned char *key,
                              unsigned int max_key_len)
{
    (void)ssl;
    if (hint != NULL)
        printf("Received PSK identity hint '%s'\n", hint);
    if (strlen(psk_identity) + 1 > max_identity_len || psk_len > max_key_len)
        return 0;
    memcpy(identity, psk_identity, strlen(psk_identity) + 1);
    memcpy(key, psk_key, psk_len);
    return psk_len;
}

static int parse_hex(const char *hex)
{
    size_t i, n = strlen(hex);

    if (n % 2 != 0 || n / 2 > sizeof(psk_key))
        return 0;
    for (i = 0; i < n / 2; i++) {
        unsigned int b;
        if (sscanf(hex + 2 * i, "%2x", &b) != 1)
            return 0;
        psk_key[i] = (unsigned char)b;
    }
    psk_len = (unsigned int)(n / 2);
    return 1;
}

static int failed(WOLFSSL *ssl, const char *what, int ret)
{
    char buf[WOLFSSL_MAX_ERROR_SZ];
    int err = ssl != NULL ? wolfSSL_get_error(ssl, ret) : ret;

    fprintf(stderr, "wolfssl_client: %s: %d %s\n", what, err, wolfSSL_ERR_error_string(err, buf));
    return 1;
}

int main(int argc, char **argv)
{
    const char *line = "hello from wolfssl\n";
    struct sockaddr_in peer;
    WOLFSSL_CTX *ctx;
    WOLFSSL *ssl;
    char buf[256];
    int fd, ret, psk;

    if (argc < 5 || (strcmp(argv[3], "psk") == 0 && argc < 6)) {
        fprintf(stderr, "usage: wolfssl_client PORT SUITE psk IDENTITY HEXKEY | "
                        "PORT SUITE cert CAFILE\n");
        return 1;
    }
    psk = strcmp(argv[3], "psk") == 0;
    wolfSSL_Init();
    ctx = wolfSSL_CTX_new(wolfDTLSv1_2_client_method());
    if (ctx == NULL)
        return failed(NULL, "CTX_new", 0);
    if (wolfSSL_CTX_set_cipher_list(ctx, argv[2]) != WOLFSSL_SUCCESS)
        return failed(NULL, "set_cipher_list", 0);
    if (psk) {
        psk_identity = argv[4];
        if (!parse_hex(argv[5]))
            return failed(NULL, "bad hex key", 0);
        wolfSSL_CTX_set_psk_client_callback(ctx, client_cb);
    } else if (wolfSSL_CTX_load_verify_locations(ctx, argv[4], NULL) != WOLFSSL_SUCCESS) {
        return failed(NULL, "load_verify_locations", 0);
    }
    memset(&peer, 0, sizeof(peer));
    peer.sin_family = AF_INET;
    peer.sin_port = htons((unsigned short)atoi(argv[1]));
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof(peer)) != 0) {
        perror("wolfssl_client: socket");
        return 1;
    }
    ssl = wolfSSL_new(ctx);
    if (ssl == NULL)
        return failed(NULL, "new", 0);
    wolfSSL_dtls_set_peer(ssl, &peer, sizeof(peer));
    wolfSSL_set_fd(ssl, fd);
    if ((ret = wolfSSL_connect(ssl)) != WOLFSSL_SUCCESS)
        return failed(ssl, "connect", ret);
    printf("Ciphersuite: %s\n", wolfSSL_get_cipher_name(ssl));
    fflush(stdout);
    if ((ret = wolfSSL_write(ssl, line, (int)strlen(line))) <= 0)
        return failed(ssl, "write", ret);
    ret = wolfSSL_read(ssl, buf, (int)sizeof(buf) - 1);
    if (ret <= 0)
        return failed(ssl, "read", ret);
    buf[ret] = '\0';
    printf("echo: %s", buf);
    wolfSSL_shutdown(ssl);
    wolfSSL_free(ssl);
    wolfSSL_CTX_free(ctx);
    wolfSSL_Cleanup();
    close(fd);
    return 0;
}
