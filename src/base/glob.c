/*
 * glob.c - path patterns with "**" (glob.h). Both sides are cut into
 * segments once; "**" either stops or takes one more segment, and a table
 * of the (pattern, path) positions already known not to match keeps the
 * work to (segments of the pattern) x (segments of the path) steps,
 * whatever the number of "**".
 */
#include "moat/base/glob.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

struct segs {
    char *buf;
    const char *v[MOAT_GLOB_MAX_SEGMENTS];
    size_t n;
};

static const char *skip_root(const char *s)
{
    for (;;) {
        if (s[0] == '/')
            s++;
        else if (s[0] == '.' && s[1] == '/')
            s += 2;
        else
            return s;
    }
}

/* Split s on "/" (empty segments dropped); false when too deep or out of memory. */
static bool split(const char *s, struct segs *out)
{
    char *save = NULL;

    out->n = 0;
    if ((out->buf = strdup(skip_root(s))) == NULL)
        return false;
    for (char *t = strtok_r(out->buf, "/", &save); t != NULL; t = strtok_r(NULL, "/", &save)) {
        if (out->n == MOAT_GLOB_MAX_SEGMENTS) {
            free(out->buf);
            return false;
        }
        out->v[out->n++] = t;
    }
    return true;
}

struct memo {
    unsigned char failed[(MOAT_GLOB_MAX_SEGMENTS + 1) * (MOAT_GLOB_MAX_SEGMENTS + 1) / 8 + 1];
};

static bool seen(const struct memo *m, size_t pi, size_t si)
{
    size_t bit = pi * (MOAT_GLOB_MAX_SEGMENTS + 1) + si;

    return (m->failed[bit / 8] >> (bit % 8)) & 1;
}

static void mark(struct memo *m, size_t pi, size_t si)
{
    size_t bit = pi * (MOAT_GLOB_MAX_SEGMENTS + 1) + si;

    m->failed[bit / 8] |= (unsigned char)(1u << (bit % 8));
}

/*
 * Does p[pi..] match s[si..k) for some k in [lo, sn]? "**" either ends here
 * or takes one more segment; each (pi, si) is decided once.
 */
static bool match_from(const struct segs *p, size_t pi, const struct segs *s, size_t si, size_t lo,
                       size_t sn, struct memo *m)
{
    bool r;

    if (seen(m, pi, si))
        return false;
    if (pi == p->n)
        r = si >= lo;
    else if (strcmp(p->v[pi], "**") == 0)
        r = match_from(p, pi + 1, s, si, lo, sn, m) ||
            (si < sn && match_from(p, pi, s, si + 1, lo, sn, m));
    else
        r = si < sn && fnmatch(p->v[pi], s->v[si], 0) == 0 &&
            match_from(p, pi + 1, s, si + 1, lo, sn, m);
    if (!r)
        mark(m, pi, si);
    return r;
}

static bool run(const char *pattern, const char *path, bool dir)
{
    struct segs p, s;
    struct memo *m;
    bool hit = false;

    if (!split(pattern, &p))
        return false;
    if (!split(path, &s)) {
        free(p.buf);
        return false;
    }
    /* a file: all its segments; a directory holding it: a proper prefix of them */
    if ((m = calloc(1, sizeof(*m))) != NULL) {
        if (!dir)
            hit = match_from(&p, 0, &s, 0, s.n, s.n, m);
        else if (s.n > 1)
            hit = match_from(&p, 0, &s, 0, 1, s.n - 1, m);
    }
    free(m);
    free(p.buf);
    free(s.buf);
    return hit;
}

bool moat_glob_match(const char *pattern, const char *path)
{
    return run(pattern, path, false);
}

bool moat_glob_match_dir(const char *pattern, const char *path)
{
    return run(pattern, path, true);
}
