/*
 * engine.c - all rules compiled once into one Hyperscan streaming database
 * (start-of-match on), and the per-file scan. A scan keeps the last
 * MOAT_SECRET_MAX_MATCH bytes of the stream as a tail so a match that began
 * in an earlier chunk can still be copied out and validated; for each rule
 * the leftmost-start, longest-end match is kept pending until a match with a
 * new start (or the end of the file) flushes it.
 */
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "secret.h"

struct moat_secret_engine {
    const struct moat_secret_rule *rules;
    size_t n_rules;
    hs_database_t *db;
    hs_scratch_t *scratch;
};

struct pending {
    int active;
    unsigned long long start, end;
    uint32_t line;
    size_t len;
    char text[MOAT_SECRET_MAX_MATCH];
};

struct moat_secret_scan {
    struct moat_secret_engine *e;
    char *path;
    int32_t layer;
    hs_stream_t *stream;
    unsigned long long pos; /* stream offset of the current chunk */
    uint32_t lines_before;  /* newlines in [0, pos) */
    unsigned char tail[MOAT_SECRET_MAX_MATCH];
    size_t tail_len;
    const unsigned char *chunk;
    size_t chunk_len;
    struct pending *pend; /* one per rule */
    struct moat_findings found;
    int failed; /* -MOAT_E_* from inside a callback */
};

int moat_secret_engine_new(struct moat_secret_engine **out, struct moat_err *err)
{
    struct moat_secret_engine *e = calloc(1, sizeof *e);
    const char **pats = NULL;
    unsigned *flags = NULL, *ids = NULL;
    hs_compile_error_t *cerr = NULL;
    int rc = 0;

    *out = NULL;
    if (!e)
        return moat_err_set(err, MOAT_E_NOMEM, "secret engine");
    e->n_rules = moat_secret_builtin_rules(&e->rules);
    pats = calloc(e->n_rules, sizeof *pats);
    flags = calloc(e->n_rules, sizeof *flags);
    ids = calloc(e->n_rules, sizeof *ids);
    if (!pats || !flags || !ids) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "secret engine");
        goto out;
    }
    for (size_t i = 0; i < e->n_rules; i++) {
        pats[i] = e->rules[i].pattern;
        flags[i] = e->rules[i].hs_flags | HS_FLAG_SOM_LEFTMOST;
        ids[i] = (unsigned)i;
    }
    if (hs_compile_multi(pats, flags, ids, (unsigned)e->n_rules,
                         HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE, NULL, &e->db,
                         &cerr) != HS_SUCCESS) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "secret rule %s: %s",
                          cerr && cerr->expression >= 0 ? e->rules[cerr->expression].id : "?",
                          cerr ? cerr->message : "compile failed");
        goto out;
    }
    if (hs_alloc_scratch(e->db, &e->scratch) != HS_SUCCESS) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "secret engine scratch");
        goto out;
    }
    *out = e;
    e = NULL;
out:
    if (cerr)
        hs_free_compile_error(cerr);
    free(pats);
    free(flags);
    free(ids);
    moat_secret_engine_free(e);
    return rc;
}

void moat_secret_engine_free(struct moat_secret_engine *e)
{
    if (!e)
        return;
    hs_free_scratch(e->scratch);
    hs_free_database(e->db);
    free(e);
}

static int emit(struct moat_secret_scan *s, size_t ri, struct pending *p)
{
    const struct moat_secret_rule *r = &s->e->rules[ri];
    struct moat_finding f = {0};
    int rc = 0;

    if (!moat_secret_rule_accepts(r, p->text, p->len) || s->found.n >= MOAT_SECRET_MAX_PER_FILE)
        return 0;
    f.kind = MOAT_FINDING_SECRET;
    f.severity = r->severity;
    f.cvss_score = -1;
    f.line = p->line;
    f.layer = s->layer;
    f.rule_id = strdup(r->id);
    f.title = strdup(r->title);
    f.path = strdup(s->path);
    f.remediation = strdup(r->remediation);
    f.match = moat_secret_redact(p->text, p->len);
    if (!f.rule_id || !f.title || !f.path || !f.remediation || !f.match) {
        rc = -MOAT_E_NOMEM;
        goto out;
    }
    rc = moat_findings_add(&s->found, &f, NULL);
out:
    moat_finding_free(&f);
    return rc;
}

static uint32_t count_nl(const unsigned char *p, size_t n)
{
    uint32_t c = 0;
    const unsigned char *q;

    while (n > 0 && (q = memchr(p, '\n', n)) != NULL) {
        c++;
        n -= (size_t)(q + 1 - p);
        p = q + 1;
    }
    return c;
}

/* Byte at stream offset i, which must lie in the tail or the current chunk. */
static char byte_at(const struct moat_secret_scan *s, unsigned long long i)
{
    unsigned long long base = s->pos;

    return (char)(i >= base ? s->chunk[i - base] : s->tail[s->tail_len - (size_t)(base - i)]);
}

/* Copy [from, to) into p->text after p->len, up to MOAT_SECRET_MAX_MATCH bytes in all. */
static void copy_out(const struct moat_secret_scan *s, struct pending *p, unsigned long long from,
                     unsigned long long to)
{
    for (unsigned long long i = from; i < to && p->len < MOAT_SECRET_MAX_MATCH; i++)
        p->text[p->len++] = byte_at(s, i);
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int fl, void *ctx)
{
    struct moat_secret_scan *s = ctx;
    struct pending *p = &s->pend[id];
    unsigned long long base = s->pos, oldest = base - s->tail_len;

    if (p->active && p->start == from) {
        /* the same match, longer: append what is new if it is still in reach */
        if (to > p->end && p->end >= oldest)
            copy_out(s, p, p->end, to);
        if (to > p->end)
            p->end = to;
        return 0;
    }
    if (p->active) {
        int rc = emit(s, id, p);
        if (rc < 0) {
            s->failed = rc;
            return 1;
        }
        p->active = 0;
    }
    if (to < from || from < oldest)
        return 0; /* began before the kept tail: longer than any rule's minimum allows */
    p->active = 1;
    p->start = from;
    p->end = to;
    p->len = 0;
    if (from >= base)
        p->line = s->lines_before + count_nl(s->chunk, (size_t)(from - base)) + 1;
    else
        p->line = s->lines_before + 1 -
                  count_nl(s->tail + s->tail_len - (size_t)(base - from), (size_t)(base - from));
    copy_out(s, p, from, to);
    return 0;
}

int moat_secret_scan_open(struct moat_secret_engine *e, const char *path, int32_t layer,
                          struct moat_secret_scan **out, struct moat_err *err)
{
    struct moat_secret_scan *s = calloc(1, sizeof *s);

    *out = NULL;
    if (!s)
        return moat_err_set(err, MOAT_E_NOMEM, "secret scan");
    s->e = e;
    s->layer = layer;
    s->path = strdup(path);
    s->pend = calloc(e->n_rules, sizeof *s->pend);
    if (!s->path || !s->pend || hs_open_stream(e->db, 0, &s->stream) != HS_SUCCESS) {
        moat_secret_scan_abort(s);
        return moat_err_set(err, MOAT_E_NOMEM, "secret scan of %s", path);
    }
    *out = s;
    return 0;
}

static void keep_tail(struct moat_secret_scan *s, const unsigned char *d, size_t n)
{
    if (n >= sizeof s->tail) {
        memcpy(s->tail, d + n - sizeof s->tail, sizeof s->tail);
        s->tail_len = sizeof s->tail;
        return;
    }
    size_t keep = s->tail_len + n > sizeof s->tail ? sizeof s->tail - n : s->tail_len;
    memmove(s->tail, s->tail + s->tail_len - keep, keep);
    memcpy(s->tail + keep, d, n);
    s->tail_len = keep + n;
}

int moat_secret_scan_feed(struct moat_secret_scan *s, const void *data, size_t len,
                          struct moat_err *err)
{
    const unsigned char *d = data;

    while (len > 0) {
        size_t n = len > (1u << 30) ? (1u << 30) : len;
        s->chunk = d;
        s->chunk_len = n;
        hs_error_t hr =
            hs_scan_stream(s->stream, (const char *)d, (unsigned)n, 0, s->e->scratch, on_match, s);
        if (s->failed)
            return moat_err_set(err, -s->failed, "secret scan of %s", s->path);
        if (hr != HS_SUCCESS)
            return moat_err_set(err, MOAT_E_FORMAT, "secret scan of %s: hyperscan error %d",
                                s->path, hr);
        s->lines_before += count_nl(d, n);
        keep_tail(s, d, n);
        s->pos += n;
        d += n;
        len -= n;
    }
    s->chunk = NULL;
    s->chunk_len = 0;
    return 0;
}

/* A generic rule's finding on a line where a specific rule fired says nothing new. */
static int shadowed(const struct moat_secret_scan *s, size_t i)
{
    const struct moat_finding *f = &s->found.v[i];

    int generic = 0;

    for (size_t r = 0; r < s->e->n_rules; r++)
        if (strcmp(s->e->rules[r].id, f->rule_id) == 0)
            generic = s->e->rules[r].generic;
    if (!generic)
        return 0;
    for (size_t j = 0; j < s->found.n; j++)
        if (j != i && s->found.v[j].line == f->line && s->found.v[j].rule_id &&
            strcmp(s->found.v[j].rule_id, f->rule_id) != 0)
            return 1;
    return 0;
}

int moat_secret_scan_close(struct moat_secret_scan *s, struct moat_findings *out,
                           struct moat_err *err)
{
    int rc = 0;

    s->chunk = NULL;
    s->chunk_len = 0;
    hs_error_t hr = hs_close_stream(s->stream, s->e->scratch, on_match, s);
    s->stream = NULL;
    if (s->failed) {
        rc = moat_err_set(err, -s->failed, "secret scan of %s", s->path);
        goto out;
    }
    if (hr != HS_SUCCESS) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "secret scan of %s: hyperscan error %d", s->path, hr);
        goto out;
    }
    for (size_t i = 0; i < s->e->n_rules; i++) {
        if (s->pend[i].active && (rc = emit(s, i, &s->pend[i])) < 0) {
            rc = moat_err_set(err, -rc, "secret scan of %s", s->path);
            goto out;
        }
    }
    for (size_t i = 0; i < s->found.n; i++) {
        if (shadowed(s, i)) {
            moat_finding_free(&s->found.v[i]);
            memset(&s->found.v[i], 0, sizeof s->found.v[i]);
        }
    }
    for (size_t i = 0; i < s->found.n; i++) {
        if (!s->found.v[i].rule_id)
            continue;
        if ((rc = moat_findings_add(out, &s->found.v[i], err)) < 0)
            goto out;
    }
out:
    moat_secret_scan_abort(s);
    return rc;
}

void moat_secret_scan_abort(struct moat_secret_scan *s)
{
    if (!s)
        return;
    if (s->stream)
        hs_close_stream(s->stream, s->e->scratch, NULL, NULL);
    if (s->pend)
        explicit_bzero(s->pend, s->e->n_rules * sizeof *s->pend);
    explicit_bzero(s->tail, sizeof s->tail);
    free(s->pend);
    free(s->path);
    moat_findings_free(&s->found);
    free(s);
}

int moat_secret_scan_buffer(struct moat_secret_engine *e, const char *path, int32_t layer,
                            const void *data, size_t len, struct moat_findings *out,
                            struct moat_err *err)
{
    struct moat_secret_scan *s = NULL;
    int rc = moat_secret_scan_open(e, path, layer, &s, err);

    if (rc < 0)
        return rc;
    if ((rc = moat_secret_scan_feed(s, data, len, err)) < 0) {
        moat_secret_scan_abort(s);
        return rc;
    }
    return moat_secret_scan_close(s, out, err);
}
