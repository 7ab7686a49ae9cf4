/*
 * purl_parse.c - parse a Package URL (github.com/package-url/purl-spec):
 * pkg:type/namespace/name@version?qualifiers#subpath. The inverse of
 * purl.c. Input is untrusted (stored SBOMs): lengths are bounded and bad
 * percent-escapes are errors.
 */
#include "moat/sbom/sbom_read.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PURL_MAX_LEN 4096
#define PURL_MAX_QUALIFIERS 32

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decode s[0..n) into a new string; NULL on a bad escape, NUL byte or no memory. */
static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;

            if (i + 2 >= n || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
                (lo = hexval((unsigned char)s[i + 2])) < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

void moat_purl_parts_free(struct moat_purl_parts *p)
{
    free(p->type);
    free(p->namespace_);
    free(p->name);
    free(p->version);
    free(p->subpath);
    for (size_t i = 0; i < p->n_qualifiers; i++) {
        free(p->qualifiers[i].key);
        free(p->qualifiers[i].value);
    }
    free(p->qualifiers);
    memset(p, 0, sizeof(*p));
}

const char *moat_purl_qualifier(const struct moat_purl_parts *p, const char *key)
{
    for (size_t i = 0; i < p->n_qualifiers; i++)
        if (strcmp(p->qualifiers[i].key, key) == 0)
            return p->qualifiers[i].value;
    return NULL;
}

static int parse_qualifiers(const char *q, size_t n, struct moat_purl_parts *out)
{
    size_t i = 0;

    while (i < n) {
        size_t end = i, eq;
        char *key, *value;

        while (end < n && q[end] != '&')
            end++;
        for (eq = i; eq < end && q[eq] != '='; eq++)
            ;
        if (eq == end || eq == i)
            return -MOAT_E_FORMAT;
        if (out->n_qualifiers == PURL_MAX_QUALIFIERS)
            return -MOAT_E_LIMIT;
        if (out->qualifiers == NULL) {
            out->qualifiers = calloc(PURL_MAX_QUALIFIERS, sizeof(*out->qualifiers));
            if (out->qualifiers == NULL)
                return -MOAT_E_NOMEM;
        }
        key = decode(q + i, eq - i);
        value = decode(q + eq + 1, end - eq - 1);
        if (key == NULL || value == NULL) {
            free(key);
            free(value);
            return -MOAT_E_FORMAT;
        }
        for (char *k = key; *k != '\0'; k++)
            *k = (char)tolower((unsigned char)*k);
        out->qualifiers[out->n_qualifiers].key = key;
        out->qualifiers[out->n_qualifiers].value = value;
        out->n_qualifiers++;
        i = end + 1;
    }
    return 0;
}

int moat_purl_parse(const char *purl, struct moat_purl_parts *out, struct moat_err *err)
{
    size_t len = strnlen(purl, PURL_MAX_LEN + 1), end, at, slash, start;
    const char *hash, *q;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len > PURL_MAX_LEN)
        return moat_err_set(err, MOAT_E_LIMIT, "purl longer than %d bytes", PURL_MAX_LEN);
    if (strncasecmp(purl, "pkg:", 4) != 0) /* a URL scheme: any case (ECMA-427 lowercases it) */
        return moat_err_set(err, MOAT_E_FORMAT, "purl '%.80s' does not start with pkg:", purl);
    start = 4;
    while (purl[start] == '/')
        start++;
    end = len;
    hash = memchr(purl + start, '#', end - start);
    if (hash != NULL) {
        size_t s = (size_t)(hash - purl) + 1;

        if ((out->subpath = decode(purl + s, end - s)) == NULL)
            goto bad;
        end = (size_t)(hash - purl);
    }
    q = memchr(purl + start, '?', end - start);
    if (q != NULL) {
        size_t s = (size_t)(q - purl) + 1;

        rc = parse_qualifiers(purl + s, end - s, out);
        if (rc == -MOAT_E_NOMEM) {
            moat_purl_parts_free(out);
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        }
        if (rc < 0)
            goto bad;
        end = (size_t)(q - purl);
    }
    /* type */
    for (slash = start; slash < end && purl[slash] != '/'; slash++)
        ;
    if (slash == start || slash == end)
        goto bad;
    if ((out->type = decode(purl + start, slash - start)) == NULL)
        goto bad;
    for (char *t = out->type; *t != '\0'; t++)
        *t = (char)tolower((unsigned char)*t);
    start = slash + 1;
    /* version: after the last '@' of the remainder */
    for (at = end; at > start && purl[at - 1] != '@' && purl[at - 1] != '/'; at--)
        ;
    if (at > start && purl[at - 1] == '@') {
        if ((out->version = decode(purl + at, end - at)) == NULL)
            goto bad;
        end = at - 1;
    }
    while (end > start && purl[end - 1] == '/')
        end--;
    /* name: the last segment; namespace: the rest */
    for (slash = end; slash > start && purl[slash - 1] != '/'; slash--)
        ;
    if (slash == end)
        goto bad;
    if ((out->name = decode(purl + slash, end - slash)) == NULL)
        goto bad;
    if (slash > start && (out->namespace_ = decode(purl + start, slash - 1 - start)) == NULL)
        goto bad;
    return 0;
bad:
    moat_purl_parts_free(out);
    return moat_err_set(err, MOAT_E_FORMAT, "malformed purl '%.200s'", purl);
}
