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

#include "../base/limits.h"

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
    const char *base;                 /* last component, inside path */
    char what[FS_QUOTE_CAP + 48];     /* "layer N: entry 'p'" */
};

static size_t dir_len(const struct entry_ctx *c)
{
    return c->base == c->path ? 0 : (size_t)(c->base - c->path) - 1;
}

static int check_string(const char *s, size_t len)
{
    return s != NULL && memchr(s, '\0', len) == NULL && s[len] == '\0';
}

static int apply_whiteout(struct entry_ctx *c, struct moat_err *err)
{
    struct moat_fs *fs = c->fs;
    const char *name = c->base + strlen(WH_PREFIX);
    struct moat_fs_node m = {.name = c->base, .layer = c->layer, .deleted_in = -1};
    struct fs_node *dir, *victim;
    struct fs_blob *blob = NULL;
    int rc;

    if (strcmp(c->base, WH_OPAQUE) != 0 && strncmp(c->base, WH_META, strlen(WH_META)) != 0 &&
        (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
        return moat_err_set(err, MOAT_E_FORMAT, "%s is a whiteout without a valid name", c->what);
    rc = fs_stream_entry(fs, c->layer, c->path, &m, false, NULL, c->what, &blob, err);
    if (rc < 0)
        return rc;
    if (strcmp(c->base, WH_OPAQUE) == 0) {
        rc = fs_ensure_parents(fs, c->layer, c->path, c->len, &dir, err);
        if (rc < 0)
            return fs_err_prefix(err, rc, c->what);
        if (dir->pub.type == MOAT_FT_DIR)
            fs_make_opaque(fs, dir, c->layer);
        return 0;
    }
    if (strncmp(c->base, WH_META, strlen(WH_META)) == 0)
        return 0; /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): no meaning here */
    dir = fs_find_exact(fs, c->path, dir_len(c));
    if (dir == NULL || dir->pub.deleted_in >= 0)
        return 0;
    victim = fs_child(fs, dir, name, strlen(name));
    if (victim != NULL)
        fs_mark_deleted(fs, victim, c->layer);
    return 0;
}

/* Fill m from a hard link's target: same inode, so same metadata and content. */
static int hardlink_target(struct entry_ctx *c, struct moat_fs_node *m, struct moat_err *err)
{
    const struct moat_entry *e = c->e;
    char target[MOAT_MAX_PATH_LEN + 1], q[FS_QUOTE_CAP];
    const char *why = NULL;
    struct fs_node *t;
    size_t tlen;
    int rc;

    if (!check_string(e->link, e->link_len))
        return moat_err_set(err, MOAT_E_FORMAT, "%s is a hard link without a valid target",
                            c->what);
    rc = fs_path_normalise(e->link, e->link_len, target, &tlen, &why);
    if (rc < 0)
        return moat_err_set(err, -rc, "%s: hard link target '%s' %s", c->what,
                            fs_path_quote(e->link, e->link_len, q, sizeof(q)), why);
    t = fs_find_exact(c->fs, target, tlen);
    if (t == NULL || t->pub.deleted_in >= 0)
        return moat_err_set(err, MOAT_E_NOTFOUND, "%s: hard link target '%s' does not exist",
                            c->what, fs_path_quote(e->link, e->link_len, q, sizeof(q)));
    if (t->pub.type == MOAT_FT_DIR)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: hard link target '%s' is a directory",
                            c->what, fs_path_quote(e->link, e->link_len, q, sizeof(q)));
    if (t->pub.hardlink != NULL)
        t = fs_node_of(t->pub.hardlink);
    m->type = t->pub.type;
    m->mode = t->pub.mode;
    m->uid = t->pub.uid;
    m->gid = t->pub.gid;
    m->size = t->pub.size;
    m->mtime = t->pub.mtime;
    m->link = t->pub.link;
    m->hardlink = &t->pub;
    return 0;
}

static int apply_file(struct entry_ctx *c, struct moat_entry_reader *r, struct moat_err *err)
{
    struct moat_fs *fs = c->fs;
    const struct moat_entry *e = c->e;
    struct moat_fs_node m = {
        .name = c->base, .type = e->type, .mode = e->mode & 07777, .uid = e->uid, .gid = e->gid,
        .mtime = e->mtime, .layer = c->layer, .deleted_in = -1,
    };
    struct fs_blob *blob = NULL, *shared = NULL;
    struct fs_node *parent, *n;
    bool capture;
    int rc;

    if (e->type == MOAT_FT_REG) {
        m.size = e->size;
        fs->bytes += e->size;
    } else if (e->type == MOAT_FT_SYMLINK) {
        if (!check_string(e->link, e->link_len) || e->link_len > MOAT_MAX_PATH_LEN)
            return moat_err_set(err, MOAT_E_FORMAT, "%s is a symlink without a valid target",
                                c->what);
        m.link = fs_arena_strndup(&fs->arena, e->link, e->link_len);
        if (m.link == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", c->what);
    } else if (e->type == MOAT_FT_HARDLINK) {
        rc = hardlink_target(c, &m, err);
        if (rc < 0)
            return rc;
    }
    if (c->len == 0 && m.type != MOAT_FT_DIR)
        return moat_err_set(err, MOAT_E_FORMAT, "%s names the image root but is not a directory",
                            c->what);
    capture = m.type == MOAT_FT_REG && m.hardlink == NULL && fs_capture_match(fs, c->path);
    rc = fs_stream_entry(fs, c->layer, c->path, &m, capture, r, c->what, &blob, err);
    if (rc < 0)
        goto out;
    if (c->len == 0) {
        rc = fs_put_root(fs, &m, err);
    } else {
        rc = fs_ensure_parents(fs, c->layer, c->path, c->len, &parent, err);
        /* after ensure_parents: it may have replaced (and dropped) the target itself */
        if (rc == 0 && m.hardlink != NULL && m.hardlink->data != NULL)
            shared = fs_blob_of(m.hardlink->data);
        if (rc == 0)
            rc = fs_put(fs, parent, c->base, c->len - (size_t)(c->base - c->path), &m,
                        blob != NULL ? blob : shared, &n, err);
    }
    if (rc < 0)
        rc = fs_err_prefix(err, rc, c->what);
out:
    fs_blob_unref(fs, blob);
    return rc;
}

static int apply_entry(struct entry_ctx *c, struct moat_entry_reader *r, struct moat_err *err)
{
    const struct moat_entry *e = c->e;
    char q[FS_QUOTE_CAP];
    const char *why = NULL, *slash;
    int rc;

    snprintf(c->what, sizeof(c->what), "layer %u: entry '%s'", c->layer,
             fs_path_quote(e->path, e->path != NULL ? e->path_len : 0, q, sizeof(q)));
    rc = fs_path_normalise(e->path, e->path_len, c->path, &c->len, &why);
    if (rc < 0)
        return moat_err_set(err, -rc, "%s %s", c->what, why);
    if (e->path[e->path_len] != '\0')
        return moat_err_set(err, MOAT_E_FORMAT, "%s has a path length that disagrees with it",
                            c->what);
    if (e->type < MOAT_FT_REG || e->type > MOAT_FT_SOCK)
        return moat_err_set(err, MOAT_E_FORMAT, "%s has unknown type %d", c->what, (int)e->type);
    slash = strrchr(c->path, '/');
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
