/*
 * idset.c - the set of ids a document has used (bom-refs, SPDXIDs,
 * LicenseRefs), kept without keeping the strings: each entry is a keyed
 * 64-bit hash plus the caller's (owner, aux) numbers from which the caller can
 * rebuild the text. Equal hashes are confirmed by rebuilding the text, so the
 * set is exact; SipHash with a per-set random key keeps hostile package names
 * from forcing collisions. About 32-40 bytes per id instead of a JSON tree or a
 * copy of every string, which is what lets the writers stream.
 *
 * Entries stay in insertion order: the writers read them back to list the
 * dependencies, relationships and LicenseRefs after the packages.
 */
#include "sbom_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/error.h"
#include "moat/base/hash.h"

static int grow_slots(struct sbom_idset *s, size_t want)
{
    size_t n = 64, i;
    uint32_t *slot;

    while (n < want) {
        if (n > SIZE_MAX / 2 / sizeof(*slot))
            return -MOAT_E_NOMEM;
        n *= 2;
    }
    if (n <= s->n_slot)
        return 0;
    slot = calloc(n, sizeof(*slot));
    if (slot == NULL)
        return -MOAT_E_NOMEM;
    for (i = 0; i < s->n; i++) {
        size_t j = (size_t)s->e[i].hash & (n - 1);

        while (slot[j] != 0)
            j = (j + 1) & (n - 1);
        slot[j] = (uint32_t)(i + 1);
    }
    free(s->slot);
    s->slot = slot;
    s->n_slot = n;
    return 0;
}

static int reserve(struct sbom_idset *s, size_t n)
{
    struct sbom_identry *e;

    if (n >= UINT32_MAX || n > SIZE_MAX / 2 / sizeof(*e))
        return -MOAT_E_NOMEM;
    if (n > s->cap) {
        e = realloc(s->e, n * sizeof(*e));
        if (e == NULL)
            return -MOAT_E_NOMEM;
        s->e = e;
        s->cap = n;
    }
    return grow_slots(s, 2 * n);
}

int sbom_idset_init(struct sbom_idset *s, size_t hint, sbom_idset_text_fn text, void *arg)
{
    memset(s, 0, sizeof(*s));
    s->text = text;
    s->arg = arg;
    /* Without randomness the set is still exact, only easier to slow down. */
    moat_hash_key(s->key);
    return reserve(s, hint > 0 ? hint : 16);
}

void sbom_idset_free(struct sbom_idset *s)
{
    free(s->e);
    free(s->slot);
    moat_buf_free(&s->tmp);
    memset(s, 0, sizeof(*s));
}

int sbom_idset_text(struct sbom_idset *s, size_t idx, struct moat_buf *out)
{
    if (idx >= s->n)
        return -MOAT_E_ARG;
    return s->text(s->arg, &s->e[idx], out) < 0 ? -MOAT_E_NOMEM : 0;
}

/* 1 and *idx when key is in the set, 0 when not (*slot_out: the free slot for it). */
static int lookup(struct sbom_idset *s, const char *key, size_t len, uint64_t h, size_t *idx,
                  size_t *slot_out)
{
    size_t j = (size_t)h & (s->n_slot - 1);

    for (; s->slot[j] != 0; j = (j + 1) & (s->n_slot - 1)) {
        size_t i = s->slot[j] - 1;

        if (s->e[i].hash != h)
            continue;
        /* Rebuild the text; the last one is kept, as runs of duplicates hit the same entry. */
        if (s->tmp_for != i + 1) {
            s->tmp_for = 0;
            s->tmp.len = 0;
            if (s->text(s->arg, &s->e[i], &s->tmp) < 0)
                return -MOAT_E_NOMEM;
            s->tmp_for = i + 1;
        }
        if (s->tmp.len == len && memcmp(s->tmp.data, key, len) == 0) {
            *idx = i;
            return 1;
        }
    }
    *slot_out = j;
    return 0;
}

int sbom_idset_find(struct sbom_idset *s, const char *key, size_t *idx)
{
    size_t len = strlen(key), slot;

    return lookup(s, key, len, moat_siphash24(s->key, key, len), idx, &slot);
}

/* Add key, known to be absent, as (owner, aux); *idx gets its index. */
static int add(struct sbom_idset *s, const char *key, uint32_t owner, uint32_t aux, size_t *idx)
{
    size_t len = strlen(key), slot, dummy;
    uint64_t h = moat_siphash24(s->key, key, len);
    int r;

    if (s->n + 1 > s->cap) { /* reserve() keeps n_slot >= 2 * cap */
        r = reserve(s, 2 * s->cap);
        if (r < 0)
            return r;
    }
    r = lookup(s, key, len, h, &dummy, &slot);
    if (r != 0)
        return r < 0 ? r : -MOAT_E_ARG;
    s->e[s->n] = (struct sbom_identry){h, owner, aux, 2};
    s->slot[slot] = (uint32_t)(s->n + 1);
    *idx = s->n++;
    return 0;
}

int sbom_idset_add(struct sbom_idset *s, const char *key, uint32_t owner, uint32_t aux, size_t *idx)
{
    size_t i;
    int r = sbom_idset_find(s, key, &i);

    if (r != 0) {
        if (r > 0)
            *idx = i;
        return r;
    }
    r = add(s, key, owner, aux, idx);
    return r < 0 ? r : 0;
}

int sbom_idset_unique(struct sbom_idset *s, const char *key, const char *sep, uint32_t owner,
                      uint32_t *n_out, size_t *idx)
{
    struct moat_buf b = MOAT_BUF_INIT;
    size_t base, i;
    uint32_t n;
    int r = sbom_idset_find(s, key, &base);

    if (r == 0) {
        *n_out = 0;
        return add(s, key, owner, 0, idx);
    }
    if (r < 0)
        return r;
    /* key + sep + N for the first free N >= 2; the ones below s->e[base].next are taken. */
    for (n = s->e[base].next;; n++) {
        b.len = 0;
        if (n == UINT32_MAX || moat_buf_appendf(&b, "%s%s%lu", key, sep, (unsigned long)n) < 0) {
            r = -MOAT_E_NOMEM;
            goto out;
        }
        r = sbom_idset_find(s, b.data, &i);
        if (r < 0)
            goto out;
        if (r == 0)
            break;
    }
    r = add(s, b.data, owner, n, idx);
    if (r == 0) {
        s->e[base].next = n + 1;
        *n_out = n;
    }
out:
    moat_buf_free(&b);
    return r;
}
