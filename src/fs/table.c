/*
 * table.c - the open-addressing tables of a view: one per big directory
 * (name -> current child), which makes child lookup O(1) in directories
 * with hundreds of thousands of entries and keeps the probes of a
 * directory's entries, which layers list together, in a few cache lines;
 * and metadata tuple -> its interned index.
 *
 * A slot is 32 bits: the value (below 1 << FS_REF_BITS) and, above it, the
 * top bits of the value's hash, so most probes that do not match are
 * settled without touching the record they name. Linear probing, at most
 * 7/8 full; values are replaced in their slot, never removed. The caller
 * brings the hash (SipHash with a key random per view: names are hostile)
 * and the equality test. This file must not know about layers or whiteouts.
 */
#include "fs_int.h"

#include <stdlib.h>

#define TAG(h) ((uint32_t)(h) & ~FS_REF_MASK)

int fs_table_init(struct fs_table *t, uint32_t min_slots)
{
    uint32_t n = 8;

    while (n < min_slots && n < (1u << 31))
        n *= 2;
    t->slots = calloc(n, sizeof(*t->slots));
    if (t->slots == NULL)
        return -MOAT_E_NOMEM;
    t->mask = n - 1;
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

uint32_t *fs_table_probe(const struct fs_table *t, uint32_t hash,
                         bool (*eq)(const struct moat_fs *fs, uint32_t v, const void *key),
                         const struct moat_fs *fs, const void *key)
{
    size_t i = hash & t->mask;
    uint32_t s;

    while ((s = t->slots[i]) != 0) {
        if (TAG(s) == TAG(hash) && eq(fs, s & FS_REF_MASK, key))
            break;
        i = (i + 1) & t->mask;
    }
    return &t->slots[i];
}

static void place(uint32_t *slots, size_t mask, uint32_t v, uint32_t hash)
{
    size_t i = hash & mask;

    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = v | TAG(hash);
}

static int grow(struct fs_table *t, const struct moat_fs *fs, fs_members_fn members, uint32_t ctx)
{
    size_t size = ((size_t)t->mask + 1) * 2;
    uint32_t *slots, cursor = 0, v, h;

    if (size > (1u << 31))
        return -MOAT_E_NOMEM;
    slots = calloc(size, sizeof(*slots));
    if (slots == NULL)
        return -MOAT_E_NOMEM;
    while ((v = members(fs, ctx, &cursor, &h)) != 0)
        place(slots, size - 1, v, h);
    free(t->slots);
    t->slots = slots;
    t->mask = (uint32_t)(size - 1);
    return 0;
}

int fs_table_insert(struct fs_table *t, const struct moat_fs *fs, uint32_t v, uint32_t hash,
                    fs_members_fn members, uint32_t ctx)
{
    int rc;

    if (((uint64_t)t->used + 1) * 8 > ((uint64_t)t->mask + 1) * 7 &&
        (rc = grow(t, fs, members, ctx)) < 0)
        return rc;
    place(t->slots, t->mask, v, hash);
    t->used++;
    return 0;
}

void fs_table_replace(struct fs_table *t, uint32_t old, uint32_t v, uint32_t hash)
{
    size_t i = hash & t->mask;

    while (t->slots[i] != 0) {
        if ((t->slots[i] & FS_REF_MASK) == old) {
            t->slots[i] = v | TAG(hash);
            return;
        }
        i = (i + 1) & t->mask;
    }
}
