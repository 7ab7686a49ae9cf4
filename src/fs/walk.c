/*
 * walk.c - visit every live node once, depth-first, parents before their
 * children, children in name order so that every walk of the same image
 * gives the same sequence. The root comes first with path "". Must not
 * change the tree.
 */
#include "fs_int.h"

#include "../base/limits.h"

#include <stdlib.h>
#include <string.h>

struct walk {
    int (*fn)(void *ctx, const char *path, const struct moat_fs_node *node);
    void *ctx;
    char path[MOAT_MAX_PATH_LEN + 1];
};

static int by_name(const void *a, const void *b)
{
    const struct fs_node *x = *(const struct fs_node *const *)a;
    const struct fs_node *y = *(const struct fs_node *const *)b;

    return strcmp(x->pub.name, y->pub.name);
}

static int visit(struct walk *w, const struct fs_node *dir, size_t plen)
{
    const struct fs_node **kids = NULL;
    size_t n = 0, i = 0;
    int rc = 0;

    for (const struct fs_node *c = dir->first_child; c != NULL; c = c->next_sib)
        n += c->pub.deleted_in < 0;
    if (n == 0)
        goto out;
    kids = malloc(n * sizeof(*kids));
    if (kids == NULL) {
        rc = -MOAT_E_NOMEM;
        goto out;
    }
    for (const struct fs_node *c = dir->first_child; c != NULL; c = c->next_sib)
        if (c->pub.deleted_in < 0)
            kids[i++] = c;
    qsort(kids, n, sizeof(*kids), by_name);
    for (i = 0; i < n; i++) {
        size_t nl = strlen(kids[i]->pub.name), at = plen > 0 ? plen + 1 : 0;

        if (nl > MOAT_MAX_PATH_LEN - at) {
            rc = -MOAT_E_LIMIT;
            goto out;
        }
        if (plen > 0)
            w->path[plen] = '/';
        memcpy(w->path + at, kids[i]->pub.name, nl + 1);
        rc = w->fn(w->ctx, w->path, &kids[i]->pub);
        if (rc != 0)
            goto out;
        if (kids[i]->first_child != NULL) {
            rc = visit(w, kids[i], at + nl);
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
    struct walk *w = NULL;
    int rc;

    if (fs == NULL || fn == NULL)
        return -MOAT_E_ARG;
    w = malloc(sizeof(*w));
    if (w == NULL)
        return -MOAT_E_NOMEM;
    w->fn = fn;
    w->ctx = ctx;
    w->path[0] = '\0';
    rc = fn(ctx, w->path, &fs->root->pub);
    if (rc == 0)
        rc = visit(w, fs->root, 0);
    free(w);
    return rc;
}
