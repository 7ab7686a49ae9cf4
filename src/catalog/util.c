/*
 * util.c - shared cataloger helpers (see catalog_int.h): line cursor,
 * bounded copies, epoch parsing, installed-file lists.
 */
#include "catalog_int.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"

void cat_lines_init(struct cat_lines *l, const unsigned char *data, size_t len)
{
    l->p = data;
    l->end = data != NULL ? data + len : NULL;
    l->lineno = 0;
}

int cat_lines_next(struct cat_lines *l, const unsigned char **line, size_t *len)
{
    const unsigned char *nl;
    size_t n;

    if (l->p == NULL || l->p >= l->end)
        return 0;
    nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    n = nl != NULL ? (size_t)(nl - l->p) : (size_t)(l->end - l->p);
    *line = l->p;
    l->p = nl != NULL ? nl + 1 : l->end;
    if (n > 0 && (*line)[n - 1] == '\r')
        n--;
    *len = n;
    l->lineno++;
    return 1;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

void cat_trim(const unsigned char **p, size_t *n)
{
    while (*n > 0 && is_blank((*p)[0])) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && is_blank((*p)[*n - 1]))
        (*n)--;
}

int cat_dup(const char *where, size_t lineno, const void *p, size_t n, char **out,
            struct moat_err *err)
{
    char *s;

    *out = NULL;
    if (n > MOAT_MAX_FIELD_LEN) {
        if (lineno > 0)
            return moat_err_set(err, MOAT_E_LIMIT, "%s: line %zu: field too long", where, lineno);
        return moat_err_set(err, MOAT_E_LIMIT, "%s: field too long", where);
    }
    if (n > 0 && memchr(p, '\0', n) != NULL) {
        if (lineno > 0)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: NUL byte in field", where,
                                lineno);
        return moat_err_set(err, MOAT_E_FORMAT, "%s: NUL byte in field", where);
    }
    s = malloc(n + 1);
    if (s == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
    if (n > 0)
        memcpy(s, p, n);
    s[n] = '\0';
    *out = s;
    return 0;
}

int cat_epoch(const char *version, uint32_t *epoch)
{
    const char *colon = strchr(version, ':');
    uint64_t e = 0;

    *epoch = 0;
    if (colon == NULL)
        return 0;
    if (colon == version)
        return -1;
    for (const char *c = version; c < colon; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        e = e * 10 + (uint64_t)(*c - '0');
        if (e > UINT32_MAX)
            return -1;
    }
    *epoch = (uint32_t)e;
    return 0;
}

int cat_strv_add_path(struct cat_strv *s, const char *where, const void *dir, size_t dlen,
                      const void *name, size_t nlen, struct moat_err *err)
{
    const char *d = dir, *nm = name;
    size_t total;
    char *path;

    while (dlen > 0 && d[0] == '/') {
        d++;
        dlen--;
    }
    while (dlen > 0 && d[dlen - 1] == '/')
        dlen--;
    if (dlen == 0) {
        while (nlen > 0 && nm[0] == '/') {
            nm++;
            nlen--;
        }
    }
    if (nlen == 0 && dlen == 0)
        return 0;
    if (dlen > MOAT_MAX_PATH_LEN || nlen > MOAT_MAX_PATH_LEN)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: path too long", where);
    total = dlen + (dlen > 0 && nlen > 0 ? 1 : 0) + nlen;
    if (total > MOAT_MAX_PATH_LEN)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: path too long", where);
    if ((dlen > 0 && memchr(d, '\0', dlen) != NULL) || (nlen > 0 && memchr(nm, '\0', nlen) != NULL))
        return moat_err_set(err, MOAT_E_FORMAT, "%s: NUL byte in path", where);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **nv;

        if (s->n >= MOAT_MAX_FILES_PER_PACKAGE)
            return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u files in one package", where,
                                MOAT_MAX_FILES_PER_PACKAGE);
        if (cap > MOAT_MAX_FILES_PER_PACKAGE)
            cap = MOAT_MAX_FILES_PER_PACKAGE;
        nv = realloc(s->v, cap * sizeof(*nv));
        if (nv == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
        s->v = nv;
        s->cap = cap;
    }
    path = malloc(total + 1);
    if (path == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
    if (dlen > 0)
        memcpy(path, d, dlen);
    if (dlen > 0 && nlen > 0)
        path[dlen] = '/';
    if (nlen > 0)
        memcpy(path + total - nlen, nm, nlen);
    path[total] = '\0';
    s->v[s->n++] = path;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cat_strv_to_pkg(struct cat_strv *s, struct moat_pkg *p)
{
    size_t j = 0;

    if (s->n > 1)
        qsort(s->v, s->n, sizeof(*s->v), cmp_str);
    for (size_t i = 0; i < s->n; i++) {
        if (j > 0 && strcmp(s->v[j - 1], s->v[i]) == 0) {
            free(s->v[i]);
            continue;
        }
        s->v[j++] = s->v[i];
    }
    if (j == 0) {
        free(s->v);
        s->v = NULL;
    }
    p->files = s->v;
    p->n_files = j;
    s->v = NULL;
    s->n = s->cap = 0;
}

void cat_strv_free(struct cat_strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

int cat_set_source(struct moat_pkg *p, const char *where, size_t lineno, const void *name,
                   size_t nlen, const void *ver, size_t vlen, struct moat_err *err)
{
    int r;

    if (nlen > 0 &&
        !(p->name != NULL && strlen(p->name) == nlen && memcmp(p->name, name, nlen) == 0)) {
        r = cat_dup(where, lineno, name, nlen, &p->src_name, err);
        if (r < 0)
            return r;
    }
    if (vlen > 0 &&
        !(p->version != NULL && strlen(p->version) == vlen && memcmp(p->version, ver, vlen) == 0)) {
        r = cat_dup(where, lineno, ver, vlen, &p->src_version, err);
        if (r < 0)
            return r;
    }
    return 0;
}
