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
        struct moat_err cerr = MOAT_ERR_INIT;

        /* source/ errors name the image and the layer; ours get the image's name here */
        rc = moat_image_layer_open(img, i, &r, err);
        if (rc < 0)
            goto out;
        fs->reader_failed = false;
        rc = moat_fs_apply_layer(fs, (uint32_t)i, r, err);
        if (rc < 0 && !fs->reader_failed)
            moat_err_prefix(err, "%s", meta->ref);
        /*
         * close() frees the reader and checks the digests. A digest mismatch
         * wins over whatever broke while parsing: a tampered layer must be
         * reported as tampered, not as merely damaged.
         */
        crc = moat_entry_reader_close(r, &cerr);
        r = NULL;
        if (crc < 0 && (rc == 0 || crc == -MOAT_E_DIGEST)) {
            moat_err_clear(err);
            if (err != NULL)
                *err = cerr;
            else
                moat_err_clear(&cerr);
            rc = crc;
        } else {
            moat_err_clear(&cerr);
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
