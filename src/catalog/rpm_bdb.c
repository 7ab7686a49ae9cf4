/*
 * rpm_bdb.c - rpm's Berkeley DB "Packages" file (RHEL/CentOS <= 8, Amazon
 * Linux 2): a BDB hash database whose values are rpm header blobs.
 *
 * Rather than trusting libdb with hostile bytes, the pages are read
 * directly, as go-rpmdb does: page 0 is the hash metadata (magic 0x061561,
 * page size, byte order); every hash page (types 2 and 13) holds key/data
 * item pairs; a data item is either inline (H_KEYDATA) or the head of a
 * chain of overflow pages (H_OFFPAGE). Every offset is checked against the
 * page, every page number against the file, and an overflow page may be
 * used once only, which bounds the work and defeats cycles.
 */
#include "catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"

#define BDB_HASH_MAGIC 0x061561u
#define PAGE_HDR 26u
enum { P_HASH_UNSORTED = 2, P_OVERFLOW = 7, P_HASHMETA = 8, P_HASH = 13 };
enum { H_KEYDATA = 1, H_OFFPAGE = 3 };
#define MIN_HEADER_BYTES 16u /* values shorter than this are rpm's bookkeeping (key 0) */

struct bdb {
    const char *where;
    const unsigned char *data;
    size_t len;
    uint32_t pagesize, npages;
    int be;
    unsigned char *used; /* overflow pages already consumed */
};

static uint32_t rd32(const struct bdb *b, const unsigned char *p)
{
    if (b->be)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t rd16(const struct bdb *b, const unsigned char *p)
{
    return (uint16_t)(b->be ? p[0] << 8 | p[1] : p[1] << 8 | p[0]);
}

static const unsigned char *page(const struct bdb *b, uint32_t pg)
{
    return b->data + (size_t)pg * b->pagesize;
}

static int load_meta(struct bdb *b, struct moat_err *err)
{
    const unsigned char *m = b->data;
    uint32_t magic;

    if (b->len < 512)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: too short for Berkeley DB", b->where);
    magic = rd32(b, m + 12);
    if (magic != BDB_HASH_MAGIC) {
        b->be = 1;
        magic = rd32(b, m + 12);
    }
    if (magic != BDB_HASH_MAGIC)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: not a Berkeley DB hash database", b->where);
    b->pagesize = rd32(b, m + 20);
    if (b->pagesize < 512 || b->pagesize > 65536 || (b->pagesize & (b->pagesize - 1)) != 0)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: bad page size %u", b->where, b->pagesize);
    if (m[25] != P_HASHMETA)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: page 0 is not hash metadata", b->where);
    if (m[24] != 0)
        return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: encrypted Berkeley DB", b->where);
    if (b->len / b->pagesize > UINT32_MAX)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: too many pages", b->where);
    b->npages = (uint32_t)(b->len / b->pagesize);
    b->used = calloc(b->npages, 1);
    if (b->used == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", b->where);
    return 0;
}

/* Reassemble an off-page value of tlen bytes starting at page pg into *out (caller frees). */
static int overflow(struct bdb *b, uint32_t pg, uint32_t tlen, unsigned char **out,
                    struct moat_err *err)
{
    unsigned char *buf;
    size_t got = 0;
    int r = 0;

    *out = NULL;
    if (tlen == 0 || tlen > MOAT_MAX_CAPTURE_BYTES || tlen > b->len)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: page %u: bad overflow length %u", b->where, pg,
                            tlen);
    buf = malloc(tlen);
    if (buf == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", b->where);
    while (got < tlen) {
        const unsigned char *p;
        uint16_t n;

        if (pg == 0 || pg >= b->npages || b->used[pg]) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: overflow chain reaches bad or reused page %u",
                             b->where, pg);
            goto out;
        }
        b->used[pg] = 1;
        p = page(b, pg);
        n = rd16(b, p + 22);
        if (p[25] != P_OVERFLOW || n == 0 || n > b->pagesize - PAGE_HDR || n > tlen - got) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: page %u: bad overflow page", b->where, pg);
            goto out;
        }
        memcpy(buf + got, p + PAGE_HDR, n);
        got += n;
        pg = rd32(b, p + 16);
    }
    *out = buf;
    buf = NULL;
out:
    free(buf);
    return r;
}

static int add_header(struct bdb *b, uint32_t pg, const unsigned char *blob, size_t n,
                      struct moat_inventory *inv, struct moat_err *err)
{
    char where[MOAT_MAX_PATH_LEN + 32];
    struct moat_pkg p = {0};
    int r;

    snprintf(where, sizeof(where), "%s: page %u", b->where, pg);
    if ((r = moat_rpm_parse_header(where, blob, n, &p, err)) == 0)
        r = moat_inventory_add(inv, &p, err);
    moat_pkg_free(&p);
    return r;
}

/* The data items (odd indexes) of one hash page. */
static int hash_page(struct bdb *b, uint32_t pg, struct moat_inventory *inv, struct moat_err *err)
{
    const unsigned char *p = page(b, pg);
    uint16_t entries = rd16(b, p + 20);
    uint32_t first = PAGE_HDR + 2u * entries;

    if (first > b->pagesize)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: page %u: too many entries", b->where, pg);
    for (uint32_t i = 1; i < entries; i += 2) {
        uint32_t off = rd16(b, p + PAGE_HDR + 2 * i);
        uint32_t prev = rd16(b, p + PAGE_HDR + 2 * (i - 1));
        unsigned char *blob = NULL;
        int r;

        if (off < first || off >= b->pagesize || prev > b->pagesize || prev <= off)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: page %u: item %u out of range", b->where,
                                pg, i);
        if (p[off] == H_OFFPAGE) {
            if (off + 12 > b->pagesize)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: page %u: item %u truncated", b->where,
                                    pg, i);
            if ((r = overflow(b, rd32(b, p + off + 4), rd32(b, p + off + 8), &blob, err)) < 0)
                return r;
            r = add_header(b, pg, blob, rd32(b, p + off + 8), inv, err);
            free(blob);
            if (r < 0)
                return r;
        } else if (p[off] == H_KEYDATA && prev - off - 1 >= MIN_HEADER_BYTES) {
            /* Inline value: it ends where the previous item (its key) begins. */
            if ((r = add_header(b, pg, p + off + 1, prev - off - 1, inv, err)) < 0)
                return r;
        }
    }
    return 0;
}

int moat_rpm_parse_bdb(const char *where, const unsigned char *data, size_t len,
                       struct moat_inventory *inv, struct moat_err *err)
{
    struct bdb b = {0};
    int r;

    b.where = where;
    b.data = data;
    b.len = len;
    if (data == NULL || (r = load_meta(&b, err)) < 0) {
        r = data == NULL ? moat_err_set(err, MOAT_E_FORMAT, "%s: empty", where) : r;
        goto out;
    }
    for (uint32_t pg = 1; pg < b.npages; pg++) {
        uint8_t type = page(&b, pg)[25];

        if (type != P_HASH && type != P_HASH_UNSORTED)
            continue;
        if ((r = hash_page(&b, pg, inv, err)) < 0)
            goto out;
    }
    r = 0;
out:
    free(b.used);
    return r;
}
