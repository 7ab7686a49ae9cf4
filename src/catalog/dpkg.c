/*
 * dpkg.c - Debian package databases: var/lib/dpkg/status and the
 * distroless var/lib/dpkg/status.d/<name> files (same stanza format).
 *
 * A stanza is a run of "Field: value" lines ended by a blank line;
 * continuation lines start with a space or tab; field names are
 * case-insensitive and come in any order. Only installed packages are kept:
 * Status "install ok installed" or "hold ok installed", or no Status at all
 * (distroless writes none). Values are pointers into the input until the
 * stanza ends, so only kept strings are allocated.
 */
#include "catalog_int.h"

#include <string.h>
#include <strings.h>

#include "moat/base/limits.h"

enum { F_PACKAGE, F_VERSION, F_ARCH, F_SOURCE, F_MAINT, F_DESC, F_STATUS, F__COUNT };

static const char *const field_names[F__COUNT] = {
    [F_PACKAGE] = "Package", [F_VERSION] = "Version",  [F_ARCH] = "Architecture",
    [F_SOURCE] = "Source",   [F_MAINT] = "Maintainer", [F_DESC] = "Description",
    [F_STATUS] = "Status",
};

struct stanza {
    const unsigned char *v[F__COUNT];
    size_t n[F__COUNT];
    size_t line[F__COUNT];
    size_t nfields; /* lines seen in this stanza */
};

static int field_id(const unsigned char *name, size_t n)
{
    for (int i = 0; i < F__COUNT; i++) {
        if (strlen(field_names[i]) == n && strncasecmp(field_names[i], (const char *)name, n) == 0)
            return i;
    }
    return -1;
}

/* Next blank-separated word of [*p, end) into w/wn; advances *p. */
static void next_word(const unsigned char **p, const unsigned char *end, const unsigned char **w,
                      size_t *wn)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    *w = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    *wn = (size_t)(*p - *w);
}

static int word_is(const unsigned char *w, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(w, s, n) == 0;
}

static int is_installed(const struct stanza *st)
{
    const unsigned char *p = st->v[F_STATUS], *end, *want, *flag, *status;
    size_t nw, nf, ns;

    if (p == NULL)
        return 1;
    end = p + st->n[F_STATUS];
    next_word(&p, end, &want, &nw);
    next_word(&p, end, &flag, &nf);
    next_word(&p, end, &status, &ns);
    return (word_is(want, nw, "install") || word_is(want, nw, "hold")) && word_is(flag, nf, "ok") &&
           word_is(status, ns, "installed");
}

/* "name" or "name (version)". */
static int set_source(struct moat_pkg *p, const char *where, const struct stanza *st,
                      struct moat_err *err)
{
    const unsigned char *s = st->v[F_SOURCE], *end = s + st->n[F_SOURCE], *name, *ver = NULL;
    size_t nn, vn = 0;

    next_word(&s, end, &name, &nn);
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (s < end && *s == '(') {
        const unsigned char *close = memchr(s, ')', (size_t)(end - s));

        if (close == NULL)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: unbalanced '(' in Source", where,
                                st->line[F_SOURCE]);
        ver = s + 1;
        vn = (size_t)(close - ver);
        cat_trim(&ver, &vn);
    }
    return cat_set_source(p, where, st->line[F_SOURCE], name, nn, ver, vn, err);
}

static int emit(const char *where, const struct stanza *st, struct moat_inventory *inv,
                struct moat_err *err)
{
    struct moat_pkg p = {0};
    int r;

    p.layer = -1;
    if (st->v[F_PACKAGE] == NULL || st->n[F_PACKAGE] == 0 || st->v[F_VERSION] == NULL ||
        st->n[F_VERSION] == 0 || !is_installed(st))
        return 0;
    p.type = MOAT_PKG_DEB;
#define DUP(f, dst)                                                                                \
    if (st->v[f] != NULL && st->n[f] > 0 &&                                                        \
        (r = cat_dup(where, st->line[f], st->v[f], st->n[f], &(dst), err)) < 0)                    \
        goto out;
    DUP(F_PACKAGE, p.name)
    DUP(F_VERSION, p.version)
    DUP(F_ARCH, p.arch)
    DUP(F_MAINT, p.maintainer)
    DUP(F_DESC, p.description)
#undef DUP
    if (cat_epoch(p.version, &p.epoch) < 0) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: bad epoch in version", where,
                         st->line[F_VERSION]);
        goto out;
    }
    if (st->v[F_SOURCE] != NULL && (r = set_source(&p, where, st, err)) < 0)
        goto out;
    r = moat_inventory_add(inv, &p, err);
out:
    moat_pkg_free(&p);
    return r;
}

int moat_dpkg_parse_status(const char *where, const unsigned char *data, size_t len,
                           struct moat_inventory *inv, struct moat_err *err)
{
    struct stanza st;
    struct cat_lines it;
    const unsigned char *line;
    size_t n, cur_len = 0;
    int cur = -1, seen_field = 0, r = 0;

    memset(&st, 0, sizeof(st));
    cat_lines_init(&it, data, len);
    while (cat_lines_next(&it, &line, &n)) {
        const unsigned char *colon, *val;
        size_t vn;

        if (n > MOAT_MAX_FIELD_LEN) {
            r = moat_err_set(err, MOAT_E_LIMIT, "%s: line %zu: field too long", where, it.lineno);
            goto out;
        }
        if (n == 0 || (line[0] == ' ' || line[0] == '\t')) {
            const unsigned char *t = line;
            size_t tn = n;

            cat_trim(&t, &tn);
            if (tn == 0) {
                /* Blank line: end of stanza. */
                if (seen_field && (r = emit(where, &st, inv, err)) < 0)
                    goto out;
                memset(&st, 0, sizeof(st));
                seen_field = 0;
                cur = -1;
                continue;
            }
            if (!seen_field) {
                r = moat_err_set(err, MOAT_E_FORMAT,
                                 "%s: line %zu: continuation line without a field", where,
                                 it.lineno);
                goto out;
            }
            if (n > MOAT_MAX_FIELD_LEN - cur_len) {
                r = moat_err_set(err, MOAT_E_LIMIT, "%s: line %zu: field too long", where,
                                 it.lineno);
                goto out;
            }
            cur_len += n;
            continue;
        }
        colon = memchr(line, ':', n);
        if (colon == NULL) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: expected 'Field: value'", where,
                             it.lineno);
            goto out;
        }
        seen_field = 1;
        cur_len = n;
        cur = field_id(line, (size_t)(colon - line));
        if (cur < 0)
            continue;
        val = colon + 1;
        vn = n - (size_t)(val - line);
        cat_trim(&val, &vn);
        st.v[cur] = val;
        st.n[cur] = vn;
        st.line[cur] = it.lineno;
    }
    if (seen_field)
        r = emit(where, &st, inv, err);
out:
    return r;
}
