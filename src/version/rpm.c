/*
 * rpm.c - RPM version comparison: rpmvercmp() (rpm >= 4.15, with '~'
 * sorting before everything and '^' after the base version but before any
 * other continuation) applied to epoch, version and release the way
 * rpm.labelCompare() does. The EVR string is split as rpm's parser does:
 * leading digits followed by ':' are the epoch (missing epoch = "0"), the
 * last '-' separates the release. A missing release sorts before any
 * present one (labelCompare's None). Valid: printable ASCII, no space, a
 * non-empty version part.
 */
#include <string.h>

#include "version/version_int.h"

struct evr {
    const char *e, *v, *r;
    size_t en, vn, rn;
    int has_r;
};

static int rpm_parse(const char *s, size_t n, struct evr *out)
{
    size_t i = 0, k;

    if (n == 0)
        return 0;
    for (k = 0; k < n; k++) {
        if (s[k] < 0x21 || s[k] > 0x7e)
            return 0;
    }
    while (i < n && ver_isdigit(s[i]))
        i++;
    if (i < n && s[i] == ':') {
        out->e = s;
        out->en = i;
        if (i == 0)
            out->e = "0", out->en = 1;
        out->v = s + i + 1;
    } else {
        out->e = "0";
        out->en = 1;
        out->v = s;
    }
    out->vn = n - (size_t)(out->v - s);
    out->has_r = 0;
    out->r = "";
    out->rn = 0;
    for (k = out->vn; k > 0; k--) {
        if (out->v[k - 1] == '-') {
            out->has_r = 1;
            out->r = out->v + k;
            out->rn = out->vn - k;
            out->vn = k - 1;
            break;
        }
    }
    return out->vn > 0;
}

int ver_rpm_valid(const char *v, size_t n)
{
    struct evr x;

    return rpm_parse(v, n, &x);
}

static int is_sep(int c)
{
    return !ver_isalnum(c) && c != '~' && c != '^';
}

static int rpmvercmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;

    if (an == bn && memcmp(a, b, an) == 0)
        return 0;
    while (i < an || j < bn) {
        while (i < an && is_sep(a[i]))
            i++;
        while (j < bn && is_sep(b[j]))
            j++;
        int ta = i < an && a[i] == '~', tb = j < bn && b[j] == '~';
        if (ta || tb) {
            if (!ta)
                return 1;
            if (!tb)
                return -1;
            i++, j++;
            continue;
        }
        int ca = i < an && a[i] == '^', cb = j < bn && b[j] == '^';
        if (ca || cb) {
            if (i >= an)
                return -1;
            if (j >= bn)
                return 1;
            if (!ca)
                return 1;
            if (!cb)
                return -1;
            i++, j++;
            continue;
        }
        if (!(i < an && j < bn))
            break;
        size_t si = i, sj = j;
        int isnum = ver_isdigit(a[i]);
        if (isnum) {
            while (i < an && ver_isdigit(a[i]))
                i++;
            while (j < bn && ver_isdigit(b[j]))
                j++;
        } else {
            while (i < an && ver_isalpha(a[i]))
                i++;
            while (j < bn && ver_isalpha(b[j]))
                j++;
        }
        if (sj == j)
            return isnum ? 1 : -1;
        int r = isnum ? ver_numcmp(a + si, i - si, b + sj, j - sj)
                      : ver_bytecmp(a + si, i - si, b + sj, j - sj);
        if (r != 0)
            return r;
    }
    if (i >= an && j >= bn)
        return 0;
    return i >= an ? -1 : 1;
}

int ver_rpm_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct evr x, y;
    int r;

    if (!rpm_parse(a, an, &x) || !rpm_parse(b, bn, &y))
        return ver_bytecmp(a, an, b, bn);
    r = rpmvercmp(x.e, x.en, y.e, y.en);
    if (r == 0)
        r = rpmvercmp(x.v, x.vn, y.v, y.vn);
    if (r == 0) {
        if (x.has_r && y.has_r)
            r = rpmvercmp(x.r, x.rn, y.r, y.rn);
        else
            r = x.has_r - y.has_r;
    }
    return r;
}
