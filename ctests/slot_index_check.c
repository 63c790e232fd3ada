/*
 * slot_index_check.c - c-examples/slot_index.c (the poll server's CID index, deadline heap
 * and slot lists) against brute-force models: 200,000 seeded random operations over 257
 * slots, every answer compared with a linear scan of the model. Prints "ok" and exits 0.
 */
#include "../c-examples/slot_index.h"

#include <stdio.h>
#include <string.h>

#define SLOTS 257
#define WIDTH 8
#define OPS 200000

static unsigned long rng = 12345;

static unsigned long next_rand(void)
{
    rng = rng * 6364136223846793005UL + 1442695040888963407UL;
    return rng >> 33;
}

static int fail(const char *what, long op)
{
    printf("FAIL at op %ld: %s\n", op, what);
    return 1;
}

int main(void)
{
    struct slot_keys k;
    struct slot_heap h;
    struct slot_list l;
    unsigned char keys[SLOTS][WIDTH], key[WIDTH];
    int lens[SLOTS], in_list[SLOTS], order[SLOTS], norder = 0;
    long long when[SLOTS];
    long op;
    int i;

    if (!slot_keys_init(&k, SLOTS, WIDTH) || !slot_heap_init(&h, SLOTS)
        || !slot_list_init(&l, SLOTS))
        return fail("init", 0);
    for (i = 0; i < SLOTS; i++) {
        lens[i] = -1;
        when[i] = -1;
        in_list[i] = 0;
    }
    for (op = 0; op < OPS; op++) {
        int s = (int)(next_rand() % SLOTS), j, best = -1, found;
        size_t len = next_rand() % (WIDTH + 1);
        long long top_when;

        /* Small key space so that keys collide and buckets chain. */
        for (j = 0; j < (int)len; j++)
            key[j] = (unsigned char)(next_rand() % 3);
        switch (next_rand() % 6) {
        case 0: /* key: set (distinct keys only, as CIDs are) */
            for (j = 0; j < SLOTS; j++)
                if (j != s && lens[j] == (int)len && memcmp(keys[j], key, len) == 0)
                    break;
            if (j == SLOTS) {
                slot_keys_set(&k, s, key, len);
                memcpy(keys[s], key, len);
                lens[s] = (int)len;
            }
            break;
        case 1:
            slot_keys_clear(&k, s);
            lens[s] = -1;
            break;
        case 2: /* heap: set or remove */
            when[s] = next_rand() % 4 == 0 ? -1 : (long long)(next_rand() % 1000);
            slot_heap_set(&h, s, when[s]);
            break;
        case 3: /* list: push or remove */
            if (next_rand() % 2 == 0) {
                slot_list_push(&l, s);
                if (!in_list[s]) {
                    in_list[s] = 1;
                    order[norder++] = s;
                }
            } else {
                slot_list_remove(&l, s);
                if (in_list[s]) {
                    in_list[s] = 0;
                    for (j = 0; j < norder && order[j] != s; j++)
                        ;
                    memmove(order + j, order + j + 1, (size_t)(norder - j - 1) * sizeof(int));
                    norder--;
                }
            }
            break;
        default: /* lookups only */
            break;
        }
        /* Compare every answer with the models. */
        found = -1;
        for (j = 0; j < SLOTS; j++)
            if (lens[j] == (int)len && memcmp(keys[j], key, len) == 0)
                found = j;
        if (slot_keys_find(&k, key, len) != found)
            return fail("slot_keys_find differs from the scan", op);
        if (lens[s] >= 0 && slot_keys_find(&k, keys[s], (size_t)lens[s]) != s)
            return fail("a slot's own key does not find it", op);
        for (j = 0; j < SLOTS; j++)
            if (when[j] >= 0 && (best < 0 || when[j] < when[best]))
                best = j;
        i = slot_heap_top(&h, &top_when);
        if ((i < 0) != (best < 0) || (best >= 0 && top_when != when[best]))
            return fail("slot_heap_top is not the earliest deadline", op);
        if (slot_list_first(&l) != (norder > 0 ? order[0] : -1))
            return fail("slot_list_first is not the oldest", op);
    }
    slot_keys_free(&k);
    slot_heap_free(&h);
    slot_list_free(&l);
    printf("ok\n");
    return 0;
}
