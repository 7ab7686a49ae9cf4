/*
 * tarhdr.c - tar header numbers and checksum (tarhdr.h). It replaces the copies in
 * source/tar_index.c (which accepted the signed sum and a base-256 checksum field) and
 * secret/tar.c (which did not accept the signed sum): the signed sum is accepted, as GNU tar
 * (tar_checksum in src/list.c: "the Sun one") and libarchive (checksum() in
 * archive_read_support_format_tar.c: "an old BSD, Solaris, or HP-UX tar with a broken checksum
 * calculation") do, and the checksum field must be octal, as libarchive requires.
 */
#include "tarhdr.h"

int moat_tar_number(const unsigned char *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    if (n > 0 && (f[0] & 0x80)) {
        if (f[0] & 0x40)
            return -1; /* negative */
        v = f[0] & 0x3f;
        for (i = 1; i < n; i++) {
            if (v > (UINT64_MAX >> 8))
                return -1;
            v = (v << 8) | f[i];
        }
        *out = v;
        return 0;
    }
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v > (UINT64_MAX >> 3))
            return -1;
        v = (v << 3) | (uint64_t)(f[i] - '0');
    }
    if (i < n && f[i] != '\0' && f[i] != ' ')
        return -1;
    *out = v;
    return 0;
}

int moat_tar_checksum_ok(const unsigned char h[MOAT_TAR_BLOCK])
{
    uint64_t want;
    long unsigned_sum = 0, signed_sum = 0;
    int digits = 0;

    for (size_t i = 148; i < 156; i++) {
        if (h[i] != ' ' && h[i] != '\0' && (h[i] < '0' || h[i] > '7'))
            return 0;
        digits += h[i] >= '0';
    }
    if (digits == 0 || moat_tar_number(h + 148, 8, &want) < 0)
        return 0;
    for (size_t i = 0; i < MOAT_TAR_BLOCK; i++) {
        unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];
        unsigned_sum += c;
        signed_sum += (signed char)c;
    }
    return (long)want == unsigned_sum || (long)want == signed_sum;
}
