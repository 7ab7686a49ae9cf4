/*
 * build.c - moat_fs_build(): open each layer of an image in order, merge
 * it (layer.c), close it, which verifies its digests, and report progress.
 * The only file of this room that calls source/; keeping it apart lets the
 * rest be built and tested without source/. Must not interpret entries.
 */
#include "fs_int.h"

#include <stdio.h>

int moat_fs_build(struct moat_image *img, const struct moat_fs_opts *opts, struct moat_fs **out,
                  struct moat_err *err)
{
    const struct moat_image_meta *meta;
    struct moat_entry_reader *r = NULL;
    struct moat_fs *fs = NULL;
    size_t n;
    int rc, crc;

    if (out != NULL)
        *out = NULL;
    if (img == NULL || out == NULL) {
        rc = moat_err_set(err, MOAT_E_ARG, "moat_fs_build: missing argument");
        goto out;
    }
    meta = moat_image_meta(img);
    n = meta != NULL ? meta->n_layers : 0;
    rc = moat_fs_new(n, opts, &fs, err);
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        rc = moat_image_layer_open(img, i, &r, err);
        if (rc < 0) {
            char what[32];

            snprintf(what, sizeof(what), "layer %zu", i);
            rc = fs_err_prefix(err, rc, what);
            goto out;
        }
        rc = moat_fs_apply_layer(fs, (uint32_t)i, r, err);
        /* close() frees the reader either way; its digest verdict matters only on success */
        crc = moat_entry_reader_close(r, rc < 0 ? NULL : err);
        r = NULL;
        if (rc == 0 && crc < 0) {
            char what[32];

            snprintf(what, sizeof(what), "layer %zu", i);
            rc = fs_err_prefix(err, crc, what);
        }
        if (rc < 0)
            goto out;
        if (fs->opts.progress != NULL)
            fs->opts.progress(fs->opts.progress_ctx, i, n, fs->bytes);
    }
    *out = fs;
    fs = NULL;
    rc = 0;
out:
    moat_fs_free(fs);
    return rc;
}
