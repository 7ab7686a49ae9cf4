/*
 * tar_header.c - tar numbers, header checksums and pax records, for the
 * outer-archive index and the layer reader. Must not read files or keep
 * state between calls.
 */
#include "tar_header.h"

#include <stdlib.h>
#include <string.h>

#include "../base/limits.h"

/* GNU base-256: two's complement, big-endian, the marker bit standing in for the sign. */
static int base256(const unsigned char *f, size_t n, int64_t *out)
{
    int neg = (f[0] & 0x40) != 0;
    unsigned char sign = neg ? 0xff : 0x00;
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char b = i == 0 ? (unsigned char)(neg ? f[0] : f[0] & 0x7f) : f[i];

        /* the bytes above the last eight must be pure sign, and so must their top bit */
        if (n - i > 8 && b != sign)
            return -1;
        if (n - i == 8 && ((b & 0x80) != 0) != neg)
            return -1;
        v = (v << 8) | b;
    }
    if (n < 8 && neg)
        v |= ~0ull << (n * 8); /* sign-extend a short field */
    *out = (int64_t)v;
    return 0;
}

int source_tar_snum(const unsigned char *f, size_t n, int64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    if (n == 0)
        return -1;
    if (f[0] & 0x80)
        return base256(f, n, out);
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v > ((uint64_t)INT64_MAX >> 3))
            return -1;
        v = (v << 3) | (uint64_t)(f[i] - '0');
    }
    if (i < n && f[i] != '\0' && f[i] != ' ')
        return -1;
    *out = (int64_t)v;
    return 0;
}

int source_tar_num(const unsigned char *f, size_t n, uint64_t *out)
{
    int64_t v;

    if (source_tar_snum(f, n, &v) < 0 || v < 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static uint64_t lanes16(uint64_t v)
{
    return (v & 0xffff) + ((v >> 16) & 0xffff) + ((v >> 32) & 0xffff) + (v >> 48);
}

int source_tar_checksum_ok(const unsigned char *h)
{
    const uint64_t lo = 0x00ff00ff00ff00ffull, ones = 0x0101010101010101ull;
    uint64_t want, lanes = 0, highs = 0, w, high;
    int64_t su, ss;

    if (source_tar_num(h + TAR_CHKSUM, 8, &want) < 0)
        return 0;
    /*
     * Byte sum eight at a time, in four 16-bit lanes (64 * 510 < 65536), and
     * the bytes >= 0x80 counted in eight 8-bit lanes (64 < 256).
     */
    for (size_t i = 0; i < TAR_BLOCK; i += 8) {
        memcpy(&w, h + i, 8);
        lanes += (w & lo) + ((w >> 8) & lo);
        highs += (w >> 7) & ones;
    }
    highs = (highs & lo) + ((highs >> 8) & lo); /* four 16-bit lanes: up to 512 in all */
    su = (int64_t)lanes16(lanes);
    high = lanes16(highs);
    /* the checksum field itself counts as eight spaces */
    for (size_t i = TAR_CHKSUM; i < TAR_CHKSUM + 8; i++) {
        su += ' ' - h[i];
        high -= h[i] >> 7;
    }
    /* some old tars summed signed chars: each byte >= 0x80 counts 256 less */
    ss = su - 256 * (int64_t)high;
    return want == (uint64_t)su || (int64_t)want == ss;
}

int source_tar_zero_block(const unsigned char *h)
{
    static const unsigned char zero[TAR_BLOCK];

    return memcmp(h, zero, TAR_BLOCK) == 0;
}

void source_tar_pax_reset(struct source_tar_pax *x)
{
    free(x->path);
    free(x->link);
    memset(x, 0, sizeof(*x));
}

/* A decimal pax value; with frac, a fraction after '.' is allowed and dropped. */
static int pax_int(const char *v, size_t n, int sign_ok, int frac, int64_t *out)
{
    uint64_t acc = 0;
    size_t i = 0;
    int neg = 0;

    if (sign_ok && n > 0 && v[0] == '-') {
        neg = 1;
        i++;
    }
    if (i == n || n > 40)
        return -1;
    for (; i < n && v[i] != '.'; i++) {
        if (v[i] < '0' || v[i] > '9' || acc > ((uint64_t)INT64_MAX - 9) / 10)
            return -1;
        acc = acc * 10 + (uint64_t)(v[i] - '0');
    }
    if (i < n) {
        if (!frac || i + 1 == n)
            return -1;
        for (i++; i < n; i++)
            if (v[i] < '0' || v[i] > '9')
                return -1;
    }
    *out = neg ? -(int64_t)acc : (int64_t)acc;
    return 0;
}

static int key_is(const char *key, size_t klen, const char *name)
{
    return klen == strlen(name) && memcmp(key, name, klen) == 0;
}

int source_tar_pax_parse(const char *d, size_t n, struct source_tar_pax *x, const char *label,
                         struct moat_err *err)
{
    size_t pos = 0;

    while (pos < n) {
        size_t len = 0, i = pos, klen, vlen;
        const char *key, *eq, *val;
        int64_t num;

        while (i < n && d[i] >= '0' && d[i] <= '9' && len <= n)
            len = len * 10 + (size_t)(d[i++] - '0');
        if (i == pos || i >= n || d[i] != ' ' || len == 0 || len > n - pos ||
            i + 1 > pos + len - 1 || d[pos + len - 1] != '\n')
            return moat_err_set(err, MOAT_E_FORMAT, "%s: malformed pax header", label);
        key = d + i + 1;
        eq = memchr(key, '=', (size_t)(d + pos + len - 1 - key));
        if (eq == NULL)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: malformed pax record", label);
        klen = (size_t)(eq - key);
        val = eq + 1;
        vlen = (size_t)(d + pos + len - 1 - val);
        if (key_is(key, klen, "path") || key_is(key, klen, "linkpath")) {
            char **dst = klen == 4 ? &x->path : &x->link;

            if (memchr(val, '\0', vlen) != NULL)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: NUL in pax path", label);
            free(*dst);
            *dst = strndup(val, vlen);
            if (*dst == NULL)
                return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
        } else if (key_is(key, klen, "size") || key_is(key, klen, "uid") ||
                   key_is(key, klen, "gid")) {
            if (pax_int(val, vlen, 0, 0, &num) < 0)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: bad pax %.*s", label, (int)klen, key);
            if (klen == 4) {
                x->have_size = 1;
                x->size = (uint64_t)num;
            } else if (key[0] == 'u') {
                x->have_uid = 1;
                x->uid = (uint64_t)num;
            } else {
                x->have_gid = 1;
                x->gid = (uint64_t)num;
            }
        } else if (key_is(key, klen, "mtime")) {
            if (pax_int(val, vlen, 1, 1, &num) < 0)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: bad pax mtime", label);
            x->have_mtime = 1;
            x->mtime = num;
        } else if (klen > 11 && memcmp(key, "GNU.sparse.", 11) == 0) {
            x->sparse = 1;
        }
        pos += len;
    }
    return 0;
}
