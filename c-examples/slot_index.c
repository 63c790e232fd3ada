/*
 * slot_index.c - the indexes of slot_index.h.
 */
#include "slot_index.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a over the key bytes. */
static size_t key_bucket(const struct slot_keys *k, const unsigned char *key, size_t len)
{
    unsigned long h = 2166136261UL;
    size_t i;

    for (i = 0; i < len; i++)
        h = ((h ^ key[i]) * 16777619UL) & 0xffffffffUL;
    return (size_t)(h % k->nheads);
}

int slot_keys_init(struct slot_keys *k, int nslots, size_t width)
{
    size_t n = nslots > 0 ? (size_t)nslots : 1, i;

    memset(k, 0, sizeof(*k));
    k->nheads = 2 * n;
    k->width = width;
    k->heads = malloc(k->nheads * sizeof(*k->heads));
    k->next = malloc(n * sizeof(*k->next));
    k->lens = malloc(n * sizeof(*k->lens));
    k->keys = malloc(n * (width > 0 ? width : 1));
    if (k->heads == NULL || k->next == NULL || k->lens == NULL || k->keys == NULL) {
        slot_keys_free(k);
        return 0;
    }
    for (i = 0; i < k->nheads; i++)
        k->heads[i] = -1;
    for (i = 0; i < n; i++) {
        k->next[i] = -1;
        k->lens[i] = -1;
    }
    return 1;
}

void slot_keys_free(struct slot_keys *k)
{
    free(k->heads);
    free(k->next);
    free(k->lens);
    free(k->keys);
    memset(k, 0, sizeof(*k));
}

void slot_keys_clear(struct slot_keys *k, int slot)
{
    int *link;

    if (k->lens == NULL || k->lens[slot] < 0)
        return;
    link = &k->heads[key_bucket(k, k->keys + (size_t)slot * k->width, (size_t)k->lens[slot])];
    while (*link >= 0 && *link != slot)
        link = &k->next[*link];
    if (*link == slot)
        *link = k->next[slot];
    k->lens[slot] = -1;
    k->next[slot] = -1;
}

void slot_keys_set(struct slot_keys *k, int slot, const unsigned char *key, size_t len)
{
    size_t b;

    slot_keys_clear(k, slot);
    if (k->lens == NULL || len > k->width)
        return;
    if (len > 0)
        memcpy(k->keys + (size_t)slot * k->width, key, len);
    k->lens[slot] = (int)len;
    b = key_bucket(k, key, len);
    k->next[slot] = k->heads[b];
    k->heads[b] = slot;
}

int slot_keys_has(const struct slot_keys *k, int slot, const unsigned char *key, size_t len)
{
    return k->lens != NULL && k->lens[slot] == (int)len
        && (len == 0 || memcmp(k->keys + (size_t)slot * k->width, key, len) == 0);
}

int slot_keys_find(const struct slot_keys *k, const unsigned char *key, size_t len)
{
    int i;

    if (k->heads == NULL || len > k->width)
        return -1;
    for (i = k->heads[key_bucket(k, key, len)]; i >= 0; i = k->next[i])
        if (slot_keys_has(k, i, key, len))
            return i;
    return -1;
}

int slot_heap_init(struct slot_heap *h, int nslots)
{
    size_t n = nslots > 0 ? (size_t)nslots : 1, i;

    h->n = 0;
    h->heap = malloc(n * sizeof(*h->heap));
    h->pos = malloc(n * sizeof(*h->pos));
    h->when = malloc(n * sizeof(*h->when));
    if (h->heap == NULL || h->pos == NULL || h->when == NULL) {
        slot_heap_free(h);
        return 0;
    }
    for (i = 0; i < n; i++)
        h->pos[i] = -1;
    return 1;
}

void slot_heap_free(struct slot_heap *h)
{
    free(h->heap);
    free(h->pos);
    free(h->when);
    memset(h, 0, sizeof(*h));
}

static void heap_place(struct slot_heap *h, int at, int slot)
{
    h->heap[at] = slot;
    h->pos[slot] = at;
}

/* Moves the slot at position `at` up or down until the heap order holds again. */
static void heap_fix(struct slot_heap *h, int at)
{
    int slot = h->heap[at];
    long long w = h->when[slot];

    while (at > 0 && h->when[h->heap[(at - 1) / 2]] > w) {
        heap_place(h, at, h->heap[(at - 1) / 2]);
        at = (at - 1) / 2;
    }
    for (;;) {
        int c = 2 * at + 1;

        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->when[h->heap[c + 1]] < h->when[h->heap[c]])
            c++;
        if (h->when[h->heap[c]] >= w)
            break;
        heap_place(h, at, h->heap[c]);
        at = c;
    }
    heap_place(h, at, slot);
}

void slot_heap_set(struct slot_heap *h, int slot, long long when)
{
    int at = h->pos[slot];

    if (when < 0) {
        if (at < 0)
            return;
        h->pos[slot] = -1;
        h->n--;
        if (at < h->n) {
            heap_place(h, at, h->heap[h->n]);
            heap_fix(h, at);
        }
        return;
    }
    h->when[slot] = when;
    if (at < 0) {
        at = h->n++;
        heap_place(h, at, slot);
    }
    heap_fix(h, at);
}

int slot_heap_top(const struct slot_heap *h, long long *when)
{
    if (h->n == 0)
        return -1;
    if (when != NULL)
        *when = h->when[h->heap[0]];
    return h->heap[0];
}

int slot_list_init(struct slot_list *l, int nslots)
{
    size_t n = nslots > 0 ? (size_t)nslots : 1, i;

    l->head = l->tail = -1;
    l->prev = malloc(n * sizeof(*l->prev));
    l->next = malloc(n * sizeof(*l->next));
    if (l->prev == NULL || l->next == NULL) {
        slot_list_free(l);
        return 0;
    }
    for (i = 0; i < n; i++)
        l->prev[i] = l->next[i] = -2;
    return 1;
}

void slot_list_free(struct slot_list *l)
{
    free(l->prev);
    free(l->next);
    memset(l, 0, sizeof(*l));
    l->head = l->tail = -1;
}

void slot_list_push(struct slot_list *l, int slot)
{
    if (l->prev[slot] != -2)
        return;
    l->prev[slot] = l->tail;
    l->next[slot] = -1;
    if (l->tail >= 0)
        l->next[l->tail] = slot;
    else
        l->head = slot;
    l->tail = slot;
}

void slot_list_remove(struct slot_list *l, int slot)
{
    if (l->prev[slot] == -2)
        return;
    if (l->prev[slot] >= 0)
        l->next[l->prev[slot]] = l->next[slot];
    else
        l->head = l->next[slot];
    if (l->next[slot] >= 0)
        l->prev[l->next[slot]] = l->prev[slot];
    else
        l->tail = l->prev[slot];
    l->prev[slot] = l->next[slot] = -2;
}

int slot_list_first(const struct slot_list *l)
{
    return l->head;
}
