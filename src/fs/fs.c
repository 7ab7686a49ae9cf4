/*
 * fs.c - the life of a view: create it (an empty root directory), free it,
 * and the read-only accessors for the tree. Building from an image is in
 * build.c, merging a layer in layer.c. Must not read layers.
 */
#include "fs_int.h"

#include "../base/limits.h"

#include <stdlib.h>
#include <string.h>

int moat_fs_new(size_t n_layers, const struct moat_fs_opts *opts, struct moat_fs **out,
                struct moat_err *err)
{
    struct moat_fs *fs = NULL;
    size_t n_visitors;
    int rc;

    *out = NULL;
    if (n_layers > MOAT_MAX_LAYERS)
        return moat_err_set(err, MOAT_E_LIMIT, "image has %zu layers, more than %u", n_layers,
                            MOAT_MAX_LAYERS);
    n_visitors = opts != NULL ? opts->n_visitors : 0;
    fs = calloc(1, sizeof(*fs));
    if (fs == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory for the merged view");
        goto out;
    }
    if (opts != NULL)
        fs->opts = *opts;
    fs->n_layers = n_layers;
    fs->last_layer = -1;
    fs->want = calloc(n_visitors > 0 ? n_visitors : 1, sizeof(*fs->want));
    fs->chunk = malloc(FS_CHUNK_BYTES);
    if (fs->want == NULL || fs->chunk == NULL || fs_table_init(&fs->table) < 0) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory for the merged view");
        goto out;
    }
    rc = fs_node_new(fs, &fs->root, err);
    if (rc < 0)
        goto out;
    fs->root->pub.name = "";
    fs->root->pub.type = MOAT_FT_DIR;
    fs->root->pub.mode = 0755;
    fs->root->pub.implicit = true;
    *out = fs;
    fs = NULL;
    rc = 0;
out:
    moat_fs_free(fs);
    return rc;
}

void moat_fs_free(struct moat_fs *fs)
{
    struct fs_blob *b, *next;

    if (fs == NULL)
        return;
    for (b = fs->blobs; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    fs_table_free(&fs->table);
    fs_arena_free(&fs->arena);
    free(fs->want);
    free(fs->chunk);
    free(fs);
}

const struct moat_fs_node *moat_fs_root(const struct moat_fs *fs)
{
    return fs != NULL ? &fs->root->pub : NULL;
}

size_t moat_fs_layer_count(const struct moat_fs *fs)
{
    return fs != NULL ? fs->n_layers : 0;
}

const struct moat_fs_node *moat_fs_first_child(const struct moat_fs_node *dir)
{
    const struct fs_node *d = fs_node_of(dir);

    return d != NULL && d->first_child != NULL ? &d->first_child->pub : NULL;
}

const struct moat_fs_node *moat_fs_next_sibling(const struct moat_fs_node *node)
{
    const struct fs_node *n = fs_node_of(node);

    return n != NULL && n->next_sib != NULL ? &n->next_sib->pub : NULL;
}
