/*
 * poll_server.c - rdtls-poll-server: many DTLS clients on ONE non-blocking UDP socket.
 *
 *   rdtls-poll-server -accept host:port -cert f -key f [-naccept n] [-mtu n]
 *                     [-max_clients n] [-idle_timeout s] [-cid n] [-quiet]
 *
 * Design (memory BIOs, not one socket per client):
 * - A single unconnected, non-blocking socket; recvfrom() tells which peer sent a
 *   datagram, and a table keyed by peer address finds its connection.
 * - Every connection is an SSL with two BIO_s_mem()s (eof_return -1): a received datagram is
 *   written into the read BIO with one BIO_write, so each BIO_read of the library sees one
 *   datagram. What the SSL writes is taken out of the write BIO, re-cut at DTLS record
 *   boundaries (memory BIOs keep no datagram boundaries) and packed into datagrams of at
 *   most -mtu bytes; the datagrams of one flush leave in one sendmmsg() (a flight of
 *   several datagrams costs one system call).
 * - Datagrams from unknown peers go to one shared "front door" SSL that runs DTLSv1_listen():
 *   it answers with a HelloVerifyRequest and keeps no per-peer state (RFC 6347 §4.2.1).
 *   Only a ClientHello with a valid cookie gets a table slot: the front-door SSL, holding
 *   that ClientHello, becomes the connection and a fresh front door is made.
 * - The table holds -max_clients associations (default 64). When it is full, a client with
 *   a valid cookie evicts the oldest half-open association (one whose handshake has not
 *   finished: a client that passed the cookie and went quiet), so a few hundred source ports
 *   cannot lock real clients out; established clients are not evicted. An association with
 *   no datagram for -idle_timeout seconds (default 30, 0 = never) is dropped.
 * - Nothing per datagram costs O(number of associations) (slot_index.h): the table is
 *   indexed by a hash of the peer address and, with -cid, by a hash of each association's
 *   own CID (chained buckets); each association's next deadline (retransmission timer or
 *   idle limit) sits in a min-heap updated after each drive(); free slots and half-open
 *   associations (oldest first, the eviction order) are linked lists.
 * - poll() sleeps until a datagram arrives or the heap's earliest deadline; then
 *   DTLSv1_handle_timeout() retransmits on exactly the connections whose deadline came.
 * - -cid n (rdtls only): negotiate connection IDs (RFC 9146; on DTLS 1.3, the default, RFC 9147
 *   section 9), asking clients for
 *   an n-byte CID. A datagram from an unknown address whose CID names an association goes
 *   to that association, and the association moves to the new address only when the
 *   datagram authenticated and is the newest (rdtls_SSL_cid_peer_moved_ok, RFC 9146 §6):
 *   a client behind a NAT that rebinds keeps its session. The rdtls_ functions
 *   (include/rdtls/cid.h) are looked up with dlsym (cid_opts.h), so this program builds on
 *   OpenSSL too and gets CIDs when run on the drop-in libssl.so.3.
 * Every application datagram is printed and echoed. After -naccept n finished connections
 * the server exits, 0 when all of them closed cleanly with close_notify.
 */
#include "common.h"
#include "slot_index.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RECORD_HEADER_LEN 13
/* One association; its slot state (used, established, age) is assoc[] at the same index. */
struct conn {
    common_addr peer; /* also the SSL's app data, read by the cookie callbacks */
    SSL *ssl;
    BIO *in;
    BIO *out;
    long long last_ms;
    int next; /* next slot in the same address-hash bucket, -1 at the end */
};

/* Address index: bucket heads (slot numbers, -1 = empty), twice as many as slots. */
static int *buckets;
static size_t nbuckets;
/* With -cid: slots by their own CID. */
static struct slot_keys cid_index;
/* Each association's next retransmission or idle deadline (common_now_ms clock). */
static struct slot_heap timers;
/* Unused slots, and half-open associations in the order their ClientHello verified. */
static struct slot_list free_slots, half_open;

static long cid_len = -1;
static struct common_server_opts limits = { 64, 30000 };
static struct conn *conns;
static struct common_assoc *assoc;
static int sock_fd = -1;
static long mtu = 1400;
static int quiet;
static long finished, clean, evicted;

/* FNV-1a over the family, port and address: the bucket of a peer. */
static size_t addr_bucket(const common_addr *a)
{
    const unsigned char *p;
    size_t n, i;
    unsigned long h = 2166136261UL;

    if (a->sa.sa_family == AF_INET6) {
        p = a->s6.sin6_addr.s6_addr;
        n = sizeof(a->s6.sin6_addr.s6_addr);
        h = (h ^ a->s6.sin6_port) * 16777619UL;
    } else {
        p = (const unsigned char *)&a->s4.sin_addr;
        n = sizeof(a->s4.sin_addr);
        h = (h ^ a->s4.sin_port) * 16777619UL;
    }
    for (i = 0; i < n; i++)
        h = ((h ^ p[i]) * 16777619UL) & 0xffffffffUL;
    return (size_t)(h % nbuckets);
}

static void index_add(int slot)
{
    size_t b = addr_bucket(&conns[slot].peer);

    conns[slot].next = buckets[b];
    buckets[b] = slot;
}

static void index_remove(int slot)
{
    int *link = &buckets[addr_bucket(&conns[slot].peer)];

    while (*link >= 0 && *link != slot)
        link = &conns[*link].next;
    if (*link == slot)
        *link = conns[slot].next;
}

/* Puts c's next deadline (retransmission timer or idle limit) in the heap; `not_before`
 * keeps a timer that has just been handled from coming round again in the same pass. */
static void note_deadline(const struct conn *c, long long not_before)
{
    struct timeval tv;
    long long t = -1;

    if (limits.idle_ms > 0)
        t = c->last_ms + limits.idle_ms;
    if (DTLSv1_get_timeout(c->ssl, &tv) > 0) {
        long long d = common_now_ms() + (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
        if (t < 0 || d < t)
            t = d;
    }
    if (t >= 0 && t < not_before)
        t = not_before;
    slot_heap_set(&timers, (int)(c - conns), t);
}

/* With -cid: indexes c under its own CID once it has one (it may change on
 * renegotiation, so it is compared after every drive: one memcmp). */
static void note_cid(const struct conn *c)
{
    unsigned char own[CID_MAX_LEN];
    int slot = (int)(c - conns), len;

    if (cid_len <= 0)
        return;
    len = cid_api.get_cid(c->ssl, own, sizeof(own));
    if (len <= 0)
        slot_keys_clear(&cid_index, slot);
    else if (!slot_keys_has(&cid_index, slot, own, (size_t)len))
        slot_keys_set(&cid_index, slot, own, (size_t)len);
}

/* New SSL with memory BIOs; app data points at peer (for the cookie callbacks). */
static SSL *new_ssl(SSL_CTX *ctx, common_addr *peer, BIO **in, BIO **out)
{
    SSL *ssl = SSL_new(ctx);

    *in = BIO_new(BIO_s_mem());
    *out = BIO_new(BIO_s_mem());
    if (ssl == NULL || *in == NULL || *out == NULL) {
        BIO_free(*in);
        BIO_free(*out);
        SSL_free(ssl);
        return NULL;
    }
    (void)BIO_set_mem_eof_return(*in, -1);
    (void)BIO_set_mem_eof_return(*out, -1);
    SSL_set_bio(ssl, *in, *out);
    SSL_set_options(ssl, SSL_OP_COOKIE_EXCHANGE | SSL_OP_NO_QUERY_MTU);
    (void)DTLS_set_link_mtu(ssl, mtu);
    (void)SSL_set_app_data(ssl, peer);
    SSL_set_accept_state(ssl);
    return ssl;
}

/* The header length of the record at h (rec bytes left) and where its 2-byte length field
 * sits, or 0 when the record has no length field. DTLS 1.2 and 1.3 plaintext: 13 bytes,
 * the length last; tls12_cid (RFC 9146): `cid` bytes of CID before the length; a DTLS 1.3
 * unified header (RFC 9147 section 4, first byte 001CSLEE): 1 byte, the CID (C), a 1- or
 * 2-byte sequence number (S), the length (L). */
static int record_header_len(const unsigned char *h, int cid)
{
    if ((h[0] & 0xe0) == 0x20) {
        int n = 1 + ((h[0] & 0x10) ? cid : 0) + ((h[0] & 0x08) ? 2 : 1);
        return (h[0] & 0x04) ? n + 2 : 0;
    }
    return RECORD_HEADER_LEN + (h[0] == CID_TLS12_CID ? cid : 0);
}

/* Sends what ssl wrote into out to peer, whole records packed up to `mtu` bytes each;
 * records carry `cid` bytes of CID (tls12_cid, or a 1.3 header with the C bit). */
static void flush_out(BIO *out, const common_addr *peer, int cid)
{
    static unsigned char buf[65536];
    static struct mmsghdr msgs[64];
    static struct iovec iov[64];
    int len = 0, off = 0, n, count = 0, sent;

    while ((size_t)len < sizeof(buf)
           && (n = BIO_read(out, buf + len, (int)sizeof(buf) - len)) > 0)
        len += n;
    while (off < len) {
        int dgram = 0;

        while (off + dgram < len) {
            int rec = len - off - dgram;
            const unsigned char *h = buf + off + dgram;
            int hlen = record_header_len(h, cid);
            /* hlen 0: a 1.3 record without a length runs to the end (we never send one) */
            if (hlen > 0 && rec >= hlen) {
                int body = (h[hlen - 2] << 8) | h[hlen - 1];
                if (hlen + body <= rec)
                    rec = hlen + body;
            }
            if (dgram > 0 && dgram + rec > mtu)
                break;
            dgram += rec;
        }
        if (count == 64)
            break; /* more than 64 datagrams in one flush: the rest is dropped, as a full
                      socket buffer would; DTLS retransmits */
        iov[count].iov_base = buf + off;
        iov[count].iov_len = (size_t)dgram;
        memset(&msgs[count], 0, sizeof(msgs[count]));
        msgs[count].msg_hdr.msg_name = (void *)&peer->sa;
        msgs[count].msg_hdr.msg_namelen = common_addr_len(peer);
        msgs[count].msg_hdr.msg_iov = &iov[count];
        msgs[count].msg_hdr.msg_iovlen = 1;
        count++;
        off += dgram;
    }
    /* All datagrams in one system call. A full socket buffer drops what did not go, as the
     * network may: DTLS retransmits. */
    for (sent = 0; sent < count;) {
        int r = sendmmsg(sock_fd, msgs + sent, (unsigned)(count - sent), 0);
        if (r <= 0)
            break;
        sent += r;
    }
}

/* Frees slot i. `why` is printed; an evicted half-open association is not counted as a
 * finished connection (it never became one). */
static void release(int i, const char *why, int ok, int count)
{
    char who[80];

    if (!quiet) {
        common_addr_str(&conns[i].peer, who, sizeof(who));
        fprintf(stderr, "rdtls-poll-server: %s: %s\n", who, why);
    }
    index_remove(i);
    slot_keys_clear(&cid_index, i);
    slot_heap_set(&timers, i, -1);
    slot_list_remove(&half_open, i);
    slot_list_push(&free_slots, i);
    SSL_free(conns[i].ssl); /* frees both BIOs */
    memset(&conns[i], 0, sizeof(conns[i]));
    memset(&assoc[i], 0, sizeof(assoc[i]));
    if (count) {
        finished++;
        if (ok)
            clean++;
    }
}

static void close_conn(struct conn *c, int ok)
{
    release((int)(c - conns), ok ? "closed" : "dropped", ok, 1);
}

/* After c read a datagram from `from` (NULL: from its own address): RFC 9146 §6, follow
 * the client to its new address only once a record from there authenticated and is the
 * newest. Returns NULL once moved (nothing left to check). */
static const common_addr *maybe_move(struct conn *c, const common_addr *from)
{
    char who[80];

    if (from == NULL || !cid_api.moved_ok(c->ssl))
        return from;
    index_remove((int)(c - conns));
    c->peer = *from;
    index_add((int)(c - conns));
    if (!quiet) {
        common_addr_str(&c->peer, who, sizeof(who));
        fprintf(stderr, "rdtls-poll-server: association moved to %s (connection ID)\n", who);
    }
    return NULL;
}

/* Lets c process what is in its read BIO (a datagram from `from`, NULL: c's address). */
static void drive(struct conn *c, const common_addr *from)
{
    char buf[COMMON_MAX_DATAGRAM];
    struct common_assoc *a = &assoc[c - conns];
    int r, err;

    if (!a->established) {
        r = SSL_accept(c->ssl);
        from = maybe_move(c, from);
        if (r == 1) {
            a->established = 1;
            slot_list_remove(&half_open, (int)(c - conns));
            if (!quiet) {
                char who[80];
                common_addr_str(&c->peer, who, sizeof(who));
                fprintf(stderr, "rdtls-poll-server: %s: handshake done\n", who);
                common_print_summary(c->ssl, 1);
            }
        } else {
            err = SSL_get_error(c->ssl, r);
            flush_out(c->out, &c->peer, cid_peer_len(c->ssl));
            if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
                common_fail("handshake failed");
                close_conn(c, 0);
            }
            return;
        }
    }
    for (;;) {
        r = SSL_read(c->ssl, buf, (int)sizeof(buf));
        from = maybe_move(c, from);
        if (r > 0) {
            fwrite(buf, 1, (size_t)r, stdout);
            fflush(stdout);
            if (SSL_write(c->ssl, buf, r) != r) {
                common_fail("SSL_write failed");
                close_conn(c, 0);
                return;
            }
            continue;
        }
        err = SSL_get_error(c->ssl, r);
        if (err == SSL_ERROR_ZERO_RETURN) {
            SSL_shutdown(c->ssl); /* our close_notify */
            flush_out(c->out, &c->peer, cid_peer_len(c->ssl));
            close_conn(c, 1);
            return;
        }
        flush_out(c->out, &c->peer, cid_peer_len(c->ssl));
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            common_fail("SSL_read failed");
            close_conn(c, 0);
        }
        return;
    }
}

static struct conn *find_conn(const common_addr *peer)
{
    int i;

    for (i = buckets[addr_bucket(peer)]; i >= 0; i = conns[i].next)
        if (assoc[i].used && common_addr_equal(&conns[i].peer, peer))
            return &conns[i];
    return NULL;
}

/* drive(), then c's next deadline into due_ms (unless drive() closed c). */
static void drive_noted(struct conn *c, const common_addr *from)
{
    int slot = (int)(c - conns);

    drive(c, from);
    if (assoc[slot].used) {
        note_deadline(c, 0);
        note_cid(c);
    }
}

/* With -cid: the association whose own CID the datagram's first tls12_cid record names. */
static struct conn *find_conn_by_cid(const unsigned char *d, size_t n)
{
    unsigned char cid[CID_MAX_LEN];
    int i, len;

    if (cid_len <= 0)
        return NULL;
    len = cid_api.dgram_cid(d, n, (size_t)cid_len, cid, sizeof(cid));
    if (len <= 0)
        return NULL;
    i = slot_keys_find(&cid_index, cid, (size_t)len);
    return i >= 0 && assoc[i].used ? &conns[i] : NULL;
}

/* The front door: one SSL that only runs DTLSv1_listen(). */
static SSL *door;
static BIO *door_in, *door_out;
static common_addr door_peer;

static void front_door(SSL_CTX *ctx, const common_addr *peer, const unsigned char *d, int n)
{
    common_addr ignored;
    struct conn *c;
    int r, slot;

    if (door == NULL && (door = new_ssl(ctx, &door_peer, &door_in, &door_out)) == NULL)
        return;
    door_peer = *peer;
    BIO_write(door_in, d, n);
    r = DTLSv1_listen(door, (BIO_ADDR *)&ignored);
    flush_out(door_out, &door_peer, 0);
    if (r < 0) {
        /* A fatal error leaves the front door unusable: make a new one next time. */
        ERR_clear_error();
        SSL_free(door);
        door = NULL;
        return;
    }
    if (r == 0) {
        /* No valid cookie yet (a HelloVerifyRequest went out) or garbage: stay stateless. */
        (void)BIO_reset(door_in);
        return;
    }
    /* A verified ClientHello: only now may it take (or free) a slot. */
    slot = slot_list_first(&free_slots);
    if (slot < 0) {
        slot = slot_list_first(&half_open); /* the oldest half-open association */
        if (slot < 0) {
            /* Every slot holds an established client: refuse; the client retransmits. */
            SSL_free(door);
            door = NULL;
            return;
        }
        release(slot, "evicted (half-open, table full)", 0, 0);
        evicted++;
    }
    slot_list_remove(&free_slots, slot);
    slot_list_push(&half_open, slot);
    c = &conns[slot];
    assoc[slot].used = 1;
    assoc[slot].established = 0;
    assoc[slot].started_ms = common_now_ms();
    c->peer = *peer;
    index_add(slot);
    c->ssl = door;
    c->in = door_in;
    c->out = door_out;
    c->last_ms = common_now_ms();
    (void)SSL_set_app_data(c->ssl, &c->peer);
    door = NULL;
    drive_noted(c, NULL);
}

/* Milliseconds until the earliest deadline (-1: none, poll() waits for a datagram). */
static int next_timeout_ms(void)
{
    long long now, due;

    if (slot_heap_top(&timers, &due) < 0)
        return -1;
    now = common_now_ms();
    return due <= now ? 0 : (int)(due - now);
}

/* Fires the timers and idle limits whose deadline came, taking them off the heap in
 * order: O(log n) per expired deadline, nothing for the others. */
static void handle_timers(void)
{
    long long now = common_now_ms(), due;
    int i;

    while ((i = slot_heap_top(&timers, &due)) >= 0 && due <= now) {
        struct conn *c = &conns[i];
        struct timeval tv;

        if (!assoc[i].used) {
            slot_heap_set(&timers, i, -1);
            continue;
        }
        if (limits.idle_ms > 0 && now - c->last_ms >= limits.idle_ms) {
            close_conn(c, 0);
            continue;
        }
        /* DTLSv1_handle_timeout() does nothing (returns 0) before the timer expires. */
        if (DTLSv1_get_timeout(c->ssl, &tv) > 0) {
            if (DTLSv1_handle_timeout(c->ssl) < 0) {
                common_fail("retransmission limit reached");
                close_conn(c, 0);
                continue;
            }
            flush_out(c->out, &c->peer, cid_peer_len(c->ssl));
        }
        note_deadline(c, now + 1);
    }
}

int main(int argc, char **argv)
{
    const char *accept_spec = "4433", *cert = "server.pem", *key = NULL;
    long naccept = 0;
    int i, status = 1;
    size_t b;
    char *host = NULL, *port = NULL, addr[80];
    common_addr local;
    SSL_CTX *ctx = NULL;
    static unsigned char dgram[COMMON_MAX_DATAGRAM];

    common_prog = "rdtls-poll-server";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "-quiet") == 0) { quiet = 1; continue; }
        if (strcmp(a, "-dtls1_2") == 0 || strcmp(a, "-dtls") == 0) continue;
        if (v == NULL) {
            fprintf(stderr, "%s: bad or incomplete option %s\n", common_prog, a);
            return 1;
        }
        i++;
        if (strcmp(a, "-accept") == 0 || strcmp(a, "-port") == 0) accept_spec = v;
        else if (strcmp(a, "-cert") == 0) cert = v;
        else if (strcmp(a, "-key") == 0) key = v;
        else if (strcmp(a, "-naccept") == 0) naccept = atol(v);
        else if (strcmp(a, "-mtu") == 0) mtu = atol(v);
        else if (strcmp(a, "-cid") == 0) cid_len = atol(v);
        else if (common_parse_server_opt(&limits, a, v)) continue;
        else {
            fprintf(stderr, "%s: unknown option %s\n", common_prog, a);
            return 1;
        }
    }
    if (!common_split_hostport(accept_spec, &host, &port) || naccept < 0 || mtu < 256
        || mtu > 65507) {
        fprintf(stderr, "%s: bad -accept, -naccept or -mtu value\n", common_prog);
        return 1;
    }
    if (!common_server_opts_ok(&limits))
        return 1;
    conns = calloc((size_t)limits.max_clients, sizeof(*conns));
    assoc = calloc((size_t)limits.max_clients, sizeof(*assoc));
    nbuckets = 2 * (size_t)limits.max_clients;
    buckets = malloc(nbuckets * sizeof(*buckets));
    if (conns == NULL || assoc == NULL || buckets == NULL) {
        fprintf(stderr, "%s: out of memory\n", common_prog);
        goto done;
    }
    for (b = 0; b < nbuckets; b++)
        buckets[b] = -1;
    if (!slot_heap_init(&timers, (int)limits.max_clients)
        || !slot_list_init(&free_slots, (int)limits.max_clients)
        || !slot_list_init(&half_open, (int)limits.max_clients)
        || (cid_len > 0
            && !slot_keys_init(&cid_index, (int)limits.max_clients, (size_t)cid_len))) {
        fprintf(stderr, "%s: out of memory\n", common_prog);
        goto done;
    }
    for (i = 0; i < limits.max_clients; i++)
        slot_list_push(&free_slots, i);
    if (!common_cookie_init()) {
        common_fail("RAND_bytes failed");
        goto done;
    }
    ctx = SSL_CTX_new(DTLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1) {
        common_fail("cannot set up the server certificate or key");
        goto done;
    }
    if (!cid_ctx_setup(ctx, cid_len))
        goto done;
    SSL_CTX_set_cookie_generate_cb(ctx, common_generate_cookie);
    SSL_CTX_set_cookie_verify_cb(ctx, common_verify_cookie);
    sock_fd = common_udp_bind(host, port, 0, &local);
    if (sock_fd < 0 || !common_set_nonblocking(sock_fd))
        goto done;
    common_addr_str(&local, addr, sizeof(addr));
    fprintf(stderr, "ACCEPT %s\n", addr);
    fflush(stderr);

    while (naccept == 0 || finished < naccept) {
        struct pollfd pfd;
        int n;

        pfd.fd = sock_fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        n = poll(&pfd, 1, next_timeout_ms());
        if (n < 0 && errno != EINTR) {
            perror("poll");
            goto done;
        }
        if (n > 0) {
            /* Drain the socket: one datagram per recvfrom, routed by source address. */
            for (;;) {
                common_addr peer;
                socklen_t plen = sizeof(peer.ss);
                ssize_t got = recvfrom(sock_fd, dgram, sizeof(dgram), 0, &peer.sa, &plen);
                struct conn *c;

                if (got < 0)
                    break; /* EAGAIN: drained */
                c = find_conn(&peer);
                if (c == NULL && (c = find_conn_by_cid(dgram, (size_t)got)) != NULL) {
                    c->last_ms = common_now_ms();
                    BIO_write(c->in, dgram, (int)got);
                    drive_noted(c, &peer); /* a known CID from a new address */
                    continue;
                }
                if (c == NULL) {
                    front_door(ctx, &peer, dgram, (int)got);
                    continue;
                }
                c->last_ms = common_now_ms();
                BIO_write(c->in, dgram, (int)got);
                drive_noted(c, NULL);
            }
        }
        handle_timers();
    }
    if (!quiet)
        fprintf(stderr, "%s: %ld connection(s), %ld clean, %ld half-open evicted\n",
                common_prog, finished, clean, evicted);
    status = clean == finished ? 0 : 1;
done:
    for (i = 0; conns != NULL && assoc != NULL && i < limits.max_clients; i++)
        if (assoc[i].used)
            SSL_free(conns[i].ssl);
    free(conns);
    free(assoc);
    free(buckets);
    slot_keys_free(&cid_index);
    slot_heap_free(&timers);
    slot_list_free(&free_slots);
    slot_list_free(&half_open);
    SSL_free(door);
    if (sock_fd >= 0)
        close(sock_fd);
    SSL_CTX_free(ctx);
    free(host);
    free(port);
    return status;
}
