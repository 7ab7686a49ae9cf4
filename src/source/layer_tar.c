/*
 * layer_tar.c - one layer blob as an entry reader: range -> SHA-256 of the
 * blob -> decompressor (decompress.c, also hashing its output) -> libarchive
 * (tar only, no filters: we decompress) -> struct moat_entry. close() drains
 * the rest so both digests cover the whole blob, then compares them with
 * the manifest digest and the config diff_id.
 * Must not write anything to disk or trust the layer before close() said so.
 */
#include "source_internal.h"

#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "../base/limits.h"

struct layer_tar {
    struct moat_entry_reader base;
    struct source_range range;
    struct source_blob blob;
    struct source_decomp *dc;
    struct archive *a;
    char *label; /* "<file>: layer N" */
    char *file;
    size_t index;
    char *digest, *diff_id;
    uint64_t size;
    int *busy;
    uint64_t *image_total;
    struct moat_err cb_err; /* what the read callback hit; libarchive only says "fatal" */
    int failed;
    int done;
    uint64_t entries;
};

static la_ssize_t read_cb(struct archive *a, void *ctx, const void **buf)
{
    struct layer_tar *t = ctx;
    const unsigned char *p = NULL;
    ssize_t n;

    (void)a;
    n = source_decomp_read(t->dc, &p, &t->cb_err);
    if (n < 0) {
        t->failed = 1;
        return -1;
    }
    if (t->image_total != NULL &&
        *t->image_total + source_decomp_total(t->dc) > MOAT_MAX_IMAGE_BYTES) {
        moat_err_set(&t->cb_err, MOAT_E_LIMIT, "%s: image expands to more than %llu bytes",
                     t->label, (unsigned long long)MOAT_MAX_IMAGE_BYTES);
        t->failed = 1;
        return -1;
    }
    *buf = p;
    return n;
}

/* An error from libarchive, or the one our callback recorded. */
static int arc_err(struct layer_tar *t, const char *doing, struct moat_err *err)
{
    t->failed = 1;
    if (t->cb_err.code != 0) {
        moat_err_set(err, t->cb_err.code, "%s", moat_err_msg(&t->cb_err));
        return -t->cb_err.code;
    }
    return moat_err_set(err, MOAT_E_FORMAT, "%s: %s: %s", t->label, doing,
                        archive_error_string(t->a) ? archive_error_string(t->a) : "tar error");
}

static int map_type(struct archive_entry *ae, enum moat_ftype *out)
{
    if (archive_entry_hardlink(ae) != NULL) {
        *out = MOAT_FT_HARDLINK;
        return 0;
    }
    switch (archive_entry_filetype(ae)) {
    case AE_IFREG:
        *out = MOAT_FT_REG;
        return 0;
    case AE_IFDIR:
        *out = MOAT_FT_DIR;
        return 0;
    case AE_IFLNK:
        *out = MOAT_FT_SYMLINK;
        return 0;
    case AE_IFCHR:
        *out = MOAT_FT_CHR;
        return 0;
    case AE_IFBLK:
        *out = MOAT_FT_BLK;
        return 0;
    case AE_IFIFO:
        *out = MOAT_FT_FIFO;
        return 0;
    case AE_IFSOCK:
        *out = MOAT_FT_SOCK;
        return 0;
    default:
        return -1;
    }
}

static int t_next(struct moat_entry_reader *r, struct moat_entry *e, struct moat_err *err)
{
    struct layer_tar *t = (struct layer_tar *)r;
    struct archive_entry *ae;
    const char *path, *link = NULL;
    la_int64_t uid, gid, size;
    int ar;

    if (t->failed)
        return moat_err_set(err, MOAT_E_ARG, "%s: reader already failed", t->label);
    if (t->done)
        return 0;
    ar = archive_read_next_header(t->a, &ae);
    if (ar == ARCHIVE_EOF) {
        t->done = 1;
        return 0;
    }
    if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN)
        return arc_err(t, "reading a tar header", err);
    if (++t->entries > MOAT_MAX_ENTRIES_PER_LAYER) {
        t->failed = 1;
        return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u entries", t->label,
                            MOAT_MAX_ENTRIES_PER_LAYER);
    }
    memset(e, 0, sizeof(*e));
    path = archive_entry_pathname(ae);
    if (path == NULL || path[0] == '\0') {
        t->failed = 1;
        return moat_err_set(err, MOAT_E_FORMAT, "%s: entry %llu has no usable path", t->label,
                            (unsigned long long)t->entries);
    }
    if (map_type(ae, &e->type) < 0) {
        t->failed = 1;
        return moat_err_set(err, MOAT_E_FORMAT, "%s: \"%.200s\" has an unknown file type", t->label,
                            path);
    }
    if (e->type == MOAT_FT_HARDLINK)
        link = archive_entry_hardlink(ae);
    else if (e->type == MOAT_FT_SYMLINK)
        link = archive_entry_symlink(ae);
    e->path = path;
    e->path_len = strlen(path);
    if (e->path_len > MOAT_MAX_PATH_LEN) {
        t->failed = 1;
        return moat_err_set(err, MOAT_E_LIMIT, "%s: path of %zu bytes", t->label, e->path_len);
    }
    if (e->type == MOAT_FT_HARDLINK || e->type == MOAT_FT_SYMLINK) {
        if (link == NULL) {
            t->failed = 1;
            return moat_err_set(err, MOAT_E_FORMAT, "%s: \"%.200s\": link has no target", t->label,
                                path);
        }
        e->link = link;
        e->link_len = strlen(link);
        if (e->link_len > MOAT_MAX_PATH_LEN) {
            t->failed = 1;
            return moat_err_set(err, MOAT_E_LIMIT, "%s: \"%.200s\": link target of %zu bytes",
                                t->label, path, e->link_len);
        }
    }
    e->mode = (uint32_t)archive_entry_mode(ae) & 07777u;
    uid = archive_entry_uid(ae);
    gid = archive_entry_gid(ae);
    e->uid = uid < 0 || uid > UINT32_MAX ? UINT32_MAX : (uint32_t)uid;
    e->gid = gid < 0 || gid > UINT32_MAX ? UINT32_MAX : (uint32_t)gid;
    size = archive_entry_size(ae);
    e->size = e->type == MOAT_FT_REG && size > 0 ? (uint64_t)size : 0;
    e->mtime = archive_entry_mtime(ae);
    return 1;
}

static ssize_t t_read(struct moat_entry_reader *r, void *buf, size_t n, struct moat_err *err)
{
    struct layer_tar *t = (struct layer_tar *)r;
    la_ssize_t k;

    if (t->failed)
        return moat_err_set(err, MOAT_E_ARG, "%s: reader already failed", t->label);
    if (t->done)
        return 0;
    k = archive_read_data(t->a, buf, n);
    if (k < 0)
        return arc_err(t, "reading file data", err);
    return k;
}

/*
 * After a decode failure: hash the rest of the raw blob and, when it does not
 * match the descriptor, report the tampering rather than its symptom (a
 * flipped byte usually shows up first as "corrupt gzip" or "damaged tar").
 * Returns the -MOAT_E_DIGEST error, or 0 when the blob is what it claims.
 */
static int tamper_check(struct layer_tar *t, struct moat_err *err)
{
    char got[SOURCE_DIGEST_LEN + 1];
    const unsigned char *p;
    const char *want = t->digest;
    ssize_t n;

    if (want == NULL && t->dc != NULL && source_decomp_kind(t->dc) == SOURCE_COMP_NONE)
        want = t->diff_id; /* uncompressed blob: its digest is the diff_id */
    if (want == NULL || t->blob.md == NULL)
        return 0;
    while ((n = source_blob_read(&t->blob, &p, NULL)) > 0)
        ;
    if (n < 0 || source_blob_digest(&t->blob, got, NULL) < 0 || strcmp(got, want) == 0)
        return 0;
    return moat_err_set(err, MOAT_E_DIGEST, "%s: layer %zu (%s): digest mismatch: blob content hashes to %s",
                        t->file, t->index, want, got);
}

/* Finish hashing and compare with what the manifest and config promised. */
static int verify(struct layer_tar *t, struct moat_err *err)
{
    char blob[SOURCE_DIGEST_LEN + 1], diff[SOURCE_DIGEST_LEN + 1];
    const char *name;
    int rc;

    rc = source_decomp_drain(t->dc, err);
    if (rc < 0) {
        int trc = tamper_check(t, err);
        return trc < 0 ? trc : rc;
    }
    if (t->image_total != NULL)
        *t->image_total += source_decomp_total(t->dc);
    if (t->size != UINT64_MAX && t->blob.pos != t->size)
        return moat_err_set(err, MOAT_E_DIGEST, "%s: digest mismatch: %llu bytes, not the %llu its descriptor says",
                            t->label, (unsigned long long)t->blob.pos, (unsigned long long)t->size);
    if (t->digest == NULL && t->diff_id == NULL)
        return 0;
    rc = source_decomp_digest(t->dc, diff, err);
    if (rc < 0)
        return rc;
    if (source_decomp_kind(t->dc) == SOURCE_COMP_NONE)
        memcpy(blob, diff, sizeof(blob));
    else if ((rc = source_blob_digest(&t->blob, blob, err)) < 0)
        return rc;
    name = t->digest != NULL ? t->digest : blob;
    if (t->digest != NULL && strcmp(blob, t->digest) != 0)
        return moat_err_set(err, MOAT_E_DIGEST, "%s: layer %zu (%s): digest mismatch: blob content hashes to %s",
                            t->file, t->index, t->digest, blob);
    if (t->diff_id != NULL && strcmp(diff, t->diff_id) != 0)
        return moat_err_set(err, MOAT_E_DIGEST,
                            "%s: layer %zu (%s): digest mismatch: content does not match diff_id %s (got %s)",
                            t->file, t->index, name, t->diff_id, diff);
    return 0;
}

static int t_close(struct moat_entry_reader *r, struct moat_err *err)
{
    struct layer_tar *t = (struct layer_tar *)r;
    int rc = 0;

    if (t == NULL)
        return 0;
    if (t->failed) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: layer was not read to a clean end", t->label);
        if (t->cb_err.code != 0)
            rc = moat_err_set(err, t->cb_err.code, "%s", moat_err_msg(&t->cb_err));
        int trc = tamper_check(t, err);
        if (trc < 0)
            rc = trc;
    } else {
        rc = verify(t, err);
    }
    if (t->a != NULL)
        archive_read_free(t->a);
    source_decomp_free(t->dc);
    source_blob_free(&t->blob);
    source_range_close(&t->range);
    if (t->busy != NULL)
        *t->busy = 0;
    moat_err_clear(&t->cb_err);
    free(t->label);
    free(t->file);
    free(t->digest);
    free(t->diff_id);
    free(t);
    return rc;
}

static const struct moat_entry_reader_ops tar_ops = {t_next, t_read, t_close};

static int dup_opt(const char *s, char **out)
{
    *out = NULL;
    if (s == NULL)
        return 0;
    *out = strdup(s);
    return *out == NULL ? -1 : 0;
}

int source_layer_tar_open(struct source_range *r, const struct source_layer_spec *spec,
                          struct moat_entry_reader **out, struct moat_err *err)
{
    struct layer_tar *t;
    int rc = 0;

    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        source_range_close(r);
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", spec->label);
    }
    t->base.ops = &tar_ops;
    t->range = *r;
    r->own_fd = 0;
    t->index = spec->index;
    t->size = spec->size;
    t->image_total = spec->image_total;
    if (asprintf(&t->label, "%s: layer %zu", spec->label, spec->index) < 0) {
        t->label = NULL;
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", spec->label);
        goto out;
    }
    if (dup_opt(spec->label, &t->file) < 0 || dup_opt(spec->digest, &t->digest) < 0 ||
        dup_opt(spec->diff_id, &t->diff_id) < 0) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", t->label);
        goto out;
    }
    if (t->size != UINT64_MAX && t->range.size != t->size) {
        rc = moat_err_set(err, MOAT_E_DIGEST, "%s: digest mismatch: blob is %llu bytes, its descriptor says %llu",
                          t->label, (unsigned long long)t->range.size, (unsigned long long)t->size);
        goto out;
    }
    rc = source_blob_init(&t->blob, &t->range, t->digest != NULL || t->diff_id != NULL, t->label,
                          err);
    if (rc < 0)
        goto out;
    rc = source_decomp_new(&t->blob, spec->limits, t->digest != NULL || t->diff_id != NULL,
                           t->label, &t->dc, err);
    if (rc < 0)
        goto out;
    t->a = archive_read_new();
    if (t->a == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", t->label);
        goto out;
    }
    /* tar only (plus "empty", so a zero-byte layer is an empty layer); no filters */
    if (archive_read_support_format_tar(t->a) != ARCHIVE_OK ||
        archive_read_support_format_empty(t->a) != ARCHIVE_OK ||
        archive_read_open(t->a, t, NULL, read_cb, NULL) != ARCHIVE_OK) {
        rc = arc_err(t, "opening the layer tar", err);
        int trc = tamper_check(t, err); /* libarchive reads ahead: tampering can show here */
        if (trc < 0)
            rc = trc;
        goto out;
    }
    t->busy = spec->busy;
    *out = &t->base;
    t = NULL;
out:
    if (t != NULL) {
        t->failed = 1;
        t->busy = NULL; /* the caller still owns busy on failure */
        t_close(&t->base, NULL);
    }
    return rc;
}
