/* cid_opts.c - see cid_opts.h. */
#include "cid_opts.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

struct cid_api cid_api;
static int loaded = -1;

/* dlsym() into a function pointer without the object-to-function cast ISO C forbids. */
static int lookup(void *fnptr, size_t size, const char *name)
{
    void *p = dlsym(RTLD_DEFAULT, name);

    if (p == NULL || size != sizeof(p))
        return 0;
    memcpy(fnptr, &p, size);
    return 1;
}

#define LOOKUP(field, name) lookup(&cid_api.field, sizeof(cid_api.field), name)

int cid_api_load(void)
{
    if (loaded < 0)
        loaded = LOOKUP(ctx_set_len, "rdtls_SSL_CTX_set_connection_id_len")
            && LOOKUP(negotiated, "rdtls_SSL_cid_negotiated")
            && LOOKUP(get_cid, "rdtls_SSL_get_connection_id")
            && LOOKUP(get_peer_cid, "rdtls_SSL_get_peer_connection_id")
            && LOOKUP(moved_ok, "rdtls_SSL_cid_peer_moved_ok")
            && LOOKUP(dgram_cid, "rdtls_DTLS_get_datagram_connection_id");
    return loaded;
}

int cid_ctx_setup(SSL_CTX *ctx, long len)
{
    if (len < 0)
        return 1;
    if (len > CID_MAX_LEN || !cid_api_load() || cid_api.ctx_set_len(ctx, (int)len) != 1) {
        fprintf(stderr, "-cid needs rdtls (this libssl has no connection IDs) and 0..%d\n",
                CID_MAX_LEN);
        return 0;
    }
    return 1;
}

static void print_hex(const char *label, int (*get)(const SSL *, unsigned char *, size_t),
                      SSL *ssl)
{
    unsigned char cid[CID_MAX_LEN];
    int i, n = get(ssl, cid, sizeof(cid));

    fprintf(stderr, " %s", label);
    for (i = 0; i < n; i++)
        fprintf(stderr, "%02x", cid[i]);
    if (n == 0)
        fprintf(stderr, "(empty)");
}

void cid_print(SSL *ssl)
{
    if (loaded != 1)
        return;
    if (!cid_api.negotiated(ssl)) {
        fprintf(stderr, "Connection ID: not negotiated\n");
        return;
    }
    fprintf(stderr, "Connection ID:");
    print_hex("ours ", cid_api.get_cid, ssl);
    print_hex("peer ", cid_api.get_peer_cid, ssl);
    fprintf(stderr, "\n");
}

int cid_peer_len(SSL *ssl)
{
    int n = loaded == 1 && ssl != NULL ? cid_api.get_peer_cid(ssl, NULL, 0) : 0;

    return n > 0 ? n : 0;
}
