/*
 * dpkg.c - Debian version comparison per deb-version(7), as dpkg's
 * verrevcmp(): [epoch:]upstream[-revision]. Non-digit runs compare
 * character by character with '~' before the end of the string, the end
 * before letters, letters before everything else; digit runs compare by
 * value, of any length. Validity follows Dpkg::Version's version_check plus
 * dpkg's own hard errors (epoch over INT_MAX, nothing after the colon).
 */
#include <limits.h>
#include <string.h>

#include "version/version_int.h"

struct dpkg_ver {
    long epoch;
    const char *up;
    size_t upn;
    const char *rev;
    size_t revn;
};

static int dpkg_legal(int c)
{
    return ver_isalnum(c) || c == '.' || c == '+' || c == '-' || c == ':' || c == '~';
}

static int dpkg_parse(const char *v, size_t n, struct dpkg_ver *out)
{
    const char *colon, *hyphen = NULL;
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        if (!dpkg_legal((unsigned char)v[i]))
            return 0;
        if (v[i] == '-')
            hyphen = v + i;
    }
    out->epoch = 0;
    colon = memchr(v, ':', n);
    if (colon != NULL) {
        size_t en = (size_t)(colon - v);

        if (en == 0 || en + 1 == n)
            return 0;
        for (i = 0; i < en; i++) {
            if (!ver_isdigit(v[i]))
                return 0;
            out->epoch = out->epoch * 10 + (v[i] - '0');
            if (out->epoch > INT_MAX)
                return 0;
        }
        n -= en + 1;
        v = colon + 1;
    }
    if (hyphen != NULL && hyphen >= v) {
        out->up = v;
        out->upn = (size_t)(hyphen - v);
        out->rev = hyphen + 1;
        out->revn = n - out->upn - 1;
        if (out->revn == 0)
            return 0;
    } else {
        out->up = v;
        out->upn = n;
        out->rev = "";
        out->revn = 0;
    }
    if (out->upn == 0 || !ver_isdigit(out->up[0]))
        return 0;
    return 1;
}

int ver_dpkg_valid(const char *v, size_t n)
{
    struct dpkg_ver d;

    return dpkg_parse(v, n, &d);
}

/* The weight of a character in a non-digit run; 0 stands for "end". */
static int order(const char *s, size_t n, size_t i)
{
    int c;

    if (i >= n)
        return 0;
    c = (unsigned char)s[i];
    if (ver_isdigit(c))
        return 0;
    if (ver_isalpha(c))
        return c;
    if (c == '~')
        return -1;
    return c + 256;
}

static int verrevcmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;

    while (i < an || j < bn) {
        while ((i < an && !ver_isdigit(a[i])) || (j < bn && !ver_isdigit(b[j]))) {
            int ac = order(a, an, i), bc = order(b, bn, j);

            if (ac != bc)
                return ac - bc;
            i++, j++;
        }
        size_t si = i, sj = j;
        while (i < an && ver_isdigit(a[i]))
            i++;
        while (j < bn && ver_isdigit(b[j]))
            j++;
        int r = ver_numcmp(a + si, i - si, b + sj, j - sj);
        if (r != 0)
            return r;
    }
    return 0;
}

int ver_dpkg_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct dpkg_ver x, y;
    int r;

    if (!dpkg_parse(a, an, &x) || !dpkg_parse(b, bn, &y))
        return ver_bytecmp(a, an, b, bn);
    if (x.epoch != y.epoch)
        return x.epoch < y.epoch ? -1 : 1;
    r = verrevcmp(x.up, x.upn, y.up, y.upn);
    if (r != 0)
        return r;
    return verrevcmp(x.rev, x.revn, y.rev, y.revn);
}
