/*
 * stream.c - write a JSON document piece by piece, laid out byte for byte as
 * json_dumpf(JSON_INDENT(2)) lays out the whole tree. A writer opens and
 * closes the outer objects and arrays here and hands over one small jansson
 * value at a time (a package, a relationship), which is dumped, re-indented to
 * the depth it sits at, written and freed at once: memory is O(largest value),
 * never O(document).
 *
 * jansson escapes '\n' inside strings, so every raw newline it emits is layout
 * and gets the indentation of the enclosing depth appended.
 *
 * The first failure sticks (o->r): later calls do nothing and return it, so a
 * writer can run its loop to the end or stop early on o->r, and report once
 * through sbom_out_end().
 */
#include "sbom_int.h"

#include <string.h>

#include "moat/base/error.h"

static const char spaces[] = "                                "; /* 2 * SBOM_OUT_DEPTH */

/*
 * The stream is locked from sbom_out_init() to sbom_out_end() and written
 * with the _unlocked calls: jansson hands over a value a token at a time and
 * the FILE's own buffer is the cheapest place to collect them.
 */
static int put(struct sbom_out *o, const char *p, size_t n)
{
    return n == 0 || fwrite_unlocked(p, 1, n, o->f) == n ? 0 : -1;
}

static int newline(struct sbom_out *o, size_t depth)
{
    return putc_unlocked('\n', o->f) == EOF ? -1 : put(o, spaces, 2 * depth);
}

void sbom_out_init(struct sbom_out *o, FILE *f)
{
    memset(o, 0, sizeof(*o));
    o->f = f;
    flockfile(f);
}

/* After a failed write: -MOAT_E_IO when the stream says so, else out of memory in jansson. */
static int fail(struct sbom_out *o, int r)
{
    if (r == -1)
        r = ferror_unlocked(o->f) ? -MOAT_E_IO : -MOAT_E_NOMEM;
    o->r = r;
    return r;
}

static int check(struct sbom_out *o)
{
    if (ferror_unlocked(o->f))
        o->r = -MOAT_E_IO;
    return o->r;
}

/* What precedes a new member of the innermost container. */
static int member(struct sbom_out *o, const char *key)
{
    if (o->depth == 0)
        return key == NULL ? 0 : -MOAT_E_ARG; /* the root value */
    if (o->used[o->depth - 1] && putc_unlocked(',', o->f) == EOF)
        return -1;
    o->used[o->depth - 1] = 1;
    if (newline(o, o->depth) < 0)
        return -1;
    if (key != NULL &&
        (putc_unlocked('"', o->f) == EOF || put(o, key, strlen(key)) < 0 || put(o, "\": ", 3) < 0))
        return -1;
    return 0;
}

int sbom_out_open(struct sbom_out *o, const char *key, char kind)
{
    int r;

    if (o->r < 0)
        return o->r;
    if ((kind != '{' && kind != '[') || o->depth >= SBOM_OUT_DEPTH)
        return fail(o, -MOAT_E_ARG);
    r = member(o, key);
    if (r == 0 && putc_unlocked(kind, o->f) == EOF)
        r = -1;
    if (r < 0)
        return fail(o, r);
    o->close[o->depth] = kind == '{' ? '}' : ']';
    o->used[o->depth] = 0;
    o->depth++;
    return check(o);
}

int sbom_out_close(struct sbom_out *o)
{
    int r = 0;

    if (o->r < 0)
        return o->r;
    if (o->depth == 0)
        return fail(o, -MOAT_E_ARG);
    o->depth--;
    if (o->used[o->depth])
        r = newline(o, o->depth);
    if (r == 0 && putc_unlocked(o->close[o->depth], o->f) == EOF)
        r = -1;
    if (r < 0)
        return fail(o, r);
    return check(o);
}

static int dump_cb(const char *p, size_t n, void *data)
{
    struct sbom_out *o = data;
    const char *nl;

    if (n == 1) /* most tokens */
        return *p == '\n' ? newline(o, o->depth) : putc_unlocked(*p, o->f) == EOF ? -1 : 0;
    while ((nl = memchr(p, '\n', n)) != NULL) {
        size_t k = (size_t)(nl - p);

        if (put(o, p, k) < 0 || newline(o, o->depth) < 0)
            return -1;
        p += k + 1;
        n -= k + 1;
    }
    return put(o, p, n);
}

int sbom_out_put(struct sbom_out *o, const char *key, json_t *v)
{
    int r;

    if (o->r < 0) {
        json_decref(v);
        return o->r;
    }
    if (v == NULL)
        return fail(o, -MOAT_E_NOMEM);
    r = member(o, key);
    if (r == 0)
        r = json_dump_callback(v, dump_cb, o, JSON_INDENT(2) | JSON_ENCODE_ANY) < 0 ? -1 : 0;
    json_decref(v);
    if (r < 0)
        return fail(o, r);
    return check(o);
}

int sbom_out_str(struct sbom_out *o, const char *key, const char *s)
{
    return sbom_out_put(o, key, moat_json_str(s));
}

int sbom_out_end(struct sbom_out *o, const char *what, struct moat_err *err)
{
    int r = o->r;

    if (r == 0 && o->depth != 0)
        r = -MOAT_E_ARG;
    if (r == 0 && (putc_unlocked('\n', o->f) == EOF || ferror_unlocked(o->f)))
        r = -MOAT_E_IO;
    funlockfile(o->f);
    o->r = r;
    switch (r) {
    case 0:
        return 0;
    case -MOAT_E_IO:
        return moat_err_set(err, MOAT_E_IO, "sbom: write failed");
    case -MOAT_E_ARG:
        return moat_err_set(err, MOAT_E_ARG, "sbom: %s document left unbalanced", what);
    default:
        return moat_err_set(err, MOAT_E_NOMEM, "sbom: out of memory building %s", what);
    }
}
