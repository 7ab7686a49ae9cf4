/*
 * tree.c - mutations of the merged tree: create nodes, write a new version
 * of a path, implicit parents, whiteout deletion and opaque directories.
 * See fs_int.h for the model (current node per path, history on prev).
 * Errors here carry no layer or entry name; layer.c adds them. This file
 * must not read entries or content.
 */
#include "fs_int.h"

#include "../base/limits.h"

#include <string.h>

int fs_node_new(struct moat_fs *fs, struct fs_node **out, struct moat_err *err)
{
    struct fs_node *n;

    *out = NULL;
    if (fs->n_nodes >= MOAT_MAX_NODES)
        return moat_err_set(err, MOAT_E_LIMIT, "the merged view would exceed %u nodes",
                            MOAT_MAX_NODES);
    n = fs_arena_alloc(&fs->arena, sizeof(*n));
    if (n == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory for the merged view");
    memset(n, 0, sizeof(*n));
    n->pub.deleted_in = -1;
    fs->n_nodes++;
    *out = n;
    return 0;
}
struct fs_node *fs_child(const struct moat_fs *fs, const struct fs_node *dir, const char *name,
                         size_t len)
{
    return fs_table_find(&fs->table, dir, name, len);
}

struct fs_node *fs_find_exact(const struct moat_fs *fs, const char *path, size_t len)
{
    struct fs_node *cur = fs->root;
    size_t i = 0;

    while (cur != NULL && i < len) {
        size_t j = i;

        while (j < len && path[j] != '/')
            j++;
        cur = fs_child(fs, cur, path + i, j - i);
        i = j + 1;
    }
    return cur;
}

static void set_meta(struct fs_node *n, const struct moat_fs_node *m)
{
    n->pub.type = m->type;
    n->pub.mode = m->mode;
    n->pub.uid = m->uid;
    n->pub.gid = m->gid;
    n->pub.size = m->size;
    n->pub.mtime = m->mtime;
    n->pub.link = m->link;
    n->pub.hardlink = m->hardlink;
    n->pub.layer = m->layer;
    n->pub.implicit = m->implicit;
    n->pub.deleted_in = -1;
}

static void attach_blob(struct fs_node *n, struct fs_blob *blob)
{
    if (blob == NULL)
        return;
    fs_blob_ref(blob);
    n->pub.data = blob->data;
    n->pub.data_len = blob->len;
}

static void link_child(struct fs_node *dir, struct fs_node *n)
{
    n->pub.parent = &dir->pub;
    n->prev_sib = NULL;
    n->next_sib = dir->first_child;
    if (dir->first_child != NULL)
        dir->first_child->prev_sib = n;
    dir->first_child = n;
}

/* n takes old's place among its siblings and in the table; old becomes history. */
static void swap_in(struct moat_fs *fs, struct fs_node *old, struct fs_node *n)
{
    struct fs_node *parent = fs_node_of(old->pub.parent);

    n->prev_sib = old->prev_sib;
    n->next_sib = old->next_sib;
    if (n->prev_sib != NULL)
        n->prev_sib->next_sib = n;
    else
        parent->first_child = n;
    if (n->next_sib != NULL)
        n->next_sib->prev_sib = n;
    old->prev_sib = old->next_sib = NULL;
    fs_table_replace(&fs->table, old, n);
}

/* A directory rewritten by a directory: does the old version deserve a history node? */
static bool needs_snapshot(const struct fs_node *x, const struct moat_fs_node *m)
{
    if (x->pub.deleted_in >= 0)
        return true; /* only the root: other deleted directories are replaced */
    if (x->pub.implicit && (m->implicit || x->pub.layer == m->layer))
        return false; /* a placeholder being filled in */
    return x->pub.mode != m->mode || x->pub.uid != m->uid || x->pub.gid != m->gid ||
           x->pub.mtime != m->mtime || x->pub.implicit != m->implicit;
}

static int update_dir(struct moat_fs *fs, struct fs_node *x, const struct moat_fs_node *m,
                      struct moat_err *err)
{
    struct fs_node *h;
    int rc;

    if (needs_snapshot(x, m)) {
        rc = fs_node_new(fs, &h, err);
        if (rc < 0)
            return rc;
        h->pub = x->pub;
        x->pub.prev = &h->pub;
    }
    set_meta(x, m);
    return 0;
}

int fs_put(struct moat_fs *fs, struct fs_node *parent, const char *name, size_t len,
           const struct moat_fs_node *m, struct fs_blob *blob, struct fs_node **out,
           struct moat_err *err)
{
    struct fs_node *x = fs_child(fs, parent, name, len), *n = NULL;
    int rc;

    /* a live directory rewritten as one keeps its children; a deleted one keeps them as history */
    if (x != NULL && x->pub.deleted_in < 0 && x->pub.type == MOAT_FT_DIR &&
        m->type == MOAT_FT_DIR) {
        rc = update_dir(fs, x, m, err);
        if (rc == 0)
            *out = x;
        return rc;
    }
    rc = fs_node_new(fs, &n, err);
    if (rc < 0)
        return rc;
    set_meta(n, m);
    attach_blob(n, blob);
    if (x == NULL) {
        n->pub.name = fs_arena_strndup(&fs->arena, name, len);
        if (n->pub.name == NULL) {
            fs_node_drop_data(fs, n);
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory for the merged view");
        }
        n->hash = fs_table_hash(&fs->table, parent, name, len);
        link_child(parent, n);
        rc = fs_table_insert(&fs->table, n);
        if (rc < 0) {
            /* keep the tree consistent: the node stays listed but deleted */
            n->pub.deleted_in = (int32_t)m->layer;
            fs_node_drop_data(fs, n);
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory for the merged view");
        }
    } else {
        n->pub.name = x->pub.name;
        n->pub.parent = x->pub.parent;
        n->pub.prev = &x->pub;
        /* whatever was below the old version is gone now (already so when it was deleted) */
        for (struct fs_node *c = x->first_child; c != NULL && x->pub.deleted_in < 0;
             c = c->next_sib)
            fs_mark_deleted(fs, c, m->layer);
        fs_node_drop_data(fs, x);
        swap_in(fs, x, n);
    }
    *out = n;
    return 0;
}

int fs_put_root(struct moat_fs *fs, const struct moat_fs_node *m, struct moat_err *err)
{
    return update_dir(fs, fs->root, m, err);
}

int fs_ensure_parents(struct moat_fs *fs, uint32_t layer, const char *path, size_t len,
                      struct fs_node **parent, struct moat_err *err)
{
    struct moat_fs_node implicit = {
        .type = MOAT_FT_DIR, .mode = 0755, .layer = layer, .implicit = true, .deleted_in = -1,
    };
    struct fs_node *cur = fs->root, *c;
    size_t i = 0;
    int rc;

    for (;;) {
        size_t j = i;

        while (j < len && path[j] != '/')
            j++;
        if (j >= len)
            break; /* path[i..len) is the last component */
        c = fs_child(fs, cur, path + i, j - i);
        if (c == NULL || c->pub.deleted_in >= 0 ||
            (c->pub.type != MOAT_FT_DIR && c->pub.type != MOAT_FT_SYMLINK)) {
            rc = fs_put(fs, cur, path + i, j - i, &implicit, NULL, &c, err);
            if (rc < 0)
                return rc;
        }
        cur = c;
        i = j + 1;
    }
    *parent = cur;
    return 0;
}

void fs_mark_deleted(struct moat_fs *fs, struct fs_node *n, uint32_t layer)
{
    /* a deleted node has no live descendants, so stop there */
    if (n->pub.deleted_in >= 0)
        return;
    n->pub.deleted_in = (int32_t)layer;
    fs_node_drop_data(fs, n);
    for (struct fs_node *c = n->first_child; c != NULL; c = c->next_sib)
        fs_mark_deleted(fs, c, layer);
}

/* Returns true when something written by `layer` survives below dir. */
static bool prune_lower(struct moat_fs *fs, struct fs_node *dir, uint32_t layer)
{
    bool any = false;

    for (struct fs_node *c = dir->first_child; c != NULL; c = c->next_sib) {
        bool keep;

        if (c->pub.deleted_in >= 0)
            continue;
        keep = c->first_child != NULL && prune_lower(fs, c, layer);
        if (c->pub.layer >= layer)
            keep = true;
        if (!keep)
            fs_mark_deleted(fs, c, layer);
        any = any || keep;
    }
    return any;
}

void fs_make_opaque(struct moat_fs *fs, struct fs_node *dir, uint32_t layer)
{
    /* lower entries are gone after the first marker of this layer */
    if (dir->opaque_layer == layer + 1)
        return;
    dir->opaque_layer = layer + 1;
    prune_lower(fs, dir, layer);
}
