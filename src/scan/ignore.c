/*
 * ignore.c - the ignore file (ignore.h): read once, bounded, every line
 * checked; matching is a scan of the ids for each finding, which is
 * cheap next to everything else a scan does.
 */
#include "moat/scan/ignore.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "moat/base/array.h"
#include "moat/base/file.h"
#include "moat/base/time.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next whitespace-separated field of [*p, end), or NULL at the end. */
static const char *field(const char **p, const char *end, size_t *n)
{
    const char *s = *p;

    while (s < end && is_space(*s))
        s++;
    if (s == end)
        return NULL;
    *p = s;
    while (*p < end && !is_space(**p))
        (*p)++;
    *n = (size_t)(*p - s);
    return s;
}

/* "exp:YYYY-MM-DD" -> midnight UTC of that day, as Trivy reads it. */
static int expiry(const char *s, size_t n, int64_t *out)
{
    char ts[32];

    if (n != 14 || memcmp(s, "exp:", 4) != 0)
        return -1;
    memcpy(ts, s + 4, 10);
    memcpy(ts + 10, "T00:00:00Z", 11);
    return moat_time_parse(ts, out) == 0 ? 0 : -1;
}

static bool printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

static int parse_line(struct moat_ignore *ig, const char *where, uint32_t line, const char *s,
                      const char *end, struct moat_err *err)
{
    struct moat_ignore_entry e = {NULL, 0, line};
    const char *f, *id;
    size_t n, idn;

    if ((id = field(&s, end, &idn)) == NULL || id[0] == '#')
        return 0; /* blank or comment */
    if (idn > MOAT_IGNORE_MAX_ID || !printable(id, idn))
        return moat_err_set(err, MOAT_E_FORMAT, "%s:%u: not an id (printable, at most %u bytes)",
                            where, line, MOAT_IGNORE_MAX_ID);
    while ((f = field(&s, end, &n)) != NULL) {
        if (n >= 4 && memcmp(f, "exp:", 4) == 0) {
            if (expiry(f, n, &e.expires) < 0)
                return moat_err_set(err, MOAT_E_FORMAT,
                                    "%s:%u: %.*s is not a date (exp:YYYY-MM-DD)", where, line,
                                    printable(f, n) && n < 64 ? (int)n : 4, f);
        } else if (f[0] == '#') {
            break; /* a comment after the id */
        }
        /* other fields (Trivy's future ones) are left alone */
    }
    if (ig->n == MOAT_IGNORE_MAX_ENTRIES)
        return moat_err_set(err, MOAT_E_LIMIT, "%s:%u: more than %u ids", where, line,
                            MOAT_IGNORE_MAX_ENTRIES);
    if (moat_array_grow((void **)&ig->v, &ig->cap, ig->n, sizeof(*ig->v)) < 0 ||
        (e.id = strndup(id, idn)) == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    ig->v[ig->n++] = e;
    return 0;
}

int moat_ignore_parse(const char *where, const char *data, size_t len, struct moat_ignore **out,
                      struct moat_err *err)
{
    struct moat_ignore *ig = calloc(1, sizeof(*ig));
    const char *p = data, *end = data + len;
    uint32_t line = 0;
    int rc = 0;

    *out = NULL;
    if (ig == NULL || (ig->path = strdup(where)) == NULL) {
        moat_ignore_free(ig);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    if (len > MOAT_IGNORE_MAX_BYTES)
        rc = moat_err_set(err, MOAT_E_LIMIT, "%s: larger than %u bytes", where,
                          MOAT_IGNORE_MAX_BYTES);
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl != NULL ? nl : end;

        if (memchr(p, '\0', (size_t)(eol - p)) != NULL)
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s:%u: a NUL byte: not a text file", where,
                              line + 1);
        else
            rc = parse_line(ig, where, ++line, p, eol, err);
        p = nl != NULL ? nl + 1 : end;
    }
    if (rc < 0) {
        moat_ignore_free(ig);
        return rc;
    }
    *out = ig;
    return 0;
}

int moat_ignore_load(const char *path, struct moat_ignore **out, struct moat_err *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if ((rc = moat_file_read(path, MOAT_IGNORE_MAX_BYTES, &data, &len, err)) < 0)
        return rc;
    rc = moat_ignore_parse(path, data, len, out, err);
    free(data);
    return rc;
}

static bool names(const struct moat_finding *f, const char *id)
{
    if (strcasecmp(f->rule_id, id) == 0)
        return true;
    for (size_t i = 0; i < f->n_aliases; i++)
        if (strcasecmp(f->aliases[i], id) == 0)
            return true;
    return false;
}

const struct moat_ignore_entry *moat_ignore_match(const struct moat_ignore *ig,
                                                  const struct moat_finding *f, int64_t now,
                                                  const struct moat_ignore_entry **expired)
{
    if (expired != NULL)
        *expired = NULL;
    for (size_t i = 0; ig != NULL && i < ig->n; i++) {
        const struct moat_ignore_entry *e = &ig->v[i];

        if (!names(f, e->id))
            continue;
        if (e->expires == 0 || now < e->expires)
            return e;
        if (expired != NULL)
            *expired = e;
    }
    return NULL;
}

void moat_ignore_free(struct moat_ignore *ig)
{
    if (ig == NULL)
        return;
    for (size_t i = 0; i < ig->n; i++)
        free(ig->v[i].id);
    free(ig->v);
    free(ig->path);
    free(ig);
}
