/*
 * go.c - Go module versions as golang.org/x/mod/semver orders them: a
 * leading 'v' is required; "v1" and "v1.2" are shorthands for v1.0.0 and
 * v1.2.0 (and take no pre-release or build); numbers of any length, without
 * leading zeros; pre-release identifiers per SemVer 2.0.0 (pseudo-versions
 * such as v0.0.0-20210101000000-abcdef123456 are ordinary pre-releases);
 * build metadata, including "+incompatible", is ignored for ordering.
 */
#include "version/version_int.h"

static int go_parse(const char *s, size_t n, struct ver_semver *out)
{
    if (n == 0 || s[0] != 'v')
        return 0;
    return ver_semver_core(s + 1, n - 1, VER_SEMVER_SHORTHAND, out);
}

int ver_go_valid(const char *v, size_t n)
{
    struct ver_semver g;

    return go_parse(v, n, &g);
}

int ver_go_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct ver_semver x, y;

    if (!go_parse(a, an, &x) || !go_parse(b, bn, &y))
        return ver_bytecmp(a, an, b, bn);
    return ver_semver_order(&x, &y, 0);
}
