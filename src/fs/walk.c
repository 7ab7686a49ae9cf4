/*
 * walk.c - visit every live node once, depth-first, parents before their
 * children, children in name order so that every walk of the same image
 * gives the same sequence. The root comes first with path "".
 *
 * A record that already has its public node (looked up before, or reached
 * by first_child/next_sibling) is visited as that node; the others are
 * filled into one temporary node per depth, valid while fn runs (and, for
 * a directory, while its children are visited, as their parent). So a
 * walk of a million files makes no million nodes. Must not change the tree.
 */
#include "fs_int.h"

#include "moat/base/limits.h"

#include <stdlib.h>
#include <string.h>

struct kid {
    const char *name;
    fs_ref ref;
};

struct walk {
    const struct moat_fs *fs;
    int (*fn)(void *ctx, const char *path, const struct moat_fs_node *node);
    void *ctx;
    struct fs_pub tmp[MOAT_MAX_PATH_DEPTH + 1]; /* one temporary node per depth */
    char path[MOAT_MAX_PATH_LEN + 1];
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct kid *)a)->name, ((const struct kid *)b)->name);
}

/* The node fn gets for r at depth d below parent. */
static const struct moat_fs_node *node_at(struct walk *w, fs_ref r, size_t d,
                                          const struct moat_fs_node *parent)
{
    if (fs_rec(w->fs, r)->flags & FS_R_MAT)
        return fs_pub(w->fs, r);
    if (fs_pub_fill(w->fs, r, &w->tmp[d], parent) < 0)
        return NULL;
    return &w->tmp[d].pub;
}

static int visit(struct walk *w, fs_ref dir, const struct moat_fs_node *dnode, size_t depth,
                 size_t plen)
{
    const struct moat_fs *fs = w->fs;
    struct kid *kids = NULL;
    size_t n = 0, i = 0;
    int rc = 0;

    for (fs_ref c = fs_first(fs, dir); c != FS_NONE; c = fs_rec(fs, c)->next)
        n += fs_live(fs, c) && !(fs_rec(fs, c)->flags & FS_R_HIST);
    if (n == 0)
        goto out;
    if (depth >= MOAT_MAX_PATH_DEPTH) {
        rc = -MOAT_E_LIMIT; /* cannot happen: paths are at most that deep */
        goto out;
    }
    kids = malloc(n * sizeof(*kids));
    if (kids == NULL) {
        rc = -MOAT_E_NOMEM;
        goto out;
    }
    for (fs_ref c = fs_first(fs, dir); c != FS_NONE; c = fs_rec(fs, c)->next)
        if (fs_live(fs, c) && !(fs_rec(fs, c)->flags & FS_R_HIST))
            kids[i++] = (struct kid){fs_name(fs, c), c};
    qsort(kids, n, sizeof(*kids), by_name);
    for (i = 0; i < n; i++) {
        size_t nl = strlen(kids[i].name), at = plen > 0 ? plen + 1 : 0;
        const struct moat_fs_node *node;

        if (nl > MOAT_MAX_PATH_LEN - at) {
            rc = -MOAT_E_LIMIT;
            goto out;
        }
        if (plen > 0)
            w->path[plen] = '/';
        memcpy(w->path + at, kids[i].name, nl + 1);
        node = node_at(w, kids[i].ref, depth + 1, dnode);
        if (node == NULL) {
            rc = -MOAT_E_NOMEM;
            goto out;
        }
        rc = w->fn(w->ctx, w->path, node);
        if (rc != 0)
            goto out;
        if (fs_first(fs, kids[i].ref) != FS_NONE) {
            rc = visit(w, kids[i].ref, node, depth + 1, at + nl);
            if (rc != 0)
                goto out;
        }
    }
out:
    free(kids);
    return rc;
}

int moat_fs_walk(const struct moat_fs *fs,
                 int (*fn)(void *ctx, const char *path, const struct moat_fs_node *node), void *ctx)
{
    const struct moat_fs_node *root;
    struct walk *w = NULL;
    int rc;

    if (fs == NULL || fn == NULL)
        return -MOAT_E_ARG;
    w = malloc(sizeof(*w));
    if (w == NULL)
        return -MOAT_E_NOMEM;
    w->fs = fs;
    w->fn = fn;
    w->ctx = ctx;
    w->path[0] = '\0';
    root = node_at(w, FS_ROOT, 0, NULL);
    rc = root != NULL ? fn(ctx, w->path, root) : -MOAT_E_NOMEM;
    if (rc == 0)
        rc = visit(w, FS_ROOT, root, 0, 0);
    free(w);
    return rc;
}
