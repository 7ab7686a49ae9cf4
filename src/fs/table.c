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

#include "../base/hash.h"

#define TABLE_MIN 1024u

int fs_table_init(struct fs_table *t)
{
    moat_hash_key(t->key);
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
    const uint64_t key[2] = {t->key[0] ^ (uint64_t)(uintptr_t)parent, t->key[1]};
    uint64_t h = moat_siphash13(key, name, len);

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
