/*
 * engine.c - all rules compiled once into one Hyperscan streaming database
 * (start-of-match on), and the per-file scan. A scan keeps the last
 * MOAT_SECRET_MAX_MATCH bytes of the stream as a tail so a match that began
 * in an earlier chunk can still be copied out and validated; for each rule
 * the leftmost-start, longest-end match is kept pending until a match with a
 * new start (or the end of the file) flushes it.
 *
 * A user config (config.h) adds its rules to the same streaming database and
 * its path and allow regexes to two small block-mode databases: one run once
 * per file over the path (which rules apply, whether the file is allowed),
 * one run over a match's text only when a finding is about to be made. So a
 * config costs nothing per byte of content.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "moat/secret/config.h"
#include "dbcache.h"
#include "moat/secret/secret.h"

#define DEFAULT_REMEDIATION "Remove the secret from the image and its history, then rotate it."

/* What a match of a block-mode (path or text) pattern means. */
enum target_kind { T_RULE_PATH, T_RULE_ALLOW, T_GLOBAL_ALLOW };

struct target {
    enum target_kind kind;
    size_t rule; /* index in engine rules for T_RULE_* */
};

struct block_db {
    hs_database_t *db;
    struct target *t;
    size_t n;
};

struct moat_secret_engine {
    struct moat_secret_rule *rules;
    const struct moat_secret_user_rule **user; /* per rule, NULL for a built-in */
    size_t n_rules;
    size_t *expr_rule; /* Hyperscan expression id -> rule (a rule may have several) */
    size_t n_expr;
    hs_database_t *db; /* NULL when every rule is disabled */
    hs_scratch_t *scratch;
    struct block_db path, text;
    hs_scratch_t *bscratch; /* block scans run inside stream callbacks: own scratch */
    struct moat_secret_config *cfg;
    enum moat_secret_cache cache; /* what the database cache did */
};

struct pending {
    int active;
    unsigned long long start, end;
    uint32_t line;
    size_t len, before_len;
    char text[MOAT_SECRET_MAX_MATCH];
    char before[MOAT_SECRET_BEFORE]; /* the line before the match, for the validator */
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
    struct pending *pend; /* one per expression */
    struct moat_findings found;
    int failed;         /* -MOAT_E_* from inside a callback */
    unsigned char *off; /* per rule: OFF_* bits from the path */
    int idle;           /* the path is allowed or no rule applies to it */
    char *note;         /* becomes the findings' description, or NULL */
    unsigned where;     /* MOAT_SECRET_IN_* of the path */
};

#define OFF_ALLOWED 1u /* a path allow rule of this rule matched */
#define OFF_PATH_OK 2u /* one of the rule's own path regexes matched */

static int keep_builtin(const struct moat_secret_config *c, const struct moat_secret_rule *r)
{
    int keep = 1;

    if (!c)
        return 1;
    if (c->enable_builtin.n > 0) { /* as in Trivy, an empty list keeps them all */
        keep = 0;
        for (size_t i = 0; i < c->enable_builtin.n && !keep; i++)
            keep = moat_secret_builtin_named(r, c->enable_builtin.v[i]);
    }
    for (size_t i = 0; i < c->disable.n && keep; i++)
        keep = !moat_secret_builtin_named(r, c->disable.v[i]);
    return keep;
}

/* The enabled rules: built-ins first (their ids are stable), then the user's. */
static int pick_rules(struct moat_secret_engine *e, struct moat_err *err)
{
    const struct moat_secret_rule *builtin;
    size_t nb = moat_secret_builtin_rules(&builtin);
    const struct moat_secret_config *c = e->cfg;
    size_t max = nb + (c ? c->n_rules : 0);

    e->rules = calloc(max + 1, sizeof *e->rules);
    e->user = calloc(max + 1, sizeof *e->user);
    if (!e->rules || !e->user)
        return moat_err_set(err, MOAT_E_NOMEM, "secret engine");
    for (size_t i = 0; i < nb; i++)
        if (keep_builtin(c, &builtin[i]))
            e->rules[e->n_rules++] = builtin[i];
    for (size_t i = 0; c && i < c->n_rules; i++) {
        const struct moat_secret_user_rule *u = &c->rules[i];
        struct moat_secret_rule *r = &e->rules[e->n_rules];
        if (moat_secret_strlist_has(&c->disable, u->id))
            continue;
        r->id = u->id;
        r->severity = u->severity;
        r->title = u->title;
        r->pattern = u->regex;
        r->remediation = DEFAULT_REMEDIATION;
        r->check = MOAT_SECRET_CHECK_NONE;
        e->user[e->n_rules++] = u;
    }
    return 0;
}

/* Where a block-mode pattern came from, for messages. */
struct origin {
    const char *id;
    uint32_t line;
};

struct block_build {
    const char **pats;
    unsigned *flags, *ids;
    struct origin *from;
    struct target *t;
    size_t n, cap;
};

static int block_add(struct block_build *b, const char *pat, enum target_kind kind, size_t rule,
                     const char *id, uint32_t line)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        const char **p = realloc(b->pats, cap * sizeof *p);
        if (p)
            b->pats = p;
        unsigned *f = p ? realloc(b->flags, cap * sizeof *f) : NULL;
        if (f)
            b->flags = f;
        unsigned *ids = f ? realloc(b->ids, cap * sizeof *ids) : NULL;
        if (ids)
            b->ids = ids;
        struct origin *o = ids ? realloc(b->from, cap * sizeof *o) : NULL;
        if (o)
            b->from = o;
        struct target *t = o ? realloc(b->t, cap * sizeof *t) : NULL;
        if (!t)
            return -MOAT_E_NOMEM;
        b->t = t;
        b->cap = cap;
    }
    b->pats[b->n] = pat;
    b->flags[b->n] = HS_FLAG_ALLOWEMPTY | HS_FLAG_SINGLEMATCH;
    b->ids[b->n] = (unsigned)b->n;
    b->from[b->n] = (struct origin){id, line};
    b->t[b->n] = (struct target){kind, rule};
    b->n++;
    return 0;
}

static void block_build_free(struct block_build *b)
{
    free(b->pats);
    free(b->flags);
    free(b->ids);
    free(b->from);
    free(b->t);
}

static int block_compile(struct moat_secret_engine *e, struct block_build *b, struct block_db *out,
                         struct moat_err *err)
{
    hs_compile_error_t *cerr = NULL;

    if (b->n == 0)
        return 0;
    if (hs_compile_multi(b->pats, b->flags, b->ids, (unsigned)b->n, HS_MODE_BLOCK, NULL, &out->db,
                         &cerr) != HS_SUCCESS) {
        int i = cerr ? cerr->expression : -1;
        int rc = moat_err_set(err, MOAT_E_FORMAT, "%s: line %u: rule '%s': %s", e->cfg->name,
                              i >= 0 ? b->from[i].line : 0, i >= 0 ? b->from[i].id : "?",
                              cerr ? cerr->message : "compile failed");
        hs_free_compile_error(cerr);
        return rc;
    }
    out->t = b->t;
    out->n = b->n;
    b->t = NULL;
    if (hs_alloc_scratch(out->db, &e->bscratch) != HS_SUCCESS)
        return moat_err_set(err, MOAT_E_NOMEM, "secret engine scratch");
    return 0;
}

static int add_allows(const struct moat_secret_config *c, struct block_build *path,
                      struct block_build *text, const struct moat_secret_allow_rule *a, size_t n,
                      enum target_kind kind, size_t rule)
{
    for (size_t i = 0; i < n; i++) {
        if (moat_secret_strlist_has(&c->disable_allow, a[i].id))
            continue;
        if (a[i].regex && block_add(text, a[i].regex, kind, rule, a[i].id, a[i].line) < 0)
            return -MOAT_E_NOMEM;
        for (size_t j = 0; j < a[i].paths.n; j++)
            if (block_add(path, a[i].paths.v[j], kind, rule, a[i].id, a[i].paths.line[j]) < 0)
                return -MOAT_E_NOMEM;
    }
    return 0;
}

/* The path and text databases of the config's path and allow regexes. */
static int compile_blocks(struct moat_secret_engine *e, struct moat_err *err)
{
    const struct moat_secret_config *c = e->cfg;
    struct block_build path = {0}, text = {0};
    int rc = 0;

    if (add_allows(c, &path, &text, c->allow, c->n_allow, T_GLOBAL_ALLOW, 0) < 0)
        goto nomem;
    for (size_t r = 0; r < e->n_rules; r++) {
        const struct moat_secret_user_rule *u = e->user[r];
        if (!u)
            continue;
        for (size_t j = 0; j < u->paths.n; j++)
            if (block_add(&path, u->paths.v[j], T_RULE_PATH, r, u->id, u->paths.line[j]) < 0)
                goto nomem;
        if (add_allows(c, &path, &text, u->allow, u->n_allow, T_RULE_ALLOW, r) < 0)
            goto nomem;
    }
    if ((rc = block_compile(e, &path, &e->path, err)) == 0)
        rc = block_compile(e, &text, &e->text, err);
    goto out;
nomem:
    rc = moat_err_set(err, MOAT_E_NOMEM, "secret engine");
out:
    block_build_free(&path);
    block_build_free(&text);
    return rc;
}

int moat_secret_engine_new_cached(struct moat_secret_config *cfg, const char *cache_dir,
                                  struct moat_secret_engine **out, struct moat_err *err)
{
    struct moat_secret_engine *e = calloc(1, sizeof *e);
    const char **pats = NULL;
    unsigned *flags = NULL, *ids = NULL;
    hs_compile_error_t *cerr = NULL;
    int rc = 0;

    *out = NULL;
    if (!e) {
        moat_secret_config_free(cfg);
        return moat_err_set(err, MOAT_E_NOMEM, "secret engine");
    }
    e->cfg = cfg;
    if ((rc = pick_rules(e, err)) < 0)
        goto out;
    for (size_t i = 0; i < e->n_rules; i++)
        for (size_t j = 0; e->rules[i].more_patterns && e->rules[i].more_patterns[j]; j++)
            e->n_expr++;
    e->n_expr += e->n_rules;
    pats = calloc(e->n_expr + 1, sizeof *pats);
    flags = calloc(e->n_expr + 1, sizeof *flags);
    ids = calloc(e->n_expr + 1, sizeof *ids);
    e->expr_rule = calloc(e->n_expr + 1, sizeof *e->expr_rule);
    if (!pats || !flags || !ids || !e->expr_rule) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "secret engine");
        goto out;
    }
    for (size_t i = 0, x = 0; i < e->n_rules; i++) {
        const struct moat_secret_rule *r = &e->rules[i];
        for (size_t j = 0; j == 0 || (r->more_patterns && r->more_patterns[j - 1]); j++, x++) {
            pats[x] = j == 0 ? r->pattern : r->more_patterns[j - 1];
            flags[x] = r->hs_flags | HS_FLAG_SOM_LEFTMOST;
            ids[x] = (unsigned)x;
            e->expr_rule[x] = i;
        }
    }
    if (e->n_expr > 0 &&
        secret_db_build(pats, flags, ids, e->n_expr, HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE,
                        cache_dir, &e->db, &cerr, &e->cache) != HS_SUCCESS) {
        int x = cerr ? cerr->expression : -1;
        size_t i = x >= 0 ? e->expr_rule[x] : 0;
        if (x >= 0 && e->user[i])
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: line %u: rule '%s': %s", cfg->name,
                              e->user[i]->line, e->rules[i].id, cerr->message);
        else
            rc = moat_err_set(err, MOAT_E_FORMAT, "secret rule %s: %s",
                              x >= 0 ? e->rules[i].id : "?",
                              cerr ? cerr->message : "compile failed");
        goto out;
    }
    if (e->db && hs_alloc_scratch(e->db, &e->scratch) != HS_SUCCESS) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "secret engine scratch");
        goto out;
    }
    if (cfg && (rc = compile_blocks(e, err)) < 0)
        goto out;
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

int moat_secret_engine_new_config(struct moat_secret_config *cfg, struct moat_secret_engine **out,
                                  struct moat_err *err)
{
    return moat_secret_engine_new_cached(cfg, NULL, out, err);
}

int moat_secret_engine_new(struct moat_secret_engine **out, struct moat_err *err)
{
    return moat_secret_engine_new_config(NULL, out, err);
}

enum moat_secret_cache moat_secret_engine_cache(const struct moat_secret_engine *e)
{
    return e->cache;
}

size_t moat_secret_engine_rules(const struct moat_secret_engine *e,
                                const struct moat_secret_rule **out)
{
    *out = e->rules;
    return e->n_rules;
}

void moat_secret_engine_free(struct moat_secret_engine *e)
{
    if (!e)
        return;
    hs_free_scratch(e->scratch);
    hs_free_database(e->db);
    hs_free_scratch(e->bscratch);
    hs_free_database(e->path.db);
    hs_free_database(e->text.db);
    free(e->path.t);
    free(e->text.t);
    free(e->rules);
    free(e->user);
    free(e->expr_rule);
    moat_secret_config_free(e->cfg);
    free(e);
}

/* ---- block-mode checks ---- */

struct text_hit {
    const struct block_db *b;
    size_t rule;
    int allowed;
};

static int on_text(unsigned int id, unsigned long long from, unsigned long long to, unsigned int fl,
                   void *ctx)
{
    struct text_hit *h = ctx;
    const struct target *t = &h->b->t[id];

    (void)from, (void)to, (void)fl;
    if (t->kind == T_GLOBAL_ALLOW || t->rule == h->rule) {
        h->allowed = 1;
        return 1;
    }
    return 0;
}

/* Whether an allow regex (global or the rule's own) matches the matched text. */
static int text_allowed(const struct moat_secret_engine *e, size_t rule, const char *text, size_t n)
{
    struct text_hit h = {&e->text, rule, 0};

    if (!e->text.db)
        return 0;
    hs_scan(e->text.db, text, (unsigned)n, 0, e->bscratch, on_text, &h);
    return h.allowed;
}

static int on_path(unsigned int id, unsigned long long from, unsigned long long to, unsigned int fl,
                   void *ctx)
{
    struct moat_secret_scan *s = ctx;
    const struct target *t = &s->e->path.t[id];

    (void)from, (void)to, (void)fl;
    if (t->kind == T_GLOBAL_ALLOW)
        s->idle = 1;
    else
        s->off[t->rule] |= t->kind == T_RULE_PATH ? OFF_PATH_OK : OFF_ALLOWED;
    return 0;
}

/* Decide from the path which rules apply (s->off) and whether anything does (s->idle). */
static void apply_path(struct moat_secret_scan *s)
{
    const struct moat_secret_engine *e = s->e;
    size_t active = 0;

    if (!e->db) {
        s->idle = 1;
        return;
    }
    if (!e->path.db)
        return;
    hs_scan(e->path.db, s->path, (unsigned)strlen(s->path), 0, e->bscratch, on_path, s);
    for (size_t r = 0; r < e->n_rules; r++) {
        unsigned char o = s->off[r];
        int off =
            (o & OFF_ALLOWED) || (e->user[r] && e->user[r]->paths.n > 0 && !(o & OFF_PATH_OK));
        s->off[r] = (unsigned char)off;
        active += !off;
    }
    if (active == 0)
        s->idle = 1;
}

int moat_secret_scan_idle(const struct moat_secret_scan *s)
{
    return s->idle;
}

int moat_secret_scan_set_note(struct moat_secret_scan *s, const char *note, struct moat_err *err)
{
    free(s->note);
    if (!(s->note = strdup(note)))
        return moat_err_set(err, MOAT_E_NOMEM, "secret scan of %s", s->path);
    return 0;
}

static int emit(struct moat_secret_scan *s, size_t ri, struct pending *p)
{
    const struct moat_secret_rule *r = &s->e->rules[ri];
    struct moat_finding f = {0};
    const struct moat_secret_context ctx = {p->before, p->before_len, s->where};
    int rc = 0;

    if (!moat_secret_rule_check(r, p->text, p->len, &ctx) ||
        s->found.n >= MOAT_SECRET_MAX_PER_FILE || text_allowed(s->e, ri, p->text, p->len))
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
    f.description = s->note ? strdup(s->note) : NULL;
    if (!f.rule_id || !f.title || !f.path || !f.remediation || !f.match ||
        (s->note && !f.description)) {
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
    size_t rule = s->e->expr_rule[id];
    unsigned long long base = s->pos, oldest = base - s->tail_len;

    if (s->off[rule])
        return 0;
    if (p->active && p->start == from) {
        /* the same match, longer: append what is new if it is still in reach */
        if (to > p->end && p->end >= oldest)
            copy_out(s, p, p->end, to);
        if (to > p->end)
            p->end = to;
        return 0;
    }
    if (p->active) {
        int rc = emit(s, rule, p);
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
    /* up to MOAT_SECRET_BEFORE bytes of the line before the match, if still in reach */
    p->before_len = 0;
    while (p->before_len < MOAT_SECRET_BEFORE && from - p->before_len > oldest &&
           byte_at(s, from - p->before_len - 1) != '\n')
        p->before_len++;
    for (size_t i = 0; i < p->before_len; i++)
        p->before[i] = byte_at(s, from - p->before_len + i);
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
    s->where = moat_secret_path_is_code(path) ? MOAT_SECRET_IN_CODE : 0;
    s->path = strdup(path);
    s->pend = calloc(e->n_expr + 1, sizeof *s->pend);
    s->off = calloc(e->n_rules + 1, 1);
    if (!s->path || !s->pend || !s->off) {
        moat_secret_scan_abort(s);
        return moat_err_set(err, MOAT_E_NOMEM, "secret scan of %s", path);
    }
    apply_path(s);
    if (!s->idle && hs_open_stream(e->db, 0, &s->stream) != HS_SUCCESS) {
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

    if (s->idle)
        return 0;
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
    if (s->idle)
        goto out;
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
    for (size_t i = 0; i < s->e->n_expr; i++) {
        if (s->pend[i].active && (rc = emit(s, s->e->expr_rule[i], &s->pend[i])) < 0) {
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
        explicit_bzero(s->pend, s->e->n_expr * sizeof *s->pend);
    explicit_bzero(s->tail, sizeof s->tail);
    free(s->pend);
    free(s->off);
    free(s->note);
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
