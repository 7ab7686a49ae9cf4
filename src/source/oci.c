/*
 * oci.c - OCI image layouts: oci:DIR[:TAG] (a directory) and
 * oci-archive:PATH[:TAG] (the same layout inside an uncompressed tar, read
 * in place). Reads oci-layout and index.json, follows nested indexes to the
 * manifest for the wanted platform, verifies every manifest and config blob
 * against its descriptor (size and digest) and fills the image meta.
 * Blob paths are only ever built from validated digests, and files of a
 * layout directory are opened one component at a time with O_NOFOLLOW.
 * Must not read layer contents (layer_tar.c does, at layer_open).
 */
#include "source_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/base/limits.h"

/* Open DIR-relative "a/b/c" without following any symlink on the way. */
static int open_nofollow(int dirfd, const char *rel, const char *label, int *out,
                         struct moat_err *err)
{
    char part[256];
    const char *p = rel;
    int fd = dirfd, rc = 0;

    *out = -1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);
        int nfd;

        if (len == 0 || len >= sizeof(part)) {
            rc = moat_err_set(err, MOAT_E_ARG, "%s: bad path %s", label, rel);
            goto out;
        }
        memcpy(part, p, len);
        part[len] = '\0';
        nfd = openat(fd, part,
                     O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (slash ? O_DIRECTORY : 0));
        if (nfd < 0) {
            rc = moat_err_set(err,
                              errno == ENOENT                      ? MOAT_E_NOTFOUND
                              : errno == ELOOP || errno == ENOTDIR ? MOAT_E_UNSAFE
                                                                   : MOAT_E_IO,
                              "%s: %s: %s", label, rel,
                              errno == ELOOP ? "is a symlink" : strerror(errno));
            goto out;
        }
        if (fd != dirfd)
            close(fd);
        fd = nfd;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    *out = fd;
    fd = dirfd;
out:
    if (fd != dirfd)
        close(fd);
    return rc;
}

/* A file of the layout (relative path) as a range. */
static int layout_file(struct moat_image *img, int archive, const char *rel,
                       struct source_range *out, struct moat_err *err)
{
    struct stat st;
    int fd, rc;

    if (archive) {
        const struct source_tar_member *m;

        rc = source_tar_find(&img->tar, rel, img->label, &m, err);
        if (rc < 0)
            return rc;
        *out = (struct source_range){img->fd, 0, NULL, m->off, m->size};
        return 0;
    }
    rc = open_nofollow(img->fd, rel, img->label, &fd, err);
    if (rc < 0)
        return rc;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return moat_err_set(err, MOAT_E_FORMAT, "%s: %s is not a regular file", img->label, rel);
    }
    *out = (struct source_range){fd, 1, NULL, 0, (uint64_t)st.st_size};
    return 0;
}

static int blob_path(const char *digest, char *out, size_t cap)
{
    /* only called with validated digests: "blobs/sha256/" + 64 hex */
    return snprintf(out, cap, "blobs/sha256/%s", digest + 7) >= (int)cap ? -1 : 0;
}

int source_oci_blob(struct moat_image *img, int archive, const char *digest,
                    struct source_range *out, struct moat_err *err)
{
    char rel[96];
    int rc;

    rc = source_digest_check(digest, img->label, err);
    if (rc < 0)
        return rc;
    if (blob_path(digest, rel, sizeof(rel)) < 0)
        return moat_err_set(err, MOAT_E_ARG, "%s: bad digest", img->label);
    rc = layout_file(img, archive, rel, out, err);
    if (rc == -MOAT_E_NOTFOUND)
        return moat_err_set(err, MOAT_E_NOTFOUND, "%s: blob %s missing from the layout", img->label,
                            digest);
    return rc;
}

/* Load a blob named by a descriptor, checking its size and digest. */
static int load_desc(struct moat_image *img, int archive, const struct source_desc *d,
                     const char *what, char **data, size_t *len, struct moat_err *err)
{
    struct source_range r = {-1, 0, NULL, 0, 0};
    char got[SOURCE_DIGEST_LEN + 1];
    int rc;

    *data = NULL;
    rc = source_oci_blob(img, archive, d->digest, &r, err);
    if (rc < 0)
        goto out;
    if (r.size != d->size) {
        rc = moat_err_set(
            err, MOAT_E_DIGEST, "%s: %s %s: digest mismatch: %llu bytes, its descriptor says %llu",
            img->label, what, d->digest, (unsigned long long)r.size, (unsigned long long)d->size);
        goto out;
    }
    rc = source_range_load(&r, MOAT_MAX_JSON_BYTES, img->label, data, len, err);
    if (rc < 0)
        goto out;
    rc = source_sha256(*data, *len, got, err);
    if (rc < 0)
        goto out;
    if (strcmp(got, d->digest) != 0)
        rc = moat_err_set(err, MOAT_E_DIGEST, "%s: %s %s: digest mismatch: content hashes to %s",
                          img->label, what, d->digest, got);
out:
    if (rc < 0) {
        free(*data);
        *data = NULL;
    }
    source_range_close(&r);
    return rc;
}

static int load_file(struct moat_image *img, int archive, const char *rel, char **data, size_t *len,
                     struct moat_err *err)
{
    struct source_range r = {-1, 0, NULL, 0, 0};
    int rc;

    rc = layout_file(img, archive, rel, &r, err);
    if (rc == 0)
        rc = source_range_load(&r, MOAT_MAX_JSON_BYTES, img->label, data, len, err);
    if (rc < 0 && rc != -MOAT_E_NOTFOUND)
        source_err_context(err, img->label, "%s", rel);
    source_range_close(&r);
    return rc;
}

/* Is a loaded document an index? By its descriptor's media type, else its own fields. */
static int doc_is_index(const struct source_desc *d, const char *data, size_t len, const char *what,
                        struct moat_err *err)
{
    json_t *root = NULL, *mt;
    int is, rc;

    is = source_media_is_index(d->media_type);
    if (is >= 0)
        return is;
    rc = source_json_parse(data, len, what, &root, err);
    if (rc < 0)
        return rc;
    mt = json_object_get(root, "mediaType");
    is = source_media_is_index(json_is_string(mt) ? json_string_value(mt) : NULL);
    if (is < 0)
        is = json_is_array(json_object_get(root, "manifests")) ? 1 : 0;
    json_decref(root);
    return is;
}

static int fill_layers(struct moat_image *img, struct source_manifest *man, char **diff_ids,
                       struct moat_err *err)
{
    struct moat_image_meta *m = &img->meta;

    m->layers = calloc(man->n_layers + 1, sizeof(*m->layers));
    if (m->layers == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < man->n_layers; i++) {
        m->layers[i].digest = man->layers[i].digest;
        man->layers[i].digest = NULL;
        m->layers[i].media_type = man->layers[i].media_type;
        man->layers[i].media_type = NULL;
        m->layers[i].size = man->layers[i].size;
        m->layers[i].diff_id = diff_ids[i];
        diff_ids[i] = NULL;
        m->n_layers = i + 1;
    }
    return 0;
}

/* The archive's blobs as ranges, so layer_open needs no lookup. */
static int archive_blobs(struct moat_image *img, struct moat_err *err)
{
    img->blobs = calloc(img->meta.n_layers + 1, sizeof(*img->blobs));
    if (img->blobs == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < img->meta.n_layers; i++) {
        int rc = source_oci_blob(img, 1, img->meta.layers[i].digest, &img->blobs[i], err);

        if (rc < 0)
            return source_err_context(err, img->label, "layer %zu", i);
    }
    return 0;
}

static int open_manifest(struct moat_image *img, int archive, const struct source_desc *d,
                         struct moat_err *err)
{
    struct source_manifest man = {0};
    char *data = NULL, *cdata = NULL, **diff_ids = NULL, *what = NULL;
    size_t len, clen, n_diff_ids = 0;
    int rc;

    rc = load_desc(img, archive, d, "manifest", &data, &len, err);
    if (rc < 0)
        goto out;
    if (asprintf(&what, "%s: manifest %s", img->label, d->digest) < 0) {
        what = NULL;
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    rc = source_oci_manifest_parse(data, len, what, &man, err);
    if (rc < 0)
        goto out;
    img->meta.manifest_digest = strdup(d->digest);
    img->meta.config_digest = strdup(man.config.digest);
    if (img->meta.manifest_digest == NULL || img->meta.config_digest == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    rc = load_desc(img, archive, &man.config, "config", &cdata, &clen, err);
    if (rc < 0)
        goto out;
    free(what);
    if (asprintf(&what, "%s: config %s", img->label, man.config.digest) < 0) {
        what = NULL;
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    rc = source_config_parse(cdata, clen, what, &img->meta, &diff_ids, &n_diff_ids, err);
    if (rc < 0)
        goto out;
    if (n_diff_ids != man.n_layers) {
        rc = moat_err_set(err, MOAT_E_FORMAT,
                          "%s: the manifest names %zu layers but the config has %zu diff_ids",
                          img->label, man.n_layers, n_diff_ids);
        goto out;
    }
    rc = fill_layers(img, &man, diff_ids, err);
    if (rc == 0 && archive)
        rc = archive_blobs(img, err);
out:
    source_strv_free(diff_ids, n_diff_ids);
    source_manifest_free(&man);
    free(what);
    free(cdata);
    free(data);
    return rc;
}

/* From index.json down through nested indexes to one manifest descriptor. */
static int resolve(struct moat_image *img, int archive, const char *tag, const char *platform,
                   struct source_desc *out, struct moat_err *err)
{
    struct source_index ix = {0};
    char *data = NULL, *what = NULL;
    size_t len, pick;
    int rc, is;

    memset(out, 0, sizeof(*out));
    rc = load_file(img, archive, "index.json", &data, &len, err);
    if (rc == -MOAT_E_NOTFOUND)
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: not an OCI layout (no index.json)", img->label);
    if (rc < 0)
        goto out;
    for (unsigned depth = 0;; depth++) {
        free(what);
        if (asprintf(&what, "%s: %s", img->label, depth == 0 ? "index.json" : out->digest) < 0) {
            what = NULL;
            rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
            goto out;
        }
        rc = source_oci_index_parse(data, len, what, &ix, err);
        if (rc < 0)
            goto out;
        rc = source_index_choose(&ix, depth == 0 ? tag : NULL, platform, what, &pick, err);
        if (rc < 0)
            goto out;
        if (depth == 0 && ix.m[pick].ref_name != NULL) {
            img->meta.tags = calloc(2, sizeof(char *));
            if (img->meta.tags == NULL ||
                (img->meta.tags[0] = strdup(ix.m[pick].ref_name)) == NULL) {
                rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
                goto out;
            }
            img->meta.n_tags = 1;
        }
        source_desc_free(out);
        *out = ix.m[pick];
        memset(&ix.m[pick], 0, sizeof(ix.m[pick]));
        source_index_free(&ix);
        free(data);
        data = NULL;
        rc = load_desc(img, archive, out, "manifest", &data, &len, err);
        if (rc < 0)
            goto out;
        is = doc_is_index(out, data, len, what, err);
        if (is < 0) {
            rc = is;
            goto out;
        }
        if (!is)
            break;
        if (depth + 1 >= SOURCE_MAX_INDEX_DEPTH) {
            rc = moat_err_set(err, MOAT_E_LIMIT, "%s: image indexes nested more than %u deep",
                              img->label, SOURCE_MAX_INDEX_DEPTH);
            goto out;
        }
    }
out:
    if (rc < 0)
        source_desc_free(out);
    source_index_free(&ix);
    free(what);
    free(data);
    return rc;
}

static int check_layout(struct moat_image *img, int archive, struct moat_err *err)
{
    json_t *root = NULL;
    char *data = NULL, *ver = NULL;
    size_t len;
    int rc;

    rc = load_file(img, archive, "oci-layout", &data, &len, err);
    if (rc == -MOAT_E_NOTFOUND)
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: not an OCI layout (no oci-layout file)",
                          img->label);
    if (rc < 0)
        goto out;
    rc = source_json_parse(data, len, "oci-layout", &root, err);
    if (rc == 0)
        rc = source_json_str(root, "imageLayoutVersion", "oci-layout", &ver, err);
    if (rc == 0 && ver == NULL)
        rc = moat_err_set(err, MOAT_E_FORMAT, "oci-layout: no imageLayoutVersion");
    if (rc < 0)
        moat_err_prefix(err, "%s", img->label);
out:
    free(ver);
    json_decref(root);
    free(data);
    return rc;
}

int source_oci_open(struct moat_image *img, const char *path, int archive, const char *tag,
                    const char *platform, struct moat_err *err)
{
    struct source_desc man = {0};
    struct stat st;
    int rc;

    img->fd = open(path, O_RDONLY | O_CLOEXEC | (archive ? 0 : O_DIRECTORY));
    if (img->fd < 0 || fstat(img->fd, &st) < 0) {
        rc = moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", path,
                          strerror(errno));
        goto out;
    }
    if (archive) {
        struct source_range whole = {img->fd, 0, NULL, 0, (uint64_t)st.st_size};

        if (!S_ISREG(st.st_mode)) {
            rc = moat_err_set(err, MOAT_E_ARG, "%s: not a regular file", path);
            goto out;
        }
        rc = source_tar_index_build(&whole, path, &img->tar, err);
        if (rc < 0)
            goto out;
    }
    rc = check_layout(img, archive, err);
    if (rc < 0)
        goto out;
    rc = resolve(img, archive, tag, platform, &man, err);
    if (rc < 0)
        goto out;
    rc = open_manifest(img, archive, &man, err);
out:
    source_desc_free(&man);
    return rc;
}
