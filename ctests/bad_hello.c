/*
 * bad_hello.c - sends a DTLS 1.2 ClientHello carrying one extra extension (type and hex
 * data from the command line) to 127.0.0.1:PORT, answers a HelloVerifyRequest once with
 * the cookie, and prints what the server answered last: "alert LEVEL DESC", "handshake
 * TYPE" or "none" (nothing within 2 s). A plain UDP tool (no TLS library): the same
 * crafted hello goes to openssl s_server and to rdtls-s_server (ctests/t_bad_hello.sh).
 *
 *   bad_hello PORT EXT_TYPE HEXDATA
 */
#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned char ext_data[512];
static size_t ext_len;

static void put16(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put24(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 16);
    put16(p + 1, v);
}

/* The ClientHello body: one ECDHE-ECDSA/RSA suite set, the usual extensions and ours. */
static size_t client_hello(unsigned char *b, const unsigned char *cookie, size_t cookie_len,
                           unsigned ext_type)
{
    static const unsigned char suites[] = { 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30 };
    static const unsigned char fixed_exts[] = {
        0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17, /* supported_groups */
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                         /* ec_point_formats */
        0x00, 0x0d, 0x00, 0x0c, 0x00, 0x0a, 0x04, 0x03, 0x05, 0x03, /* signature_algs */
        0x08, 0x04, 0x04, 0x01, 0x05, 0x01,
        0x00, 0x17, 0x00, 0x00,                                     /* extended_ms */
        0xff, 0x01, 0x00, 0x01, 0x00,                               /* renegotiation_info */
    };
    size_t n = 0, exts_at, i;

    b[n++] = 0xfe;
    b[n++] = 0xfd;
    for (i = 0; i < 32; i++)
        b[n++] = (unsigned char)(i * 7 + 1);
    b[n++] = 0; /* session_id */
    b[n++] = (unsigned char)cookie_len;
    memcpy(b + n, cookie, cookie_len);
    n += cookie_len;
    put16(b + n, sizeof(suites));
    memcpy(b + n + 2, suites, sizeof(suites));
    n += 2 + sizeof(suites);
    b[n++] = 1;
    b[n++] = 0; /* null compression */
    exts_at = n;
    n += 2;
    memcpy(b + n, fixed_exts, sizeof(fixed_exts));
    n += sizeof(fixed_exts);
    put16(b + n, ext_type);
    put16(b + n + 2, ext_len);
    memcpy(b + n + 4, ext_data, ext_len);
    n += 4 + ext_len;
    put16(b + exts_at, n - exts_at - 2);
    return n;
}

/* Wraps a ClientHello body in a handshake header and an epoch-0 record. */
static size_t record(unsigned char *out, unsigned seq, const unsigned char *body, size_t len)
{
    memset(out, 0, 25);
    out[0] = 22;
    out[1] = 0xfe;
    out[2] = 0xfd;
    out[10] = (unsigned char)seq;
    put16(out + 11, len + 12);
    out[13] = 1; /* client_hello */
    put24(out + 14, len);
    put16(out + 17, seq); /* message_seq */
    put24(out + 22, len); /* fragment_length; fragment_offset 0 */
    memcpy(out + 25, body, len);
    return len + 25;
}

int main(int argc, char **argv)
{
    unsigned char body[1024], dg[1200], in[4096], cookie[256];
    struct sockaddr_in a;
    struct pollfd p;
    size_t i, n, cookie_len = 0;
    ssize_t got = -1;
    unsigned ext_type;
    int fd, round;

    if (argc != 4 || strlen(argv[3]) % 2 != 0 || strlen(argv[3]) / 2 > sizeof(ext_data)) {
        fprintf(stderr, "usage: bad_hello PORT EXT_TYPE HEXDATA\n");
        return 2;
    }
    ext_type = (unsigned)strtoul(argv[2], NULL, 0);
    for (i = 0; i < strlen(argv[3]) / 2; i++) {
        unsigned v;

        if (sscanf(argv[3] + 2 * i, "%2x", &v) != 1)
            return 2;
        ext_data[ext_len++] = (unsigned char)v;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        return 1;
    for (round = 0; round < 2; round++) {
        n = client_hello(body, cookie, cookie_len, ext_type);
        n = record(dg, (unsigned)round, body, n);
        if (send(fd, dg, n, 0) != (ssize_t)n)
            return 1;
        p.fd = fd;
        p.events = POLLIN;
        if (poll(&p, 1, 2000) != 1 || (got = recv(fd, in, sizeof(in), 0)) < 15) {
            got = -1;
            break;
        }
        /* A HelloVerifyRequest: record(13) handshake header(12) version(2) cookie<1>. */
        if (round == 0 && in[0] == 22 && in[13] == 3 && got >= 28 && 28 + in[27] <= got) {
            cookie_len = in[27];
            memcpy(cookie, in + 28, cookie_len);
            continue;
        }
        break;
    }
    if (got < 0)
        printf("none\n");
    else if (in[0] == 21)
        printf("alert %d %d\n", in[13], in[14]);
    else if (in[0] == 22)
        printf("handshake %d\n", in[13]);
    else
        printf("record %d\n", in[0]);
    close(fd);
    return 0;
}
