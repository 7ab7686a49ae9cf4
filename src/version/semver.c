/*
 * semver.c - Semantic Versioning 2.0.0 precedence as npm's semver package
 * computes it (semver.compare(a, b), loose:false): optional leading 'v'
 * and surrounding ASCII whitespace, at most 256 bytes, major/minor/patch
 * without leading zeros and at most 2^53-1, build metadata ignored.
 * Numeric pre-release identifiers compare as JavaScript numbers do (exact
 * below 2^53, as doubles above, where two different identifiers can compare
 * equal and end the comparison, as in npm). Used for npm and crates.io.
 */
#include <stdlib.h>
#include <string.h>

#include "version/version_int.h"

#define SEMVER_MAX_LEN 256
#define MAX_SAFE "9007199254740991" /* Number.MAX_SAFE_INTEGER */

static int is_ident_char(int c)
{
    return ver_isalnum(c) || c == '-';
}

static int is_ws(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* "0" or [1-9][0-9]*, at most 2^53-1 when safe_int; returns the length or 0. */
static size_t parse_main_num(const char *s, size_t n, int safe_int)
{
    size_t i = 0;

    while (i < n && ver_isdigit(s[i]))
        i++;
    if (i == 0 || (i > 1 && s[0] == '0'))
        return 0;
    if (safe_int && ver_numcmp(s, i, MAX_SAFE, strlen(MAX_SAFE)) > 0)
        return 0;
    return i;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!ver_isdigit(s[i]))
            return 0;
    }
    return 1;
}

size_t ver_semver_idents(const char *s, size_t n, int strict)
{
    size_t i = 0;

    for (;;) {
        size_t st = i;
        while (i < n && is_ident_char(s[i]))
            i++;
        if (i == st)
            return 0;
        if (strict && i - st > 1 && s[st] == '0' && all_digits(s + st, i - st))
            return 0;
        if (i < n && s[i] == '.') {
            i++;
            continue;
        }
        return i;
    }
}

int ver_semver_core(const char *s, size_t n, int flags, struct ver_semver *out)
{
    size_t i = 0, k;

    for (k = 0; k < 3; k++) {
        out->num[k] = "0";
        out->numn[k] = 1;
    }
    out->pre = NULL;
    out->pren = 0;
    for (k = 0; k < 3; k++) {
        if (k > 0) {
            if (i == n && (flags & VER_SEMVER_SHORTHAND))
                return 1; /* shorthand: 1 or 1.2 */
            if (i >= n || s[i] != '.')
                return 0;
            i++;
        }
        size_t len = parse_main_num(s + i, n - i, flags & VER_SEMVER_SAFE_INT);
        if (len == 0)
            return 0;
        out->num[k] = s + i;
        out->numn[k] = len;
        i += len;
    }
    if (i < n && s[i] == '-') {
        size_t len = ver_semver_idents(s + i + 1, n - i - 1, 1);
        if (len == 0)
            return 0;
        out->pre = s + i + 1;
        out->pren = len;
        i += 1 + len;
    }
    if (i < n && s[i] == '+') {
        size_t len = ver_semver_idents(s + i + 1, n - i - 1, 0);
        if (len == 0)
            return 0;
        i += 1 + len;
    }
    return i == n;
}

static int semver_parse(const char *s, size_t n, struct ver_semver *out)
{
    size_t i = 0, k;

    if (n > SEMVER_MAX_LEN)
        return 0;
    for (k = 0; k < n; k++) {
        if ((unsigned char)s[k] >= 0x80)
            return 0;
    }
    while (n > 0 && is_ws(s[0]))
        s++, n--;
    while (n > 0 && is_ws(s[n - 1]))
        n--;
    if (i < n && s[i] == 'v')
        i++;
    return ver_semver_core(s + i, n - i, VER_SEMVER_SAFE_INT, out);
}

int ver_semver_valid(const char *v, size_t n)
{
    struct ver_semver s;

    return semver_parse(v, n, &s);
}

/* JavaScript's +"digits" then <, for identifiers of any length. */
static int js_numcmp(const char *a, size_t an, const char *b, size_t bn)
{
    char ab[SEMVER_MAX_LEN + 1], bb[SEMVER_MAX_LEN + 1];
    double x, y;

    if (an <= 15 && bn <= 15)
        return ver_numcmp(a, an, b, bn);
    memcpy(ab, a, an);
    ab[an] = '\0';
    memcpy(bb, b, bn);
    bb[bn] = '\0';
    x = strtod(ab, NULL);
    y = strtod(bb, NULL);
    return (x > y) - (x < y);
}

/* Next dot-separated identifier of s[*pos..n), or 0 when none is left. */
static int next_ident(const char *s, size_t n, size_t *pos, const char **id, size_t *idn)
{
    size_t i = *pos;

    if (s == NULL || i > n)
        return 0;
    *id = s + i;
    while (i < n && s[i] != '.')
        i++;
    *idn = (size_t)(s + i - *id);
    *pos = i + 1;
    return 1;
}

/* compareIdentifiers() of npm semver, for identifiers that differ. */
static int ident_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int anum = all_digits(a, an), bnum = all_digits(b, bn);

    if (anum && bnum)
        return js_numcmp(a, an, b, bn);
    if (anum)
        return -1;
    if (bnum)
        return 1;
    return ver_bytecmp(a, an, b, bn);
}

int ver_semver_precmp(const char *a, size_t an, const char *b, size_t bn, int js)
{
    size_t pa = 0, pb = 0;

    if (a == NULL || b == NULL)
        return (a == NULL) - (b == NULL);
    for (;;) {
        const char *x = "", *y = "";
        size_t xn = 0, yn = 0;
        int hx = next_ident(a, an, &pa, &x, &xn), hy = next_ident(b, bn, &pb, &y, &yn);

        if (!hx || !hy)
            return hx - hy;
        if (xn == yn && memcmp(x, y, xn) == 0)
            continue;
        if (js)
            return ident_cmp(x, xn, y, yn);
        int xnum = all_digits(x, xn), ynum = all_digits(y, yn);
        if (xnum && ynum)
            return ver_numcmp(x, xn, y, yn);
        if (xnum || ynum)
            return xnum ? -1 : 1;
        return ver_bytecmp(x, xn, y, yn);
    }
}

int ver_semver_order(const struct ver_semver *x, const struct ver_semver *y, int js)
{
    for (int k = 0; k < 3; k++) {
        int r = ver_numcmp(x->num[k], x->numn[k], y->num[k], y->numn[k]);
        if (r != 0)
            return r;
    }
    return ver_semver_precmp(x->pre, x->pren, y->pre, y->pren, js);
}

int ver_semver_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct ver_semver x, y;

    if (!semver_parse(a, an, &x) || !semver_parse(b, bn, &y))
        return ver_bytecmp(a, an, b, bn);
    return ver_semver_order(&x, &y, 1);
}
