/*
 * slot_index.h - O(1) / O(log n) indexes over a fixed table of association slots, so a
 * server's work per datagram does not grow with the number of associations (issue 12):
 *   slot_keys  slot -> key bytes (a connection ID), found by hash (chained buckets)
 *   slot_heap  slot -> deadline, the earliest found at once (binary min-heap with positions)
 *   slot_list  an ordered set of slots (free slots; half-open associations, oldest first)
 * Slots are 0..n-1. Every function is O(1) except the heap's O(log n).
 */
#ifndef RDTLS_EXAMPLES_SLOT_INDEX_H
#define RDTLS_EXAMPLES_SLOT_INDEX_H

#include <stddef.h>

struct slot_keys {
    int *heads;          /* bucket -> first slot, -1 = empty */
    size_t nheads;
    int *next;           /* slot -> next slot in its bucket */
    int *lens;           /* slot -> key length, -1 = not indexed */
    unsigned char *keys; /* slot -> key, `width` bytes each */
    size_t width;
};

/* Returns 1, or 0 when out of memory. Keys are at most `width` bytes. */
int slot_keys_init(struct slot_keys *k, int nslots, size_t width);
void slot_keys_free(struct slot_keys *k);
/* Indexes slot under key (replacing its old key); a key longer than width is ignored. */
void slot_keys_set(struct slot_keys *k, int slot, const unsigned char *key, size_t len);
void slot_keys_clear(struct slot_keys *k, int slot);
/* 1 when slot is indexed under exactly this key. */
int slot_keys_has(const struct slot_keys *k, int slot, const unsigned char *key, size_t len);
/* The slot indexed under key, or -1. */
int slot_keys_find(const struct slot_keys *k, const unsigned char *key, size_t len);

struct slot_heap {
    int *heap;       /* heap position -> slot */
    int *pos;        /* slot -> heap position, -1 = not in the heap */
    long long *when; /* slot -> deadline */
    int n;
};

int slot_heap_init(struct slot_heap *h, int nslots);
void slot_heap_free(struct slot_heap *h);
/* Sets slot's deadline; when < 0 removes it. */
void slot_heap_set(struct slot_heap *h, int slot, long long when);
/* The slot with the earliest deadline (and that deadline in *when), or -1 when empty. */
int slot_heap_top(const struct slot_heap *h, long long *when);

struct slot_list {
    int *prev, *next; /* -2 = not in the list, -1 = none */
    int head, tail;
};

int slot_list_init(struct slot_list *l, int nslots);
void slot_list_free(struct slot_list *l);
void slot_list_push(struct slot_list *l, int slot); /* at the tail; no-op if present */
void slot_list_remove(struct slot_list *l, int slot); /* no-op if absent */
/* The head (oldest) slot, or -1. */
int slot_list_first(const struct slot_list *l);

#endif
