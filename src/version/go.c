/*
 * go.c - Go module versions as golang.org/x/mod/semver orders them: a
 * leading 'v' is required; "v1" and "v1.2" are shorthands for v1.0.0 and
 * v1.2.0 (and take no pre-release or build); numbers of any length, without
 * leading zeros; pre-release identifiers per SemVer 2.0.0 (pseudo-versions
 * such as v0.0.0-20210101000000-abcdef123456 are ordinary pre-releases);
 * build metadata, including "+incompatible", is ignored for ordering.
 */
#include <string.h>

#include "version/version_int.h"

struct gover {
    const char *num[3];
    size_t numn[3];
    const char *pre;
    size_t pren;
};

static size_t go_num(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && ver_isdigit(s[i]))
        i++;
    if (i == 0 || (i > 1 && s[0] == '0'))
        return 0;
    return i;
}

static int go_parse(const char *s, size_t n, struct gover *out)
{
    size_t i = 1, k;

    if (n == 0 || s[0] != 'v')
        return 0;
    for (k = 0; k < 3; k++) {
        out->num[k] = "0";
        out->numn[k] = 1;
    }
    out->pre = NULL;
    out->pren = 0;
    for (k = 0; k < 3; k++) {
        if (k > 0) {
            if (i == n && k > 0)
                return 1; /* shorthand: v1 or v1.2 */
            if (s[i] != '.')
                return 0;
            i++;
        }
        size_t len = go_num(s + i, n - i);
        if (len == 0)
            return 0;
        out->num[k] = s + i;
        out->numn[k] = len;
        i += len;
    }
    if (i < n && s[i] == '-') {
        size_t len = moat_ver_semver_idents(s + i + 1, n - i - 1, 1);
        if (len == 0)
            return 0;
        out->pre = s + i + 1;
        out->pren = len;
        i += 1 + len;
    }
    if (i < n && s[i] == '+') {
        size_t len = moat_ver_semver_idents(s + i + 1, n - i - 1, 0);
        if (len == 0)
            return 0;
        i += 1 + len;
    }
    return i == n;
}

int moat_ver_go_valid(const char *v, size_t n)
{
    struct gover g;

    return go_parse(v, n, &g);
}

int moat_ver_go_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct gover x, y;

    if (!go_parse(a, an, &x) || !go_parse(b, bn, &y))
        return moat_ver_bytecmp(a, an, b, bn);
    for (int k = 0; k < 3; k++) {
        int r = moat_ver_numcmp(x.num[k], x.numn[k], y.num[k], y.numn[k]);
        if (r != 0)
            return r;
    }
    return moat_ver_semver_precmp(x.pre, x.pren, y.pre, y.pren, 0);
}
