/* room: fs */
/*
 * fuzz_fs_layers.c - merge synthetic layers into a view, then look paths
 * up and walk it, checking invariants a consumer relies on.
 *
 * Input encoding (small and ad hoc): a sequence of records
 *   op  path '\n'  [link '\n']
 * op & 15: 0 = start the next layer (at most 4), 1..8 = an entry of that
 * moat_ftype (3 symlink and 4 hard link take a link), 9/10 = a lookup
 * following/not following the last symlink, anything else a regular file;
 * op >> 4 scales a regular file's size. Bytes 1..7 inside a path or link
 * expand to tokens (".wh.", ".wh..wh..opq", "../", "etc/", "/", "a/", "lib")
 * so the fuzzer reaches whiteouts and traversal without a dictionary.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/fs/fs.h"
#include "fuzz.h"

#define MAX_LAYERS 4
#define MAX_RECS 512
#define MAX_STR 600

struct rec {
    int op;
    char path[MAX_STR + 1];
    size_t path_len;
    char link[MAX_STR + 1];
    size_t link_len;
    bool has_link;
    uint64_t size;
    int layer;
};

struct reader {
    struct moat_entry_reader base;
    const struct rec *recs;
    size_t n, i;
    int layer;
    uint64_t off, size;
};

struct counter {
    uint64_t want_size, got;
    bool wanting, streams;
    unsigned flip;
};

static const char *const tokens[] = {"", ".wh.", ".wh..wh..opq", "../", "etc/", "/", "a/", "lib"};

static size_t decode_str(const uint8_t *d, size_t n, size_t *pos, char *out)
{
    size_t o = 0;

    while (*pos < n && d[*pos] != '\n') {
        uint8_t c = d[(*pos)++];

        if (c >= 1 && c <= 7) {
            size_t tl = strlen(tokens[c]);

            if (o + tl > MAX_STR)
                break;
            memcpy(out + o, tokens[c], tl);
            o += tl;
        } else if (o < MAX_STR) {
            out[o++] = (char)c;
        }
    }
    if (*pos < n)
        (*pos)++; /* the '\n' */
    out[o] = '\0';
    return o;
}

static int r_next(struct moat_entry_reader *base, struct moat_entry *e, struct moat_err *err)
{
    struct reader *r = (struct reader *)base;

    (void)err;
    while (r->i < r->n &&
           (r->recs[r->i].layer != r->layer || r->recs[r->i].op == 9 || r->recs[r->i].op == 10))
        r->i++;
    if (r->i >= r->n)
        return 0;
    const struct rec *x = &r->recs[r->i++];
    memset(e, 0, sizeof(*e));
    e->path = x->path;
    e->path_len = x->path_len;
    e->type = x->op >= 1 && x->op <= 8 ? (enum moat_ftype)x->op : MOAT_FT_REG;
    e->mode = 0644;
    e->size = e->type == MOAT_FT_REG ? x->size : 0;
    e->link = x->has_link ? x->link : NULL;
    e->link_len = x->has_link ? x->link_len : 0;
    r->off = 0;
    r->size = e->size;
    return 1;
}

static ssize_t r_read(struct moat_entry_reader *base, void *buf, size_t n, struct moat_err *err)
{
    struct reader *r = (struct reader *)base;

    (void)err;
    if (n > r->size - r->off)
        n = (size_t)(r->size - r->off);
    for (size_t i = 0; i < n; i++)
        ((unsigned char *)buf)[i] = (unsigned char)(r->off + i);
    r->off += n;
    return (ssize_t)n;
}

static int r_close(struct moat_entry_reader *base, struct moat_err *err)
{
    (void)base;
    (void)err;
    return 0;
}

static const struct moat_entry_reader_ops ops = {r_next, r_read, r_close};

static int v_begin(void *ctx, uint32_t layer, const char *path, const struct moat_fs_node *node,
                   bool *want, struct moat_err *err)
{
    struct counter *c = ctx;

    (void)layer;
    (void)err;
    if (path == NULL || strlen(path) > 4096)
        abort();
    c->wanting = (c->flip++ & 1) != 0;
    c->streams = node->type == MOAT_FT_REG && node->hardlink == NULL; /* only these carry bytes */
    c->want_size = node->size;
    c->got = 0;
    *want = c->wanting;
    return 0;
}

static int v_chunk(void *ctx, const void *data, size_t len, struct moat_err *err)
{
    struct counter *c = ctx;

    (void)err;
    if (!c->wanting || !c->streams)
        abort();
    for (size_t i = 0; i < len; i++)
        if (((const unsigned char *)data)[i] != (unsigned char)(c->got + i))
            abort();
    c->got += len;
    return 0;
}

static int v_end(void *ctx, struct moat_err *err)
{
    struct counter *c = ctx;

    (void)err;
    if (c->wanting && c->streams && c->got != c->want_size)
        abort();
    return 0;
}

static void touch(const struct moat_fs_node *n)
{
    size_t len;
    const unsigned char *d = moat_fs_content(n, &len);
    volatile unsigned char sink = 0;

    for (size_t i = 0; d != NULL && i < len; i++)
        sink ^= d[i];
    for (const struct moat_fs_node *p = n->prev; p != NULL; p = p->prev)
        sink ^= (unsigned char)p->type;
    (void)sink;
}

/* The walker may hand out a temporary node: compare what the nodes say, not their address. */
static bool same_node(const struct moat_fs_node *a, const struct moat_fs_node *b)
{
    char pa[4097], pb[4097];

    if ((a->link == NULL) != (b->link == NULL) || (a->link && strcmp(a->link, b->link) != 0))
        return false;
    if ((a->hardlink == NULL) != (b->hardlink == NULL) || (a->prev == NULL) != (b->prev == NULL))
        return false;
    if (moat_fs_node_path(a, pa, sizeof(pa)) != 0 || moat_fs_node_path(b, pb, sizeof(pb)) != 0)
        return false;
    return strcmp(a->name, b->name) == 0 && strcmp(pa, pb) == 0 && a->type == b->type &&
           a->mode == b->mode && a->size == b->size && a->layer == b->layer &&
           a->deleted_in == b->deleted_in && a->data == b->data && a->hardlink == b->hardlink &&
           a->prev == b->prev;
}

/*
 * A check that does not hold: a bug, unless an allocation failed on the way
 * (the torture mode) and a lookup or a node could not be made; then the
 * walk stops.
 */
static int bad(void)
{
    if (fuzz_alloc_failed())
        return -1;
    abort();
}

static int check(void *ctx, const char *path, const struct moat_fs_node *node)
{
    const struct moat_fs *fs = ctx;
    const struct moat_fs_node *found = NULL, *again = NULL;
    char buf[4097];
    bool via_symlink = false;

    if (node->deleted_in >= 0 || (node->parent != NULL && node->parent->deleted_in >= 0))
        return bad();
    if ((path[0] == '\0') != (node->parent == NULL) || (node->parent && node->name[0] == '\0') ||
        strchr(node->name, '/') != NULL)
        return bad(); /* only the root has no name, and a name is one component */
    if (moat_fs_node_path(node, buf, sizeof(buf)) != 0 || strcmp(buf, path) != 0)
        return bad();
    for (const struct moat_fs_node *p = node->parent; p != NULL; p = p->parent)
        via_symlink = via_symlink || p->type == MOAT_FT_SYMLINK;
    if (!via_symlink &&
        (moat_fs_lookup(fs, path, false, &found, NULL) != 0 || !same_node(found, node) ||
         moat_fs_lookup(fs, path, false, &again, NULL) != 0 || again != found))
        return bad();
    if (node->hardlink != NULL && node->hardlink->hardlink != NULL)
        return bad();
    touch(node);
    for (const struct moat_fs_node *c = moat_fs_first_child(node); c; c = moat_fs_next_sibling(c))
        if (c->parent == NULL || !same_node(c->parent, node))
            return bad();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const capture[] = {"etc/*", "c*"};
    struct rec *recs = calloc(MAX_RECS, sizeof(*recs));
    struct counter cnt = {0};
    struct moat_fs_visitor vis = {&cnt, v_begin, v_chunk, v_end};
    struct moat_fs_opts opts = {capture, 2, &vis, 1, NULL, NULL};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = NULL;
    size_t n = 0, pos = 0;
    int layer = 0;

    if (recs == NULL)
        return 0;
    while (pos < size && n < MAX_RECS) {
        struct rec *x = &recs[n];
        int op = data[pos] & 15;

        x->size = (uint64_t)(data[pos] >> 4) * 97;
        pos++;
        if (op == 0) {
            if (layer < MAX_LAYERS - 1)
                layer++;
            continue;
        }
        x->op = op;
        x->layer = layer;
        x->path_len = decode_str(data, size, &pos, x->path);
        if (op == MOAT_FT_SYMLINK || op == MOAT_FT_HARDLINK) {
            x->link_len = decode_str(data, size, &pos, x->link);
            x->has_link = true;
        }
        n++;
    }
    if (moat_fs_new(MAX_LAYERS, &opts, &fs, &err) != 0)
        goto out;
    for (int l = 0; l < MAX_LAYERS; l++) {
        struct reader r = {{&ops}, recs, n, 0, l, 0, 0};

        if (moat_fs_apply_layer(fs, (uint32_t)l, &r.base, &err) != 0)
            break; /* the partial view must still be consistent */
    }
    moat_err_clear(&err);
    for (size_t i = 0; i < n; i++) {
        const struct moat_fs_node *found = NULL;

        if (recs[i].op != 9 && recs[i].op != 10)
            continue;
        if (moat_fs_lookup(fs, recs[i].path, recs[i].op == 9, &found, &err) == 0)
            touch(found);
        moat_err_clear(&err);
    }
    if (moat_fs_walk(fs, check, fs) < 0 && !fuzz_alloc_failed())
        abort();
out:
    moat_err_clear(&err);
    moat_fs_free(fs);
    free(recs);
    return 0;
}
