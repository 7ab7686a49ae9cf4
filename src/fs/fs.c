/*
 * fs.c - the life of a view: create it (an empty root directory) and free
 * it. Building from an image is in build.c, merging a layer in layer.c,
 * the public nodes in node.c. Must not read layers.
 */
#include "fs_int.h"

#include "moat/base/limits.h"

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
    fs_vec_init(&fs->recs, sizeof(struct fs_rec), 16);
    fs_vec_init(&fs->exts, sizeof(struct fs_ext), 12);
    fs_vec_init(&fs->metas, sizeof(struct fs_meta), 10);
    fs_vec_init(&fs->kids, sizeof(struct fs_table), 10);
    fs->want = calloc(n_visitors > 0 ? n_visitors : 1, sizeof(*fs->want));
    fs->chunk = malloc(FS_CHUNK_BYTES);
    if (fs->want == NULL || fs->chunk == NULL || fs_capture_init(fs) < 0) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory for the merged view");
        goto out;
    }
    rc = fs_tree_init(fs, err);
    if (rc < 0)
        goto out;
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
    for (uint32_t i = 1; i < fs->kids.n; i++)
        fs_table_free(fs_vec_at(&fs->kids, i));
    fs_vec_free(&fs->kids);
    fs_table_free(&fs->mtable);
    fs_vec_free(&fs->recs);
    fs_vec_free(&fs->exts);
    fs_vec_free(&fs->metas);
    fs_pool_free(&fs->pool);
    fs_pubmap_free(&fs->pubs);
    fs_arena_free(&fs->arena);
    free(fs->capture);
    free(fs->want);
    free(fs->chunk);
    free(fs);
}

size_t moat_fs_layer_count(const struct moat_fs *fs)
{
    return fs != NULL ? fs->n_layers : 0;
}
