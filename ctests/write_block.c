/*
 * write_block.c - SSL_write whose write BIO cannot take data, as OpenSSL 3.0 answers it:
 * -1 with SSL_ERROR_WANT_WRITE and an empty error queue, as often as the application
 * calls; once the BIO takes data again the same call succeeds and the peer receives the
 * data once. Into a write BIO that always takes data (here a memory BIO behind a gate that
 * is open) hundreds of writes without the peer reading all succeed: more records than
 * rdtls's engine queues unsent (transmit::MAX_QUEUED_DATAGRAMS, 256), since the C layer
 * writes each record out in its SSL_write (the records are counted in the BIO, not read by
 * the server). Client and server run in this process over memory BIOs; t_write_block.sh diffs the output of the build against system OpenSSL and
 * the build against rdtls.
 *
 *   write_block CERT KEY
 *
 * Exit status: 0 when the handshake completed, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mem_pair.h"

#define WRITES 300
#define LEN 100

/* The client's write BIO: passes writes to a memory BIO while open, says "retry" when shut. */
struct gate {
    BIO *sink;
    int open;
};

static int gate_write(BIO *b, const char *data, int len)
{
    struct gate *g = BIO_get_data(b);

    BIO_clear_retry_flags(b);
    if (!g->open) {
        BIO_set_retry_write(b);
        return -1;
    }
    return BIO_write(g->sink, data, len);
}

static long gate_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* One SSL_write of LEN bytes of `fill`; prints what it returned. */
static int write_one(const char *what, SSL *c, unsigned char fill)
{
    unsigned char buf[LEN];
    int n, err;

    memset(buf, fill, sizeof(buf));
    n = SSL_write(c, buf, (int)sizeof(buf));
    err = SSL_get_error(c, n);
    printf("%s: SSL_write %d, SSL_get_error %d, error queue %s\n", what, n, err,
           ERR_peek_error() == 0 ? "empty" : "set");
    ERR_clear_error();
    return n;
}

/*
 * Takes everything in `b` and counts the application data records in it (the server does
 * not read them: a receiver buffers a bounded number of records a single read brings).
 */
static int count_records(BIO *b)
{
    static unsigned char buf[1 << 17];
    int len = 0, off = 0, n, records = 0;

    while ((size_t)len < sizeof(buf)
           && (n = BIO_read(b, buf + len, (int)sizeof(buf) - len)) > 0)
        len += n;
    while (len - off >= MEM_PAIR_RECORD_HEADER_LEN) {
        if (buf[off] == 23)
            records++;
        off += MEM_PAIR_RECORD_HEADER_LEN + ((buf[off + 11] << 8) | buf[off + 12]);
    }
    return records;
}

/* Reads every record the server has; prints runs of equal records. */
static void read_all(SSL *s)
{
    unsigned char buf[4096];
    int n, run = 0, run_len = 0, records = 0, ret;
    unsigned char run_fill = 0;

    while ((n = SSL_read(s, buf, (int)sizeof(buf))) > 0) {
        records++;
        if (run > 0 && (buf[0] != run_fill || n != run_len)) {
            printf("  %d x %d bytes of 0x%02x\n", run, run_len, run_fill);
            run = 0;
        }
        run_fill = buf[0];
        run_len = n;
        run++;
    }
    if (run > 0)
        printf("  %d x %d bytes of 0x%02x\n", run, run_len, run_fill);
    ret = SSL_get_error(s, n);
    printf("server read %d records, then SSL_get_error %d\n", records, ret);
}

int main(int argc, char **argv)
{
    SSL_CTX *sctx, *cctx;
    SSL *c, *s;
    BIO *c_out, *s_out, *gate;
    BIO_METHOD *m;
    struct gate g;
    int i, ok = 0, retries;

    if (argc != 3) {
        fprintf(stderr, "usage: write_block CERT KEY\n");
        return 2;
    }
    sctx = SSL_CTX_new(DTLS_server_method());
    cctx = SSL_CTX_new(DTLS_client_method());
    if (sctx == NULL || cctx == NULL
        || SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1
        || SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
    c = mem_pair_end(cctx, &c_out, 0);
    s = mem_pair_end(sctx, &s_out, 1);
    if (c == NULL || s == NULL || !mem_pair_handshake(c, c_out, s, s_out)) {
        printf("handshake failed\n");
        ERR_print_errors_fp(stdout);
        return 1;
    }
    printf("handshake: ok\n");

    /* Put the gate in front of the client's memory BIO (SSL_set0_wbio frees c_out). */
    g.sink = BIO_new(BIO_s_mem());
    g.open = 1;
    m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gate");
    BIO_meth_set_write(m, gate_write);
    BIO_meth_set_ctrl(m, gate_ctrl);
    gate = BIO_new(m);
    if (g.sink == NULL || gate == NULL) {
        printf("BIO setup failed\n");
        return 1;
    }
    BIO_set_data(gate, &g);
    BIO_set_init(gate, 1);
    SSL_set0_wbio(c, gate);

    /* Open: every write goes through, whether or not the peer reads. */
    for (i = 0; i < WRITES; i++) {
        unsigned char buf[LEN];

        memset(buf, 'a', sizeof(buf));
        if (SSL_write(c, buf, (int)sizeof(buf)) == LEN)
            ok++;
    }
    printf("open: %d of %d writes of %d bytes returned %d\n", ok, WRITES, LEN, LEN);
    printf("the write BIO got %d application data records\n", count_records(g.sink));

    /* Shut: WANT_WRITE, no error, as often as asked. */
    g.open = 0;
    for (retries = 0; retries < 3; retries++)
        write_one("shut", c, 'A');
    /* Open again: the same call succeeds; the next one too. */
    g.open = 1;
    write_one("reopened, same call", c, 'A');
    write_one("next call", c, 'B');
    mem_pair_move(g.sink, SSL_get_rbio(s));
    read_all(s);

    SSL_free(c);
    SSL_free(s);
    BIO_free(g.sink);
    BIO_meth_free(m);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 0;
}
