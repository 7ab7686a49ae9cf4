/* room: version */
/*
 * fuzz_version.c - libFuzzer target for the version comparators. The input
 * is split at its first NUL byte (or in the middle) into two versions; every
 * scheme compares them both ways and each with itself, and must be
 * reflexive (cmp(a, a) == 0), antisymmetric (sign(cmp(a, b)) ==
 * -sign(cmp(b, a))), agree with its validity check, and never read out of
 * bounds (ASan). apk's raw comparator, which also orders invalid strings, is
 * held to the same laws.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/base/error.h"
#include "moat/version/version.h"
#include "version/version_int.h"

static void check_pair(enum moat_ecosystem_kind k, const char *a, size_t an, const char *b,
                       size_t bn)
{
    int ab = 0, ba = 0, aa = 1, bb = 1;
    int r1 = moat_version_cmp(k, a, an, b, bn, &ab);
    int r2 = moat_version_cmp(k, b, bn, a, an, &ba);
    int va = moat_version_valid(k, a, an), vb = moat_version_valid(k, b, bn);

    if (r1 != r2 || (r1 == 0) != (va && vb) || (r1 != 0 && r1 != -MOAT_E_FORMAT))
        abort();
    if (r1 == 0 && ab != -ba)
        abort();
    if (va && (moat_version_cmp(k, a, an, a, an, &aa) != 0 || aa != 0))
        abort();
    if (vb && (moat_version_cmp(k, b, bn, b, bn, &bb) != 0 || bb != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nul = memchr(s, '\0', size);
    size_t an = nul ? (size_t)(nul - s) : size / 2;
    size_t bn = nul ? size - an - 1 : size - an;
    /* separate heap copies so ASan sees reads past either end */
    char *a = malloc(an ? an : 1), *b = malloc(bn ? bn : 1);

    if (a == NULL || b == NULL)
        goto out;
    memcpy(a, s, an);
    memcpy(b, s + size - bn, bn);
    for (int k = MOAT_VER_DPKG; k <= MOAT_VER_MAVEN; k++)
        check_pair((enum moat_ecosystem_kind)k, a, an, b, bn);
    if (ver_sign(ver_apk_cmp(a, an, b, bn)) != -ver_sign(ver_apk_cmp(b, bn, a, an)) ||
        ver_apk_cmp(a, an, a, an) != 0)
        abort();
out:
    free(a);
    free(b);
    return 0;
}
