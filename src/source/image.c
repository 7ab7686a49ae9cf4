/*
 * image.c - the public face of source/: moat_image_open() parses the
 * reference and hands it to its transport (docker_archive.c, oci.c, or a
 * dir: root), moat_image_layer_open() turns layer i into an entry reader
 * (layer_tar.c, layer_dir.c), moat_image_free() releases everything.
 * Must not parse any format itself.
 */
#include "source_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const transport_names[] = {
    [SOURCE_T_DOCKER_ARCHIVE] = "docker-archive",
    [SOURCE_T_OCI_ARCHIVE] = "oci-archive",
    [SOURCE_T_OCI] = "oci",
    [SOURCE_T_DIR] = "dir",
};

int source_err_context(struct moat_err *err, const char *label, const char *fmt, ...)
{
    const char *msg;
    char *ctx = NULL, *out = NULL;
    size_t ll = strlen(label);
    va_list ap;

    if (err == NULL)
        return -MOAT_E_ARG;
    va_start(ap, fmt);
    if (vasprintf(&ctx, fmt, ap) < 0)
        ctx = NULL;
    va_end(ap);
    msg = moat_err_msg(err);
    if (strncmp(msg, label, ll) == 0 && strncmp(msg + ll, ": ", 2) == 0)
        msg += ll + 2;
    if (ctx != NULL && asprintf(&out, "%s: %s: %s", label, ctx, msg) >= 0) {
        free(err->msg);
        err->msg = out;
    }
    free(ctx);
    return -err->code;
}

/*
 * The name people will recognise: the first tag; an OCI ref.name that is only
 * a tag ("1.0") is shown with its layout's directory ("layout:1.0"); else the path.
 */
static int display_name(struct moat_image_meta *meta, const char *path, struct moat_err *err)
{
    const char *tag = meta->n_tags > 0 ? meta->tags[0] : NULL;
    const char *base;
    size_t blen;

    if (tag == NULL) {
        meta->name = strdup(path);
    } else if (strpbrk(tag, "/:@") != NULL) {
        meta->name = strdup(tag);
    } else {
        blen = strlen(path);
        while (blen > 1 && path[blen - 1] == '/')
            blen--;
        base = path + blen;
        while (base > path && base[-1] != '/')
            base--;
        if (asprintf(&meta->name, "%.*s:%s", (int)(path + blen - base), base, tag) < 0)
            meta->name = NULL;
    }
    if (meta->name == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    return 0;
}

static int open_dir(struct moat_image *img, const char *path, struct moat_err *err)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", path,
                            strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return moat_err_set(err, MOAT_E_ARG, "%s: not a directory", path);
    img->root = strdup(path);
    img->meta.layers = calloc(1, sizeof(*img->meta.layers));
    if (img->root == NULL || img->meta.layers == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    img->meta.n_layers = 1;
    return 0;
}

int moat_image_open(const char *ref, const struct moat_open_opts *opts, struct moat_image **out,
                    struct moat_err *err)
{
    struct source_ref r = {0};
    struct moat_image *img = NULL;
    const char *platform = opts != NULL ? opts->platform : NULL;
    int rc;

    if (out == NULL)
        return moat_err_set(err, MOAT_E_ARG, "moat_image_open: no output");
    *out = NULL;
    rc = source_ref_parse(ref, &r, err);
    if (rc < 0)
        goto out;
    img = calloc(1, sizeof(*img));
    if (img == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    img->fd = -1;
    img->transport = r.transport;
    img->meta.transport = transport_names[r.transport];
    img->meta.ref = strdup(ref);
    img->label = strdup(r.path);
    if (img->meta.ref == NULL || img->label == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    switch (r.transport) {
    case SOURCE_T_DOCKER_ARCHIVE:
        rc = source_docker_archive_open(img, r.path, r.tag, err);
        break;
    case SOURCE_T_OCI_ARCHIVE:
        rc = source_oci_open(img, r.path, 1, r.tag, platform, err);
        break;
    case SOURCE_T_OCI:
        rc = source_oci_open(img, r.path, 0, r.tag, platform, err);
        break;
    case SOURCE_T_DIR:
        rc = open_dir(img, r.path, err);
        break;
    }
    if (rc < 0)
        goto out;
    rc = display_name(&img->meta, r.path, err);
    if (rc < 0)
        goto out;
    if (img->meta.name == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    *out = img;
    img = NULL;
out:
    moat_image_free(img);
    source_ref_free(&r);
    return rc;
}

const struct moat_image_meta *moat_image_meta(const struct moat_image *img)
{
    return img != NULL ? &img->meta : NULL;
}

int moat_image_layer_open(struct moat_image *img, size_t i, struct moat_entry_reader **out,
                          struct moat_err *err)
{
    const struct moat_layer_info *li;
    struct source_layer_spec spec = {0};
    struct source_range r = {-1, 0, NULL, 0, 0};
    int rc;

    if (out == NULL || img == NULL)
        return moat_err_set(err, MOAT_E_ARG, "moat_image_layer_open: missing argument");
    *out = NULL;
    if (i >= img->meta.n_layers)
        return moat_err_set(err, MOAT_E_ARG, "%s: no layer %zu (the image has %zu)", img->label, i,
                            img->meta.n_layers);
    if (img->busy)
        return moat_err_set(err, MOAT_E_ARG, "%s: another layer is still open", img->label);
    if (img->transport == SOURCE_T_DIR) {
        rc = source_layer_dir_open(img->root, &img->busy, out, err);
        if (rc == 0)
            img->busy = 1;
        return rc;
    }
    li = &img->meta.layers[i];
    if (i == 0)
        img->total = 0; /* the image bound counts one pass over the layers */
    if (img->blobs != NULL) {
        r = img->blobs[i];
    } else {
        rc = source_oci_blob(img, 0, li->digest, &r, err);
        if (rc < 0)
            return source_err_context(err, img->label, "layer %zu", i);
    }
    spec.label = img->label;
    spec.index = i;
    spec.digest = li->digest;
    spec.diff_id = li->diff_id;
    spec.size = img->transport == SOURCE_T_DOCKER_ARCHIVE ? UINT64_MAX : li->size;
    spec.busy = &img->busy;
    spec.image_total = &img->total;
    rc = source_layer_tar_open(&r, &spec, out, err);
    if (rc == 0)
        img->busy = 1;
    return rc;
}

static void free_strv(char **v, size_t n)
{
    source_strv_free(v, n);
}

void moat_image_free(struct moat_image *img)
{
    struct moat_image_meta *m;

    if (img == NULL)
        return;
    m = &img->meta;
    free(m->ref);
    free(m->name);
    free(m->manifest_digest);
    free(m->config_digest);
    free_strv(m->tags, m->n_tags);
    free(m->created);
    free(m->os);
    free(m->architecture);
    free(m->variant);
    free(m->author);
    free(m->user);
    free_strv(m->env, m->n_env);
    free_strv(m->cmd, m->n_cmd);
    free_strv(m->entrypoint, m->n_entrypoint);
    free_strv(m->exposed_ports, m->n_exposed_ports);
    for (size_t i = 0; i < m->n_labels; i++) {
        free(m->labels[i].key);
        free(m->labels[i].value);
    }
    free(m->labels);
    free(m->working_dir);
    free(m->stop_signal);
    free_strv(m->healthcheck, m->n_healthcheck);
    for (size_t i = 0; i < m->n_history; i++) {
        free(m->history[i].created);
        free(m->history[i].created_by);
        free(m->history[i].comment);
    }
    free(m->history);
    for (size_t i = 0; i < m->n_layers; i++) {
        free(m->layers[i].digest);
        free(m->layers[i].diff_id);
        free(m->layers[i].media_type);
    }
    free(m->layers);
    source_tar_index_free(&img->tar);
    free(img->blobs);
    free(img->root);
    free(img->label);
    if (img->fd >= 0)
        close(img->fd);
    free(img);
}
