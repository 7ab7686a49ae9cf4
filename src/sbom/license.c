/*
 * license.c - turn the license text a package database records into a valid
 * SPDX license expression (SPDX 2.3 Annex D), so that neither writer ever
 * emits an invalid expression or an unlisted "id".
 *
 * Grammar accepted (case-insensitive operators, as rpm and apk write them):
 *   expr   = term *( ("AND" / "OR") term )
 *   term   = "(" expr ")" / simple [ "WITH" exception-id ]
 *   simple = listed-id [ "+" ] / "LicenseRef-" idstring / other-word
 * A word not on the SPDX list becomes LicenseRef-<word with every character
 * outside [A-Za-z0-9.-] replaced by '-'>. Text that does not parse (two
 * licenses without an operator, unbalanced parentheses, an unknown exception)
 * becomes one LicenseRef for the whole text.
 */
#include "sbom_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "moat/base/array.h"
#include "moat/base/buf.h"
#include "moat/base/error.h"

struct lic_key {
    const char *s;
    size_t len;
};

static int lic_cmp(const void *k, const void *e)
{
    const struct lic_key *key = k;
    const char *id = *(const char *const *)e;
    size_t idlen = strlen(id);
    size_t n = key->len < idlen ? key->len : idlen;
    int c = strncasecmp(key->s, id, n);

    if (c != 0)
        return c;
    return key->len < idlen ? -1 : key->len > idlen ? 1 : 0;
}

static const char *lic_find(const char *const *ids, size_t n, const char *s, size_t len)
{
    struct lic_key key = {s, len};
    const char *const *hit = bsearch(&key, ids, n, sizeof(ids[0]), lic_cmp);

    return hit != NULL ? *hit : NULL;
}

const char *sbom_spdx_license_lookup(const char *id, size_t len)
{
    size_t n;
    const char *const *ids = sbom_spdx_license_ids(&n);

    return lic_find(ids, n, id, len);
}

const char *sbom_spdx_exception_lookup(const char *id, size_t len)
{
    size_t n;
    const char *const *ids = sbom_spdx_exception_ids(&n);

    return lic_find(ids, n, id, len);
}

static int word_is(const char *w, size_t n, const char *op)
{
    return strlen(op) == n && strncasecmp(w, op, n) == 0;
}

static int idstring_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isascii(c) && (isalnum(c) || c == '.' || c == '-')))
            return 0;
    }
    return 1;
}

/* Append LicenseRef-<sanitised text> to b and remember the mapping in l. */
static int add_ref(struct sbom_license *l, struct moat_buf *b, const char *text, size_t n)
{
    size_t start = b->len, i;
    char *id = NULL, *t = NULL;
    int r;

    r = moat_buf_append(b, "LicenseRef-", 11);
    for (i = 0; i < n && r == 0; i++) {
        unsigned char c = (unsigned char)text[i];
        char o = (isascii(c) && (isalnum(c) || c == '.' || c == '-')) ? (char)c : '-';
        r = moat_buf_append(b, &o, 1);
    }
    if (r < 0)
        return r;
    for (i = 0; i < l->n_refs; i++)
        if (strcmp(l->refs[i].id, b->data + start) == 0)
            return 0;
    id = strdup(b->data + start);
    t = strndup(text, n);
    if (id == NULL || t == NULL ||
        moat_array_grow((void **)&l->refs, &l->cap_refs, l->n_refs, sizeof(*l->refs)) < 0) {
        free(id);
        free(t);
        return -MOAT_E_NOMEM;
    }
    l->refs[l->n_refs].id = id;
    l->refs[l->n_refs].text = t;
    l->n_refs++;
    return 0;
}

/*
 * Translate the words of raw into b. Returns 0, -MOAT_E_NOMEM, or
 * -MOAT_E_FORMAT when raw is not an expression (caller falls back).
 */
static int translate(const char *raw, struct sbom_license *l, struct moat_buf *b, int *n_ids,
                     int *n_ops, int *plus)
{
    const char *p = raw;
    int depth = 0, want_operand = 1, after_with = 0, r = 0;

    while (r == 0) {
        const char *w;
        size_t n;

        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p == '\0')
            break;
        if (*p == '(' || *p == ')') {
            if (*p == '(') {
                if (!want_operand || after_with)
                    return -MOAT_E_FORMAT;
                depth++;
            } else {
                if (want_operand || depth == 0)
                    return -MOAT_E_FORMAT;
                depth--;
            }
            (*n_ops)++;
            r = moat_buf_append(b, p, 1);
            p++;
            continue;
        }
        w = p;
        n = strcspn(p, " \t\n\r()");
        p += n;
        if (word_is(w, n, "and") || word_is(w, n, "or") || word_is(w, n, "with")) {
            if (want_operand)
                return -MOAT_E_FORMAT;
            after_with = word_is(w, n, "with");
            want_operand = 1;
            (*n_ops)++;
            r = moat_buf_append(b, " ", 1);
            for (size_t i = 0; i < n && r == 0; i++) {
                char c = (char)toupper((unsigned char)w[i]);
                r = moat_buf_append(b, &c, 1);
            }
            if (r == 0)
                r = moat_buf_append(b, " ", 1);
            continue;
        }
        if (!want_operand)
            return -MOAT_E_FORMAT; /* two licenses with no operator between them */
        want_operand = 0;
        if (after_with) {
            const char *e = sbom_spdx_exception_lookup(w, n);
            if (e == NULL)
                return -MOAT_E_FORMAT;
            after_with = 0;
            r = moat_buf_append(b, e, strlen(e));
            continue;
        }
        (*n_ids)++;
        const char *id = sbom_spdx_license_lookup(w, n);
        if (id != NULL) {
            r = moat_buf_append(b, id, strlen(id));
        } else if (n > 1 && w[n - 1] == '+' && (id = sbom_spdx_license_lookup(w, n - 1)) != NULL) {
            *plus |= 2; /* valid syntax, but not one listed id */
            r = moat_buf_append(b, id, strlen(id));
            if (r == 0)
                r = moat_buf_append(b, "+", 1);
        } else if (n > 11 && strncmp(w, "LicenseRef-", 11) == 0 && idstring_ok(w + 11, n - 11)) {
            r = add_ref(l, b, w + 11, n - 11);
        } else {
            r = add_ref(l, b, w, n);
        }
    }
    if (r < 0)
        return r;
    if (want_operand || depth != 0)
        return (*n_ids == 0 && *n_ops == 0) ? 0 : -MOAT_E_FORMAT;
    return 0;
}

static void refs_free(struct sbom_license *l)
{
    size_t i;

    for (i = 0; i < l->n_refs; i++) {
        free(l->refs[i].id);
        free(l->refs[i].text);
    }
    free(l->refs);
    l->refs = NULL;
    l->n_refs = l->cap_refs = 0;
}

int sbom_license_parse(const char *raw, struct sbom_license *out)
{
    struct moat_buf b = MOAT_BUF_INIT;
    size_t len;
    int n_ids = 0, n_ops = 0, plus = 0, r;

    memset(out, 0, sizeof(*out));
    if (raw == NULL)
        return 0;
    while (*raw == ' ' || *raw == '\t')
        raw++;
    len = strlen(raw);
    while (len > 0 && (raw[len - 1] == ' ' || raw[len - 1] == '\t' || raw[len - 1] == '\n'))
        len--;
    if (len == 0 || (len == 11 && strncmp(raw, "NOASSERTION", 11) == 0))
        return 0;
    r = translate(raw, out, &b, &n_ids, &n_ops, &plus);
    if (r == -MOAT_E_FORMAT || (r == 0 && b.len == 0)) {
        /* Not an expression: the whole text is one LicenseRef. */
        moat_buf_free(&b);
        refs_free(out);
        r = add_ref(out, &b, raw, len);
    }
    if (r < 0)
        goto out;
    out->expr = moat_buf_steal(&b, NULL);
    if (out->expr == NULL) {
        r = -MOAT_E_NOMEM;
        goto out;
    }
    if (out->n_refs > 0)
        out->kind = SBOM_LIC_REF;
    else
        out->kind = (n_ids == 1 && n_ops == 0 && !plus) ? SBOM_LIC_ID : SBOM_LIC_EXPR;
    r = 0;
out:
    moat_buf_free(&b);
    if (r < 0)
        sbom_license_free(out);
    return r;
}

void sbom_license_free(struct sbom_license *l)
{
    if (l == NULL)
        return;
    free(l->expr);
    refs_free(l);
    l->expr = NULL;
    l->kind = SBOM_LIC_NONE;
}
