/*
 * json_stream.c - bounded streaming JSON reader (json_stream.h) on yajl's
 * event parser.
 *
 * yajl reports tokens; this file keeps the position in the document (depth,
 * which root member, which EACH child) and either builds the value that will
 * be handed over (a stack of open jansson containers) or only counts the
 * nesting of a skipped one. yajl copies a token that spans two chunks into
 * its own buffer, so a long string grows that buffer until the token ends:
 * the bytes fed since the last token are bounded too (max_string plus two
 * chunks), which keeps yajl's memory bounded as well.
 */
#include "moat/base/json_stream.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#define CHUNK 65536u
#define NODE_COST 48u

struct frame {
    json_t *c; /* container being built */
    char *key; /* pending member key when c is an object */
};

struct js {
    const struct moat_json_limits *lim;
    struct moat_json_visitor *v;
    const char *what;
    struct moat_err *err;
    int rc;       /* the error to return once yajl has been stopped */
    bool stop;    /* the visitor asked to stop */
    size_t depth; /* open containers */

    /* the root member being read (root object), and the count of root items */
    char *member;
    enum moat_json_pick pick;
    size_t n_root;
    json_t *root_keys;

    /* the current member's value is an open EACH container (at depth 2) */
    bool each;
    json_type each_type;
    size_t n_each;
    char *each_key;
    json_t *each_keys;

    bool started; /* the element at the handover level has been counted */
    /* the value being built, and its size */
    struct frame *st;
    size_t n_st, cap_st, size;
    /* the value being skipped: open containers inside it, and its type */
    size_t skip;
    json_type skip_type;

    uint64_t fed, quiet; /* bytes fed; bytes fed since the last token */
};

/* Where in the document the current value is, for messages. */
static void where(const struct js *s, char *buf, size_t cap)
{
    size_t back = s->started ? 1 : 0; /* an element not yet counted is the next one */

    if (s->each && s->each_key != NULL)
        snprintf(buf, cap, "%.64s.%.64s: ", s->member, s->each_key);
    else if (s->each)
        snprintf(buf, cap, "%.64s[%zu]: ", s->member, s->n_each - back);
    else if (s->member != NULL)
        snprintf(buf, cap, "%.64s: ", s->member);
    else if (s->v->root == JSON_ARRAY && s->depth > 0)
        snprintf(buf, cap, "[%zu]: ", s->n_root - back);
    else
        buf[0] = '\0';
}

static int fail(struct js *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct js *s, int code, const char *fmt, ...)
{
    char at[160], *msg = NULL;
    va_list ap;

    if (s->rc < 0)
        return 0;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    where(s, at, sizeof(at));
    s->rc =
        moat_err_set(s->err, code, "%s: %s%s", s->what, at, msg != NULL ? msg : "out of memory");
    free(msg);
    return 0; /* yajl: stop */
}

static int nomem(struct js *s)
{
    return fail(s, MOAT_E_NOMEM, "out of memory");
}

/* A key or string: length bound, and no NUL (refused by jansson's default too). */
static bool text_ok(struct js *s, const unsigned char *p, size_t n, bool key)
{
    if (n > s->lim->max_string) {
        fail(s, MOAT_E_LIMIT, "%s longer than %zu bytes", key ? "key" : "string",
             s->lim->max_string);
        return false;
    }
    if (memchr(p, '\0', n) != NULL) {
        fail(s, MOAT_E_FORMAT, "NUL byte in %s", key ? "object key" : "string");
        return false;
    }
    return true;
}

static bool count(struct js *s, size_t n)
{
    if (n > s->lim->max_value - s->size || s->size > s->lim->max_value) {
        s->size = s->lim->max_value + 1;
        fail(s, MOAT_E_LIMIT, "value larger than %zu bytes", s->lim->max_value);
        return false;
    }
    s->size += n;
    return true;
}

/* Hand a complete value (or a skipped one: v NULL) at the handover level to the visitor. */
static int handover(struct js *s, json_t *val, json_type type)
{
    struct moat_json_item it = {0};
    int r;

    it.type = type;
    it.value = val;
    it.size = val != NULL ? s->size : 0;
    if (s->each) {
        it.parent = s->member;
        it.key = s->each_key;
        it.index = s->n_each - 1;
    } else {
        it.key = s->member;
        it.index = s->n_root - 1;
    }
    r = s->v->item(s->v->ctx, &it, s->err);
    json_decref(val);
    s->size = 0;
    s->started = false;
    if (s->each) {
        free(s->each_key);
        s->each_key = NULL;
    } else {
        free(s->member);
        s->member = NULL;
    }
    if (r > 0) {
        s->stop = true;
        return 0;
    }
    if (r < 0) {
        s->rc = r;
        return 0;
    }
    return 1;
}

/* Put a finished value into the container being built. Takes val. */
static int attach(struct js *s, json_t *val)
{
    struct frame *f = &s->st[s->n_st - 1];
    int r;

    if (json_is_object(f->c)) {
        r = json_object_set_new(f->c, f->key, val);
        free(f->key);
        f->key = NULL;
    } else {
        r = json_array_append_new(f->c, val);
    }
    return r == 0 ? 1 : nomem(s);
}

/* What a value starting at the handover level turns into. */
enum fate { BUILD, SKIP, OPEN_EACH };

/*
 * A value starts. container: it is an object or array (val NULL), else the
 * scalar val (owned). bytes: the text it holds (strings, numbers), counted
 * with the node when the value is built.
 */
static int value(struct js *s, json_t *val, json_type type, size_t bytes)
{
    bool container = type == JSON_OBJECT || type == JSON_ARRAY;
    enum fate fate = BUILD;

    s->quiet = 0;
    if (s->rc < 0 || s->stop) {
        json_decref(val);
        return 0;
    }
    if (container && s->depth + 1 > s->lim->max_depth) {
        json_decref(val);
        return fail(s, MOAT_E_LIMIT, "JSON nested more than %zu deep", s->lim->max_depth);
    }
    if (s->skip > 0) {
        s->skip += container;
        s->depth += container;
        return 1;
    }
    if (s->n_st == 0) {
        /* at the handover level: root, root member or element, EACH child */
        if (s->depth == 0) {
            if (!container) {
                json_decref(val);
                return fail(s, MOAT_E_FORMAT, "JSON is not an object or array");
            }
            s->v->root = type;
            s->depth = 1;
            if (type == JSON_OBJECT && (s->root_keys = json_object()) == NULL)
                return nomem(s);
            return 1;
        }
        if (s->depth == 1 && s->v->root == JSON_ARRAY) {
            if (++s->n_root > s->lim->max_items) {
                json_decref(val);
                return fail(s, MOAT_E_LIMIT, "more than %zu elements", s->lim->max_items);
            }
        } else if (s->depth == 1) {
            fate = s->pick == MOAT_JSON_SKIP                ? SKIP
                   : s->pick == MOAT_JSON_EACH && container ? OPEN_EACH
                                                            : BUILD;
        } else if (s->each && s->each_keys == NULL && ++s->n_each > s->lim->max_items) {
            json_decref(val);
            return fail(s, MOAT_E_LIMIT, "more than %zu elements", s->lim->max_items);
        }
        s->size = 0;
        s->started = true;
        if (fate == SKIP) {
            if (container) {
                s->skip = 1;
                s->skip_type = type;
                s->depth++;
                return 1;
            }
            json_decref(val);
            return handover(s, NULL, type);
        }
        if (fate == OPEN_EACH) {
            s->started = false; /* its elements are counted one by one */
            s->each = true;
            s->each_type = type;
            s->n_each = 0;
            s->depth++;
            if (type == JSON_OBJECT && (s->each_keys = json_object()) == NULL)
                return nomem(s);
            return 1;
        }
        if (!count(s, NODE_COST + bytes)) {
            json_decref(val);
            return 0;
        }
        if (!container)
            return handover(s, val, type);
    } else if (!count(s, NODE_COST + bytes)) {
        json_decref(val);
        return 0;
    }
    if (!container)
        return attach(s, val);
    /* a container to build */
    if (s->n_st == s->cap_st) {
        size_t cap = s->cap_st ? s->cap_st * 2 : 16;
        struct frame *nf = realloc(s->st, cap * sizeof(*nf));

        if (nf == NULL)
            return nomem(s);
        s->st = nf;
        s->cap_st = cap;
    }
    s->st[s->n_st].c = type == JSON_OBJECT ? json_object() : json_array();
    s->st[s->n_st].key = NULL;
    if (s->st[s->n_st].c == NULL)
        return nomem(s);
    s->n_st++;
    s->depth++;
    return 1;
}

static int end(void *ctx)
{
    struct js *s = ctx;

    s->quiet = 0;
    if (s->rc < 0 || s->stop)
        return 0;
    s->depth--;
    if (s->skip > 0) {
        if (--s->skip == 0)
            return handover(s, NULL, s->skip_type);
        return 1;
    }
    if (s->n_st > 0) {
        json_t *c = s->st[--s->n_st].c;

        free(s->st[s->n_st].key);
        s->st[s->n_st].key = NULL;
        if (s->n_st == 0)
            return handover(s, c, json_typeof(c));
        return attach(s, c);
    }
    if (s->each && s->depth == 1) {
        /* the EACH container of the current root member closes: the member itself comes last */
        s->each = false;
        json_decref(s->each_keys);
        s->each_keys = NULL;
        return handover(s, NULL, s->each_type);
    }
    return 1;
}

static int on_null(void *ctx)
{
    return value(ctx, json_null(), JSON_NULL, 0);
}

static int on_bool(void *ctx, int b)
{
    return value(ctx, json_boolean(b), b ? JSON_TRUE : JSON_FALSE, 0);
}

/* Numbers come as text: integers as jansson reads them, reals as doubles; out of range is refused.
 */
static int on_number(void *ctx, const char *p, size_t n)
{
    struct js *s = ctx;
    char small[64], *t = small, *e = NULL;
    bool real = memchr(p, '.', n) != NULL || memchr(p, 'e', n) != NULL || memchr(p, 'E', n) != NULL;
    bool in_range = false;
    json_t *v = NULL;

    s->quiet = 0;
    if (s->rc < 0 || s->stop)
        return 0;
    if (s->skip > 0)
        return 1;
    if (n > s->lim->max_string)
        return fail(s, MOAT_E_LIMIT, "number longer than %zu bytes", s->lim->max_string);
    if (n >= sizeof(small) && (t = malloc(n + 1)) == NULL)
        return nomem(s);
    memcpy(t, p, n);
    t[n] = '\0';
    errno = 0;
    if (real) {
        double d = strtod(t, &e);

        in_range = *e == '\0' && !(errno == ERANGE && fabs(d) > 1.0) && isfinite(d);
        if (in_range)
            v = json_real(d);
    } else {
        long long ll = strtoll(t, &e, 10);

        in_range = *e == '\0' && errno != ERANGE;
        if (in_range)
            v = json_integer((json_int_t)ll);
    }
    if (t != small)
        free(t);
    if (!in_range)
        return fail(s, MOAT_E_FORMAT, "%s out of range", real ? "real number" : "integer");
    if (v == NULL)
        return nomem(s);
    return value(s, v, real ? JSON_REAL : JSON_INTEGER, n);
}

static int on_string(void *ctx, const unsigned char *p, size_t n)
{
    struct js *s = ctx;
    json_t *v;

    s->quiet = 0;
    if (s->rc < 0 || s->stop)
        return 0;
    if (!text_ok(s, p, n, false))
        return 0;
    if (s->skip > 0)
        return 1;
    /* yajl checked the UTF-8; json_stringn checks it again */
    v = json_stringn((const char *)p, n);
    if (v == NULL)
        return nomem(s);
    return value(s, v, JSON_STRING, n);
}

static int on_start_map(void *ctx)
{
    return value(ctx, NULL, JSON_OBJECT, 0);
}

static int on_start_array(void *ctx)
{
    return value(ctx, NULL, JSON_ARRAY, 0);
}

/* Record key in set (a member seen); false with the error set for a duplicate. */
static bool first_time(struct js *s, json_t *set, const char *key)
{
    if (json_object_get(set, key) != NULL) {
        fail(s, MOAT_E_FORMAT, "duplicate object key \"%.64s\"", key);
        return false;
    }
    if (json_object_set_new(set, key, json_null()) < 0) {
        nomem(s);
        return false;
    }
    return true;
}

static int on_key(void *ctx, const unsigned char *p, size_t n)
{
    struct js *s = ctx;
    char *k;

    s->quiet = 0;
    if (s->rc < 0 || s->stop)
        return 0;
    if (!text_ok(s, p, n, true))
        return 0;
    if (s->skip > 0)
        return 1;
    if ((k = strndup((const char *)p, n)) == NULL)
        return nomem(s);
    if (s->n_st > 0) {
        struct frame *f = &s->st[s->n_st - 1];

        if (!count(s, n) || json_object_get(f->c, k) != NULL) {
            if (s->rc == 0)
                fail(s, MOAT_E_FORMAT, "duplicate object key \"%.64s\"", k);
            free(k);
            return 0;
        }
        f->key = k;
        return 1;
    }
    if (s->depth == 1) {
        free(s->member);
        s->member = k;
        if (++s->n_root > s->lim->max_items)
            return fail(s, MOAT_E_LIMIT, "more than %zu members", s->lim->max_items);
        if (!first_time(s, s->root_keys, k))
            return 0;
        s->pick = s->v->pick != NULL ? s->v->pick(s->v->ctx, k) : MOAT_JSON_KEEP;
        return 1;
    }
    /* a member of an EACH object */
    free(s->each_key);
    s->each_key = k;
    if (++s->n_each > s->lim->max_items)
        return fail(s, MOAT_E_LIMIT, "more than %zu members", s->lim->max_items);
    return first_time(s, s->each_keys, k) ? 1 : 0;
}

static const yajl_callbacks CALLBACKS = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = end,
};

/* After yajl stopped or failed: 1 when the visitor stopped, the error otherwise. */
static int status(struct js *s, yajl_handle h, yajl_status st, uint64_t at)
{
    unsigned char *msg;
    size_t n;

    if (st == yajl_status_ok)
        return 0;
    if (st == yajl_status_client_canceled)
        return s->stop && s->rc == 0 ? 1 : s->rc;
    msg = yajl_get_error(h, 0, NULL, 0);
    n = msg != NULL ? strlen((char *)msg) : 0;
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    s->rc = moat_err_set(s->err, MOAT_E_FORMAT, "%s: invalid JSON at byte %llu: %s", s->what,
                         (unsigned long long)at, msg != NULL ? (char *)msg : "parse error");
    if (msg != NULL)
        yajl_free_error(h, msg);
    return s->rc;
}

/* Parse n more bytes: 0 to go on, 1 stopped by the visitor, <0 error. */
static int feed(struct js *s, yajl_handle h, const unsigned char *p, size_t n)
{
    uint64_t base = s->fed;
    int r;

    if (n > s->lim->max_bytes - s->fed)
        return moat_err_set(s->err, MOAT_E_LIMIT, "%s: more than %llu bytes of JSON", s->what,
                            (unsigned long long)s->lim->max_bytes);
    s->fed += n;
    r = status(s, h, yajl_parse(h, p, n), base + yajl_get_bytes_consumed(h));
    if (r != 0)
        return r;
    s->quiet += n;
    if (s->quiet > (uint64_t)s->lim->max_string + 2 * CHUNK)
        return moat_err_set(s->err, MOAT_E_LIMIT,
                            "%s: a string, number or white space longer than %zu bytes before "
                            "byte %llu",
                            s->what, s->lim->max_string, (unsigned long long)s->fed);
    return 0;
}

static void js_free(struct js *s)
{
    for (size_t i = 0; i < s->n_st; i++) {
        json_decref(s->st[i].c);
        free(s->st[i].key);
    }
    free(s->st);
    free(s->member);
    free(s->each_key);
    json_decref(s->root_keys);
    json_decref(s->each_keys);
}

typedef int (*chunk_fn)(void *src, const unsigned char **p, size_t *n, struct moat_err *err);

static int run(chunk_fn next, void *src, const char *what, const struct moat_json_limits *lim,
               struct moat_json_visitor *v, struct moat_err *err)
{
    struct js s = {.lim = lim, .v = v, .what = what, .err = err};
    yajl_handle h;
    int r;

    v->root = JSON_NULL;
    if (lim->max_items == 0 || lim->max_value == 0 || lim->max_depth == 0 || v->item == NULL)
        return moat_err_set(err, MOAT_E_ARG, "%s: bad JSON stream limits", what);
    h = yajl_alloc(&CALLBACKS, NULL, &s);
    if (h == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
    for (;;) {
        const unsigned char *p = NULL;
        size_t n = 0;

        if ((r = next(src, &p, &n, err)) < 0)
            goto out;
        if (n == 0)
            break;
        if ((r = feed(&s, h, p, n)) != 0)
            goto out;
    }
    r = status(&s, h, yajl_complete_parse(h), s.fed);
out:
    yajl_free(h);
    js_free(&s);
    return r > 0 ? 0 : r;
}

struct mem_src {
    const unsigned char *p;
    size_t left;
};

static int mem_next(void *src, const unsigned char **p, size_t *n, struct moat_err *err)
{
    struct mem_src *m = src;

    (void)err;
    *p = m->p;
    *n = m->left < CHUNK ? m->left : CHUNK;
    m->p += *n;
    m->left -= *n;
    return 0;
}

int moat_json_stream_mem(const void *data, size_t len, const char *what,
                         const struct moat_json_limits *lim, struct moat_json_visitor *v,
                         struct moat_err *err)
{
    struct mem_src m = {data, len};

    return run(mem_next, &m, what, lim, v, err);
}

struct read_src {
    moat_json_read_fn rd;
    void *rctx;
    unsigned char *buf;
};

static int read_next(void *src, const unsigned char **p, size_t *n, struct moat_err *err)
{
    struct read_src *r = src;

    *p = r->buf;
    return r->rd(r->rctx, r->buf, CHUNK, n, err);
}

int moat_json_stream_read(moat_json_read_fn rd, void *rctx, const char *what,
                          const struct moat_json_limits *lim, struct moat_json_visitor *v,
                          struct moat_err *err)
{
    struct read_src r = {rd, rctx, malloc(CHUNK)};
    int rc;

    if (r.buf == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
    rc = run(read_next, &r, what, lim, v, err);
    free(r.buf);
    return rc;
}

struct fd_src {
    int fd;
    const char *what;
};

static int fd_read(void *rctx, void *buf, size_t cap, size_t *got, struct moat_err *err)
{
    struct fd_src *f = rctx;
    ssize_t n;

    do
        n = read(f->fd, buf, cap);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return moat_err_set(err, MOAT_E_IO, "%s: read failed: %s", f->what, strerror(errno));
    *got = (size_t)n;
    return 0;
}

int moat_json_stream_fd(int fd, const char *what, const struct moat_json_limits *lim,
                        struct moat_json_visitor *v, struct moat_err *err)
{
    struct fd_src f = {fd, what};

    return moat_json_stream_read(fd_read, &f, what, lim, v, err);
}
