/*
 * tarhdr.c - tar header numbers and checksum (tarhdr.h), for the outer-archive index, the
 * layer reader and the secret scanner's reader of archives inside layers. The sum is taken
 * eight bytes at a time (it runs once per file of every layer). The signed sum is accepted, as GNU
 * tar (tar_checksum in src/list.c: "the Sun one") and libarchive (checksum() in
 * archive_read_support_format_tar.c: "an old BSD, Solaris, or HP-UX tar with a broken checksum
 * calculation") do, and the checksum field must be octal, as libarchive requires.
 */
#include "moat/base/tarhdr.h"

#include <string.h>

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

int moat_tar_snumber(const unsigned char *f, size_t n, int64_t *out)
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

int moat_tar_number(const unsigned char *f, size_t n, uint64_t *out)
{
    int64_t v;

    if (moat_tar_snumber(f, n, &v) < 0 || v < 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static uint64_t lanes16(uint64_t v)
{
    return (v & 0xffff) + ((v >> 16) & 0xffff) + ((v >> 32) & 0xffff) + (v >> 48);
}

int moat_tar_checksum_ok(const unsigned char h[MOAT_TAR_BLOCK])
{
    const uint64_t lo = 0x00ff00ff00ff00ffull, ones = 0x0101010101010101ull;
    uint64_t want, lanes = 0, highs = 0, w, high;
    int64_t su, ss;
    int digits = 0;

    /* the field itself: octal digits, spaces and NULs, at least one digit */
    for (size_t i = 148; i < 156; i++) {
        if (h[i] != ' ' && h[i] != '\0' && (h[i] < '0' || h[i] > '7'))
            return 0;
        digits += h[i] >= '0';
    }
    if (digits == 0 || moat_tar_number(h + 148, 8, &want) < 0)
        return 0;
    /*
     * Byte sum eight at a time, in four 16-bit lanes (64 * 510 < 65536), and
     * the bytes >= 0x80 counted in eight 8-bit lanes (64 < 256).
     */
    for (size_t i = 0; i < MOAT_TAR_BLOCK; i += 8) {
        memcpy(&w, h + i, 8);
        lanes += (w & lo) + ((w >> 8) & lo);
        highs += (w >> 7) & ones;
    }
    highs = (highs & lo) + ((highs >> 8) & lo); /* four 16-bit lanes: up to 512 in all */
    su = (int64_t)lanes16(lanes);
    high = lanes16(highs);
    /* the checksum field itself counts as eight spaces */
    for (size_t i = 148; i < 156; i++) {
        su += ' ' - h[i];
        high -= h[i] >> 7;
    }
    /* some old tars summed signed chars: each byte >= 0x80 counts 256 less */
    ss = su - 256 * (int64_t)high;
    return want == (uint64_t)su || (int64_t)want == ss;
}

int moat_tar_zero_block(const unsigned char h[MOAT_TAR_BLOCK])
{
    static const unsigned char zero[MOAT_TAR_BLOCK];

    return memcmp(h, zero, MOAT_TAR_BLOCK) == 0;
}
