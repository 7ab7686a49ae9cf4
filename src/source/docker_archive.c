/*
 * docker_archive.c - docker-archive:PATH[:REF] (docker save, podman save):
 * an uncompressed tar holding manifest.json ([{Config, RepoTags, Layers}]),
 * the config JSON and the layer tars, at "<id>/layer.tar" (older docker,
 * possibly a symlink), "<hex>.tar" (podman) or "blobs/sha256/<hex>" (docker
 * 25+). manifest.json may come after the layers: the tar is indexed first.
 * The config is verified when its name carries its digest; so are layers,
 * and every layer's content is checked against the config's diff_ids.
 * Must not extract members: they are read in place through pread ranges.
 */
#include "source_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/base/limits.h"

void source_docker_image_free(struct source_docker_image *d)
{
    if (d == NULL)
        return;
    free(d->config);
    source_strv_free(d->layers, d->n_layers);
    source_strv_free(d->tags, d->n_tags);
    memset(d, 0, sizeof(*d));
}

static int has_tag(const struct source_docker_image *d, const char *ref)
{
    for (size_t i = 0; i < d->n_tags; i++)
        if (strcmp(d->tags[i], ref) == 0)
            return 1;
    return 0;
}

/* "@N" selects the N-th image, as skopeo's docker-archive:PATH:@N does. */
static int ref_index(const char *ref, size_t *out)
{
    size_t v = 0;

    if (ref == NULL || ref[0] != '@' || ref[1] == '\0')
        return 0;
    for (const char *p = ref + 1; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000)
            return 0;
        v = v * 10 + (size_t)(*p - '0');
    }
    *out = v;
    return 1;
}

static int parse_one(const json_t *it, size_t i, const char *what, struct source_docker_image *d,
                     struct moat_err *err)
{
    char label[64];
    int rc;

    snprintf(label, sizeof(label), "[%zu]", i);
    if (!json_is_object(it))
        return moat_err_set(err, MOAT_E_FORMAT, "%s[%zu]: expected an object", what, i);
    if ((rc = source_json_str(it, "Config", label, &d->config, err)) < 0 ||
        (rc = source_json_strv(it, "RepoTags", label, &d->tags, &d->n_tags, err)) < 0 ||
        (rc = source_json_strv(it, "Layers", label, &d->layers, &d->n_layers, err)) < 0)
        return moat_err_prefix(err, "%s", what);
    if (d->config == NULL || d->config[0] == '\0')
        return moat_err_set(err, MOAT_E_FORMAT, "%s[%zu]: no Config", what, i);
    if (d->layers == NULL)
        return moat_err_set(err, MOAT_E_FORMAT, "%s[%zu]: no Layers", what, i);
    if (d->n_layers > MOAT_MAX_LAYERS)
        return moat_err_set(err, MOAT_E_LIMIT, "%s[%zu]: more than %u layers", what, i,
                            MOAT_MAX_LAYERS);
    return 0;
}

int source_docker_manifest_parse(const char *data, size_t len, const char *what,
                                 const char *want_ref, struct source_docker_image *out,
                                 struct moat_err *err)
{
    json_t *root = NULL, *it;
    size_t i, want_i = 0, n;
    int by_index, rc;

    memset(out, 0, sizeof(*out));
    rc = source_json_parse(data, len, what, &root, err);
    if (rc < 0)
        goto out;
    if (!json_is_array(root)) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: expected an array of images", what);
        goto out;
    }
    n = json_array_size(root);
    if (n == 0) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: holds no image", what);
        goto out;
    }
    by_index = ref_index(want_ref, &want_i);
    if (want_ref == NULL && n > 1) {
        rc = moat_err_set(err, MOAT_E_ARG,
                          "%s: holds %zu images; name one as docker-archive:PATH:TAG or :@N", what,
                          n);
        goto out;
    }
    json_array_foreach(root, i, it)
    {
        if (by_index && i != want_i)
            continue;
        rc = parse_one(it, i, what, out, err);
        if (rc < 0)
            goto out;
        if (want_ref == NULL || by_index || has_tag(out, want_ref))
            goto out;
        source_docker_image_free(out);
    }
    rc = moat_err_set(err, MOAT_E_NOTFOUND, "%s: no image %s", what, want_ref);
out:
    if (rc < 0)
        source_docker_image_free(out);
    json_decref(root);
    return rc;
}

/* The digest a member's name carries: "<hex>.json", "<hex>.tar", "blobs/sha256/<hex>". */
static int name_digest(const char *name, char *out)
{
    const char *base = strrchr(name, '/');
    size_t blen;

    base = base != NULL ? base + 1 : name;
    blen = strlen(base);
    if (strncmp(name, "blobs/sha256/", 13) == 0 && base == name + 13 && blen == 64) {
        /* docker 25+: content-addressed blob */
    } else if (base == name && ((blen == 69 && strcmp(base + 64, ".json") == 0) ||
                                (blen == 68 && strcmp(base + 64, ".tar") == 0))) {
        /* podman: "<hex>.json", "<hex>.tar" */
    } else {
        return 0;
    }
    memcpy(out, "sha256:", 7);
    memcpy(out + 7, base, 64);
    out[SOURCE_DIGEST_LEN] = '\0';
    return source_digest_valid(out);
}

static int load_member(struct moat_image *img, const char *name, char **data, size_t *len,
                       const struct source_tar_member **mout, struct moat_err *err)
{
    const struct source_tar_member *m = NULL;
    struct source_range r;
    int rc;

    rc = source_tar_find(&img->tar, name, img->label, &m, err);
    if (rc < 0)
        return rc;
    r = (struct source_range){img->fd, 0, NULL, m->off, m->size};
    rc = source_range_load(&r, MOAT_MAX_JSON_BYTES, img->label, data, len, err);
    if (rc < 0)
        return source_err_context(err, img->label, "%s", name);
    if (mout != NULL)
        *mout = m;
    return 0;
}

static int open_config(struct moat_image *img, const struct source_docker_image *d,
                       char ***diff_ids, size_t *n_diff_ids, struct moat_err *err)
{
    const struct source_tar_member *m = NULL;
    char want[SOURCE_DIGEST_LEN + 1], got[SOURCE_DIGEST_LEN + 1];
    char *data = NULL, *what = NULL;
    size_t len;
    int rc;

    rc = load_member(img, d->config, &data, &len, &m, err);
    if (rc < 0)
        goto out;
    rc = source_sha256(data, len, got, err);
    if (rc < 0)
        goto out;
    if (name_digest(m->name, want) && strcmp(want, got) != 0) {
        rc = moat_err_set(err, MOAT_E_DIGEST, "%s: config %s: digest mismatch: hashes to %s",
                          img->label, m->name, got);
        goto out;
    }
    img->meta.config_digest = strdup(got);
    if (asprintf(&what, "%s: %s", img->label, d->config) < 0) {
        what = NULL;
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    if (img->meta.config_digest == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    rc = source_config_parse(data, len, what, &img->meta, diff_ids, n_diff_ids, err);
out:
    free(what);
    free(data);
    return rc;
}

static int open_layers(struct moat_image *img, const struct source_docker_image *d, char **diff_ids,
                       struct moat_err *err)
{
    struct moat_image_meta *mt = &img->meta;
    char dg[SOURCE_DIGEST_LEN + 1];

    mt->layers = calloc(d->n_layers + 1, sizeof(*mt->layers));
    img->blobs = calloc(d->n_layers + 1, sizeof(*img->blobs));
    if (mt->layers == NULL || img->blobs == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < d->n_layers; i++) {
        const struct source_tar_member *m;
        int rc = source_tar_find(&img->tar, d->layers[i], img->label, &m, err);

        if (rc == -MOAT_E_NOTFOUND)
            return moat_err_set(err, MOAT_E_NOTFOUND,
                                "%s: manifest.json: layer %zu (%.200s) missing from archive",
                                img->label, i, d->layers[i]);
        if (rc < 0)
            return source_err_context(err, img->label, "manifest.json: layer %zu", i);
        img->blobs[i] = (struct source_range){img->fd, 0, NULL, m->off, m->size};
        mt->layers[i].size = m->size;
        mt->layers[i].diff_id = diff_ids[i];
        diff_ids[i] = NULL;
        mt->n_layers = i + 1;
        if (name_digest(m->name, dg) && (mt->layers[i].digest = strdup(dg)) == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    return 0;
}

int source_docker_archive_open(struct moat_image *img, const char *path, const char *want_ref,
                               struct moat_err *err)
{
    struct source_docker_image d = {0};
    struct source_range whole;
    struct stat st;
    char *data = NULL, *what = NULL, **diff_ids = NULL;
    size_t len, n_diff_ids = 0;
    int rc;

    img->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (img->fd < 0 || fstat(img->fd, &st) < 0) {
        rc = moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", path,
                          strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = moat_err_set(err, MOAT_E_ARG, "%s: not a regular file", path);
        goto out;
    }
    whole = (struct source_range){img->fd, 0, NULL, 0, (uint64_t)st.st_size};
    rc = source_tar_index_build(&whole, path, &img->tar, err);
    if (rc < 0)
        goto out;
    rc = load_member(img, "manifest.json", &data, &len, NULL, err);
    if (rc < 0)
        goto out;
    if (asprintf(&what, "%s: manifest.json", path) < 0) {
        what = NULL;
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    rc = source_docker_manifest_parse(data, len, what, want_ref, &d, err);
    if (rc < 0)
        goto out;
    rc = open_config(img, &d, &diff_ids, &n_diff_ids, err);
    if (rc < 0)
        goto out;
    if (n_diff_ids != d.n_layers) {
        rc = moat_err_set(err, MOAT_E_FORMAT,
                          "%s: manifest.json names %zu layers but the config has %zu diff_ids",
                          path, d.n_layers, n_diff_ids);
        goto out;
    }
    rc = open_layers(img, &d, diff_ids, err);
    if (rc < 0)
        goto out;
    img->meta.tags = d.tags;
    img->meta.n_tags = d.n_tags;
    d.tags = NULL;
    d.n_tags = 0;
out:
    source_strv_free(diff_ids, n_diff_ids);
    source_docker_image_free(&d);
    free(what);
    free(data);
    return rc;
}
