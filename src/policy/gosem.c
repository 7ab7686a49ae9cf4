/*
 * gosem.c - Go's readings of strings, as the Docker daemon makes them (see
 * gosem.h). Each function follows the Go source it names; the tests compare
 * against values from Go's own tables and documentation.
 */
#include "moat/policy/gosem.h"

#include <limits.h>
#include <string.h>

/* Length of the key prefix at k that folds to c (1 ASCII byte, or 2-3 for LONG S / KELVIN SIGN). */
static size_t fold_match(const unsigned char *k, size_t left, char c)
{
    unsigned char l = (unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);

    if (left >= 1 && k[0] < 0x80)
        return (unsigned char)(k[0] >= 'A' && k[0] <= 'Z' ? k[0] - 'A' + 'a' : k[0]) == l ? 1 : 0;
    if (l == 'k' && left >= 3 && k[0] == 0xe2 && k[1] == 0x84 && k[2] == 0xaa)
        return 3;
    if (l == 's' && left >= 2 && k[0] == 0xc5 && k[1] == 0xbf)
        return 2;
    return 0;
}

static bool go_key_eq(const char *key, size_t klen, const char *name)
{
    const unsigned char *k = (const unsigned char *)key;
    size_t i = 0;

    for (; *name != '\0'; name++) {
        size_t n = fold_match(k + i, klen - i, *name);

        if (n == 0)
            return false;
        i += n;
    }
    return i == klen;
}

json_t *moat_go_field(const json_t *obj, const char *name, bool *ambiguous)
{
    json_t *found = NULL, *v;
    const char *key;
    size_t klen;

    if (!json_is_object(obj))
        return NULL;
    json_object_keylen_foreach((json_t *)obj, key, klen, v)
    {
        if (!go_key_eq(key, klen, name))
            continue;
        if (found != NULL) {
            *ambiguous = true;
            return NULL;
        }
        found = v;
    }
    return found;
}

bool moat_go_upper_ascii(const char *s, size_t len, char *out, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        char c;

        if (u[i] < 0x80) {
            c = (char)(u[i] >= 'a' && u[i] <= 'z' ? u[i] - 'a' + 'A' : u[i]);
        } else if (i + 1 < len && u[i] == 0xc4 && u[i + 1] == 0xb1) { /* U+0131 */
            c = 'I';
            i++;
        } else if (i + 1 < len && u[i] == 0xc5 && u[i + 1] == 0xbf) { /* U+017F */
            c = 'S';
            i++;
        } else {
            return false;
        }
        if (o + 1 >= cap)
            return false;
        out[o++] = c;
    }
    if (o >= cap)
        return false;
    out[o] = '\0';
    return true;
}

bool moat_go_atoi(const char *s, size_t len, long long *out)
{
    size_t i = 0;
    bool neg = false;
    unsigned long long v = 0, lim;

    *out = 0;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return false;
    lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            *out = 0; /* ParseInt's value for a syntax error */
            return false;
        }
        if (v > (lim - (unsigned long long)(s[i] - '0')) / 10) { /* ErrRange: clamped */
            *out = neg ? LLONG_MIN : LLONG_MAX;
            for (; i < len; i++)
                if (s[i] < '0' || s[i] > '9') {
                    *out = 0;
                    break;
                }
            return false;
        }
        v = v * 10 + (unsigned long long)(s[i] - '0');
    }
    *out = neg ? (long long)(0 - v) : (long long)v;
    return true;
}

int moat_go_version_cmp(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 0;
    while (*a != '\0' || *b != '\0') {
        size_t na = strcspn(a, "."), nb = strcspn(b, ".");
        long long va = 0, vb = 0;

        moat_go_atoi(a, na, &va);
        moat_go_atoi(b, nb, &vb);
        if (va != vb)
            return va > vb ? 1 : -1;
        a += na + (a[na] == '.');
        b += nb + (b[nb] == '.');
    }
    return 0;
}

int moat_go_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* url.QueryUnescape of s[0..n) into out; -1 for a bad escape, -2 when it does not fit. */
static int query_unescape(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c == '%') {
            if (i + 2 >= n || moat_go_hexval(s[i + 1]) < 0 || moat_go_hexval(s[i + 2]) < 0)
                return -1;
            c = (char)(moat_go_hexval(s[i + 1]) * 16 + moat_go_hexval(s[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (o + 1 >= cap)
            return -2;
        out[o++] = c;
    }
    out[o] = '\0';
    return (int)o;
}

int moat_go_query_get(const char *query, const char *key, char *out, size_t cap)
{
    char k[256];

    while (query != NULL && *query != '\0') {
        size_t n = strcspn(query, "&"), kn;
        const char *pair = query;

        query = query[n] == '&' ? query + n + 1 : query + n;
        if (n == 0 || memchr(pair, ';', n) != NULL)
            continue;
        kn = strcspn(pair, "=");
        if (kn > n)
            kn = n;
        if (query_unescape(pair, kn, k, sizeof k) < 0 || strcmp(k, key) != 0)
            continue;
        if (kn == n) {
            if (cap == 0)
                return -1;
            out[0] = '\0';
            return 1;
        }
        switch (query_unescape(pair + kn + 1, n - kn - 1, out, cap)) {
        case -1:
            continue; /* Go skips the pair */
        case -2:
            return -1;
        default:
            return 1;
        }
    }
    return 0;
}
