/*
 * layer.c - merge one layer into the view, entry by entry, in the order the
 * layer records them: normalise the path, report the entry to the visitors
 * and stream its content (content.c), then update the tree (tree.c):
 * ".wh..wh..opq" hides what lower layers put in the directory, ".wh.NAME"
 * deletes NAME and its subtree, hard links share their target's node and
 * captured content, symlinks are stored as recorded and never resolved here.
 * Every error names the layer and the entry. Must not close the reader.
 */
#include "fs_int.h"

#include "moat/base/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WH_PREFIX ".wh."
#define WH_META ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"

struct entry_ctx {
    struct moat_fs *fs;
    uint32_t layer;
    const struct moat_entry *e;
    char path[MOAT_MAX_PATH_LEN + 1]; /* normalised */
    size_t len;
    const char *base;    /* last component, inside path */
    struct fs_what what; /* "layer N: entry 'p'", made when an error needs it */
};

static size_t dir_len(const struct entry_ctx *c)
{
    return c->base == c->path ? 0 : (size_t)(c->base - c->path) - 1;
}

static int check_string(const char *s, size_t len)
{
    return s != NULL && memchr(s, '\0', len) == NULL && s[len] == '\0';
}

static const char *what(struct entry_ctx *c)
{
    return fs_what(&c->what);
}

static int apply_whiteout(struct entry_ctx *c, struct moat_err *err)
{
    struct moat_fs *fs = c->fs;
    const char *name = c->base + strlen(WH_PREFIX);
    struct moat_fs_node m = {.name = c->base, .layer = c->layer, .deleted_in = -1};
    struct fs_blob *blob = NULL;
    fs_ref dir, victim;
    int rc;

    if (strcmp(c->base, WH_OPAQUE) != 0 && strncmp(c->base, WH_META, strlen(WH_META)) != 0 &&
        (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
        return moat_err_set(err, MOAT_E_FORMAT, "%s is a whiteout without a valid name", what(c));
    rc = fs_stream_entry(fs, c->layer, c->path, &m, false, NULL, &c->what, &blob, err);
    if (rc < 0)
        return rc;
    if (strcmp(c->base, WH_OPAQUE) == 0) {
        rc = fs_ensure_parents(fs, c->layer, c->path, c->len, &dir, err);
        if (rc < 0)
            return fs_err_prefix(err, rc, what(c));
        if (fs_type(fs, dir) == MOAT_FT_DIR)
            fs_make_opaque(fs, dir, c->layer);
        return 0;
    }
    if (strncmp(c->base, WH_META, strlen(WH_META)) == 0)
        return 0; /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): no meaning here */
    dir = fs_find_exact(fs, c->path, dir_len(c));
    if (dir == FS_NONE || !fs_live(fs, dir))
        return 0;
    victim = fs_child(fs, dir, name, strlen(name));
    if (victim != FS_NONE)
        fs_mark_deleted(fs, victim, c->layer);
    return 0;
}

/* Fill a from a hard link's target: same inode, so same metadata and content. */
static int hardlink_target(struct entry_ctx *c, struct fs_attr *a, struct moat_err *err)
{
    const struct moat_entry *e = c->e;
    char target[MOAT_MAX_PATH_LEN + 1], q[FS_QUOTE_CAP];
    const char *why = NULL;
    const struct fs_meta *tm;
    const struct fs_ext *te;
    size_t tlen;
    fs_ref t;
    int rc;

    if (!check_string(e->link, e->link_len))
        return moat_err_set(err, MOAT_E_FORMAT, "%s is a hard link without a valid target",
                            what(c));
    rc = fs_path_normalise(e->link, e->link_len, target, &tlen, &why);
    if (rc < 0)
        return moat_err_set(err, -rc, "%s: hard link target '%s' %s", what(c),
                            fs_path_quote(e->link, e->link_len, q, sizeof(q)), why);
    t = fs_find_exact(c->fs, target, tlen);
    if (t == FS_NONE || !fs_live(c->fs, t))
        return moat_err_set(err, MOAT_E_NOTFOUND, "%s: hard link target '%s' does not exist",
                            what(c), fs_path_quote(e->link, e->link_len, q, sizeof(q)));
    if (fs_type(c->fs, t) == MOAT_FT_DIR)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: hard link target '%s' is a directory", what(c),
                            fs_path_quote(e->link, e->link_len, q, sizeof(q)));
    te = fs_ext(c->fs, t);
    if (te != NULL && te->hardlink != FS_NONE) {
        t = te->hardlink;
        te = fs_ext(c->fs, t);
    }
    tm = fs_meta(c->fs, t);
    a->m.type = tm->type;
    a->m.mode = tm->mode;
    a->m.uid = tm->uid;
    a->m.gid = tm->gid;
    a->m.mtime = tm->mtime;
    a->size = fs_size(c->fs, t);
    a->link = te != NULL ? te->link : FS_NOSTR;
    a->hardlink = t;
    return 0;
}

/* The node visitors see: the entry's metadata, before the tree has it. */
static void visible(struct entry_ctx *c, const struct fs_attr *a, struct moat_fs_node *m,
                    struct moat_fs_node *target)
{
    memset(m, 0, sizeof(*m));
    m->name = c->base;
    m->type = (enum moat_ftype)a->m.type;
    m->mode = a->m.mode;
    m->uid = a->m.uid;
    m->gid = a->m.gid;
    m->size = a->size;
    m->mtime = a->m.mtime;
    m->layer = c->layer;
    m->deleted_in = -1;
    m->link = a->link != FS_NOSTR ? fs_pool_str(&c->fs->pool, a->link) : NULL;
    if (a->hardlink != FS_NONE) {
        /* the target as it is now, valid during the callbacks */
        *target = *m;
        target->name = fs_name(c->fs, a->hardlink);
        target->layer = fs_meta(c->fs, a->hardlink)->layer;
        m->hardlink = target;
    }
}

static int apply_file(struct entry_ctx *c, struct moat_entry_reader *r, struct moat_err *err)
{
    struct moat_fs *fs = c->fs;
    const struct moat_entry *e = c->e;
    struct fs_attr a = {
        .m = {.type = (uint8_t)e->type,
              .mode = (uint16_t)(e->mode & 07777),
              .uid = e->uid,
              .gid = e->gid,
              .mtime = e->mtime,
              .layer = (uint16_t)c->layer},
        .link = FS_NOSTR,
    };
    struct moat_fs_node m, target;
    struct fs_blob *blob = NULL, *shared = NULL;
    const struct fs_ext *te;
    fs_ref parent, n;
    bool capture;
    int rc;

    if (e->type == MOAT_FT_REG) {
        a.size = e->size;
        fs->bytes += e->size;
    } else if (e->type == MOAT_FT_SYMLINK) {
        if (!check_string(e->link, e->link_len) || e->link_len > MOAT_MAX_PATH_LEN)
            return moat_err_set(err, MOAT_E_FORMAT, "%s is a symlink without a valid target",
                                what(c));
        rc = fs_pool_add(&fs->pool, e->link, e->link_len, &a.link);
        if (rc < 0)
            return moat_err_set(err, -rc, "%s: %s", what(c),
                                rc == -MOAT_E_LIMIT ? "the merged view's names exceed 4 GiB"
                                                    : "out of memory");
    } else if (e->type == MOAT_FT_HARDLINK) {
        rc = hardlink_target(c, &a, err);
        if (rc < 0)
            return rc;
    }
    if (c->len == 0 && a.m.type != MOAT_FT_DIR)
        return moat_err_set(err, MOAT_E_FORMAT, "%s names the image root but is not a directory",
                            what(c));
    capture = a.m.type == MOAT_FT_REG && a.hardlink == FS_NONE && fs->opts.n_capture > 0 &&
              fs_capture_match(fs, c->path, c->len);
    visible(c, &a, &m, &target);
    rc = fs_stream_entry(fs, c->layer, c->path, &m, capture, r, &c->what, &blob, err);
    if (rc < 0)
        goto out;
    if (c->len == 0) {
        rc = fs_put_root(fs, &a, err);
    } else {
        rc = fs_ensure_parents(fs, c->layer, c->path, c->len, &parent, err);
        /* after ensure_parents: it may have replaced (and dropped) the target itself */
        if (rc == 0 && a.hardlink != FS_NONE && (te = fs_ext(fs, a.hardlink)) != NULL)
            shared = te->blob;
        if (rc == 0)
            rc = fs_put(fs, parent, c->base, c->len - (size_t)(c->base - c->path), &a,
                        blob != NULL ? blob : shared, &n, err);
    }
    if (rc < 0)
        rc = fs_err_prefix(err, rc, what(c));
out:
    fs_blob_unref(fs, blob);
    return rc;
}

static int apply_entry(struct entry_ctx *c, struct moat_entry_reader *r, struct moat_err *err)
{
    const struct moat_entry *e = c->e;
    const char *why = NULL, *slash;
    int rc;

    c->what.layer = c->layer;
    c->what.raw = e->path;
    c->what.raw_len = e->path != NULL ? e->path_len : 0;
    c->what.done = false;
    rc = fs_path_normalise(e->path, e->path_len, c->path, &c->len, &why);
    if (rc < 0)
        return moat_err_set(err, -rc, "%s %s", what(c), why);
    if (e->path[e->path_len] != '\0')
        return moat_err_set(err, MOAT_E_FORMAT, "%s has a path length that disagrees with it",
                            what(c));
    if (e->type < MOAT_FT_REG || e->type > MOAT_FT_SOCK)
        return moat_err_set(err, MOAT_E_FORMAT, "%s has unknown type %d", what(c), (int)e->type);
    slash = c->len > 0 ? memrchr(c->path, '/', c->len) : NULL;
    c->base = slash != NULL ? slash + 1 : c->path;
    if (strncmp(c->base, WH_PREFIX, strlen(WH_PREFIX)) == 0)
        return apply_whiteout(c, err);
    return apply_file(c, r, err);
}
int moat_fs_apply_layer(struct moat_fs *fs, uint32_t layer, struct moat_entry_reader *r,
                        struct moat_err *err)
{
    struct entry_ctx *c = NULL;
    struct moat_entry e;
    size_t count = 0;
    int rc;

    if (fs == NULL || r == NULL)
        return moat_err_set(err, MOAT_E_ARG, "moat_fs_apply_layer: no view or reader");
    if (layer >= fs->n_layers || (int64_t)layer <= fs->last_layer)
        return moat_err_set(err, MOAT_E_ARG, "layer %u applied out of order (of %zu)", layer,
                            fs->n_layers);
    fs->last_layer = layer;
    c = malloc(sizeof(*c)); /* ~4.5 KiB: keep it off the stack */
    if (c == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "layer %u: out of memory", layer);
    c->fs = fs;
    c->layer = layer;
    for (;;) {
        memset(&e, 0, sizeof(e));
        rc = moat_entry_next(r, &e, err);
        if (rc < 0) {
            /* the reader's message already names the image and layer */
            fs->reader_failed = true;
            goto out;
        }
        if (rc == 0)
            break;
        if (++count > MOAT_MAX_ENTRIES_PER_LAYER) {
            rc = moat_err_set(err, MOAT_E_LIMIT, "layer %u has more than %u entries", layer,
                              MOAT_MAX_ENTRIES_PER_LAYER);
            goto out;
        }
        c->e = &e;
        rc = apply_entry(c, r, err);
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    free(c);
    return rc;
}
