/*
 * table.c - the (parent, name) -> current node hash table that makes child
 * lookup O(1) in directories with hundreds of thousands of entries.
 *
 * Names come from hostile layers, so the hash is SipHash-1-3 with a random
 * key per view (no chosen-collision slowdown). Open addressing with linear
 * probing; nodes are never removed, only replaced in their slot. This file
 * must not know about layers or whiteouts.
 */
#include "fs_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define TABLE_MIN 1024u

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

static uint64_t siphash13(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    uint64_t b = (uint64_t)len << 56, m;
    size_t i, left = len & 7;

    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&m, in + i, 8); /* little-endian hosts; the value only has to be stable */
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; j < left; j++)
        b |= (uint64_t)in[i + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

int fs_table_init(struct fs_table *t)
{
    uint64_t key[2];

    if (getrandom(key, sizeof(key), GRND_NONBLOCK) != (ssize_t)sizeof(key)) {
        /* no entropy yet: still unpredictable enough per process */
        key[0] = (uint64_t)(uintptr_t)t ^ (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
        key[1] = (uint64_t)(uintptr_t)&key ^ (uint64_t)clock();
    }
    t->k0 = key[0];
    t->k1 = key[1];
    t->slots = calloc(TABLE_MIN, sizeof(*t->slots));
    if (t->slots == NULL)
        return -MOAT_E_NOMEM;
    t->mask = TABLE_MIN - 1;
    t->used = 0;
    return 0;
}

void fs_table_free(struct fs_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->mask = 0;
    t->used = 0;
}

uint32_t fs_table_hash(const struct fs_table *t, const struct fs_node *parent, const char *name,
                       size_t len)
{
    uint64_t h = siphash13(t->k0 ^ (uint64_t)(uintptr_t)parent, t->k1,
                           (const unsigned char *)name, len);

    return (uint32_t)(h ^ (h >> 32));
}

static bool same_key(const struct fs_node *n, const struct fs_node *parent, const char *name,
                     size_t len)
{
    return n->pub.parent == &parent->pub && strncmp(n->pub.name, name, len) == 0 &&
           n->pub.name[len] == '\0';
}

struct fs_node *fs_table_find(const struct fs_table *t, const struct fs_node *parent,
                              const char *name, size_t len)
{
    uint32_t h = fs_table_hash(t, parent, name, len);
    size_t i = h & t->mask;
    struct fs_node *n;

    while ((n = t->slots[i]) != NULL) {
        if (n->hash == h && same_key(n, parent, name, len))
            return n;
        i = (i + 1) & t->mask;
    }
    return NULL;
}

static int grow(struct fs_table *t)
{
    size_t size = (t->mask + 1) * 2;
    struct fs_node **slots;

    if (size > SIZE_MAX / sizeof(*slots))
        return -MOAT_E_NOMEM;
    slots = calloc(size, sizeof(*slots));
    if (slots == NULL)
        return -MOAT_E_NOMEM;
    for (size_t i = 0; i <= t->mask; i++) {
        struct fs_node *n = t->slots[i];
        size_t j;

        if (n == NULL)
            continue;
        j = n->hash & (size - 1);
        while (slots[j] != NULL)
            j = (j + 1) & (size - 1);
        slots[j] = n;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
    return 0;
}

int fs_table_insert(struct fs_table *t, struct fs_node *n)
{
    size_t i;
    int rc;

    /* keep the load at or below 3/4 */
    if ((t->used + 1) * 4 > (t->mask + 1) * 3) {
        rc = grow(t);
        if (rc < 0)
            return rc;
    }
    i = n->hash & t->mask;
    while (t->slots[i] != NULL)
        i = (i + 1) & t->mask;
    t->slots[i] = n;
    t->used++;
    return 0;
}

void fs_table_replace(struct fs_table *t, struct fs_node *old, struct fs_node *n)
{
    size_t i = old->hash & t->mask;

    n->hash = old->hash;
    while (t->slots[i] != NULL) {
        if (t->slots[i] == old) {
            t->slots[i] = n;
            return;
        }
        i = (i + 1) & t->mask;
    }
}
