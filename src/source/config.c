/*
 * config.c - the image config (OCI image config / Docker container config
 * JSON) into struct moat_image_meta: created, os, architecture, variant,
 * author, config.{User, Env, Cmd, Entrypoint, ExposedPorts, Labels,
 * WorkingDir, StopSignal, Healthcheck.Test}, history, rootfs.diff_ids.
 * Every field is type-checked; a wrong type is an error naming the field.
 * Must not read files or check digests (the transports do).
 */
#include "source_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"

static int parse_ports(const json_t *cfg, const char *what, struct moat_image_meta *m,
                       struct moat_err *err)
{
    json_t *ports = NULL, *v;
    const char *k;
    int rc;

    rc = source_json_obj(cfg, "ExposedPorts", what, &ports, err);
    if (rc < 0 || ports == NULL)
        return rc;
    m->exposed_ports = calloc(json_object_size(ports) + 1, sizeof(char *));
    if (m->exposed_ports == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
    json_object_foreach(ports, k, v)
    {
        m->exposed_ports[m->n_exposed_ports] = strdup(k);
        if (m->exposed_ports[m->n_exposed_ports] == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
        m->n_exposed_ports++;
    }
    return 0;
}

static int parse_labels(const json_t *cfg, const char *what, struct moat_image_meta *m,
                        struct moat_err *err)
{
    json_t *labels = NULL, *v;
    const char *k;
    int rc;

    rc = source_json_obj(cfg, "Labels", what, &labels, err);
    if (rc < 0 || labels == NULL)
        return rc;
    m->labels = calloc(json_object_size(labels) + 1, sizeof(*m->labels));
    if (m->labels == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
    json_object_foreach(labels, k, v)
    {
        struct moat_kv *kv = &m->labels[m->n_labels];

        if (!json_is_string(v))
            return moat_err_set(err, MOAT_E_FORMAT, "%s.Labels.%.100s: expected a string", what, k);
        kv->key = strdup(k);
        kv->value = strndup(json_string_value(v), json_string_length(v));
        m->n_labels++;
        if (kv->key == NULL || kv->value == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
    }
    return 0;
}

static int parse_container_config(const json_t *cfg, const char *what, struct moat_image_meta *m,
                                  struct moat_err *err)
{
    json_t *hc = NULL;
    int rc;

    if ((rc = source_json_str(cfg, "User", what, &m->user, err)) < 0 ||
        (rc = source_json_strv(cfg, "Env", what, &m->env, &m->n_env, err)) < 0 ||
        (rc = source_json_strv(cfg, "Cmd", what, &m->cmd, &m->n_cmd, err)) < 0 ||
        (rc = source_json_strv(cfg, "Entrypoint", what, &m->entrypoint, &m->n_entrypoint, err)) <
            0 ||
        (rc = source_json_str(cfg, "WorkingDir", what, &m->working_dir, err)) < 0 ||
        (rc = source_json_str(cfg, "StopSignal", what, &m->stop_signal, err)) < 0 ||
        (rc = parse_ports(cfg, what, m, err)) < 0 || (rc = parse_labels(cfg, what, m, err)) < 0 ||
        (rc = source_json_obj(cfg, "Healthcheck", what, &hc, err)) < 0)
        return rc;
    if (hc != NULL) {
        char *hwhat = NULL;

        if (asprintf(&hwhat, "%s.Healthcheck", what) < 0)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
        rc = source_json_strv(hc, "Test", hwhat, &m->healthcheck, &m->n_healthcheck, err);
        free(hwhat);
    }
    return rc;
}

static int parse_history(const json_t *root, const char *what, struct moat_image_meta *m,
                         struct moat_err *err)
{
    json_t *hist = NULL, *h;
    size_t i;
    int rc;

    rc = source_json_arr(root, "history", what, &hist, err);
    if (rc < 0 || hist == NULL)
        return rc;
    m->history = calloc(json_array_size(hist) + 1, sizeof(*m->history));
    if (m->history == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
    json_array_foreach(hist, i, h)
    {
        struct moat_history *mh = &m->history[m->n_history];
        json_t *empty;

        if (!json_is_object(h))
            return moat_err_set(err, MOAT_E_FORMAT, "%s.history[%zu]: expected an object", what, i);
        m->n_history++;
        if ((rc = source_json_str(h, "created", what, &mh->created, err)) < 0 ||
            (rc = source_json_str(h, "created_by", what, &mh->created_by, err)) < 0 ||
            (rc = source_json_str(h, "comment", what, &mh->comment, err)) < 0)
            return moat_err_prefix(err, "history[%zu]", i);
        empty = json_object_get(h, "empty_layer");
        if (empty != NULL && !json_is_null(empty) && !json_is_boolean(empty))
            return moat_err_set(err, MOAT_E_FORMAT,
                                "%s.history[%zu].empty_layer: expected a "
                                "boolean",
                                what, i);
        mh->empty_layer = json_is_true(empty);
    }
    return 0;
}

static int parse_diff_ids(const json_t *root, const char *what, char ***diff_ids, size_t *n,
                          struct moat_err *err)
{
    json_t *rootfs = NULL;
    char label[64];
    int rc;

    rc = source_json_obj(root, "rootfs", what, &rootfs, err);
    if (rc < 0)
        return rc;
    if (rootfs == NULL)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: no rootfs", what);
    rc = source_json_strv(rootfs, "diff_ids", what, diff_ids, n, err);
    if (rc < 0)
        return rc;
    if (*n > MOAT_MAX_LAYERS)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u layers", what, MOAT_MAX_LAYERS);
    for (size_t i = 0; i < *n; i++) {
        snprintf(label, sizeof(label), "rootfs.diff_ids[%zu]", i);
        rc = source_digest_check((*diff_ids)[i], label, err);
        if (rc < 0)
            return moat_err_prefix(err, "%s", what);
    }
    return 0;
}

int source_config_parse(const char *data, size_t len, const char *what, struct moat_image_meta *m,
                        char ***diff_ids, size_t *n_diff_ids, struct moat_err *err)
{
    json_t *root = NULL, *cfg = NULL;
    char *cwhat = NULL;
    int rc;

    *diff_ids = NULL;
    *n_diff_ids = 0;
    rc = source_json_parse(data, len, what, &root, err);
    if (rc < 0)
        goto out;
    if (!json_is_object(root)) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: config is not a JSON object", what);
        goto out;
    }
    if ((rc = source_json_str(root, "created", what, &m->created, err)) < 0 ||
        (rc = source_json_str(root, "os", what, &m->os, err)) < 0 ||
        (rc = source_json_str(root, "architecture", what, &m->architecture, err)) < 0 ||
        (rc = source_json_str(root, "variant", what, &m->variant, err)) < 0 ||
        (rc = source_json_str(root, "author", what, &m->author, err)) < 0 ||
        (rc = source_json_obj(root, "config", what, &cfg, err)) < 0)
        goto out;
    if (cfg != NULL) {
        if (asprintf(&cwhat, "%s: config", what) < 0) {
            cwhat = NULL;
            rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
            goto out;
        }
        rc = parse_container_config(cfg, cwhat, m, err);
        if (rc < 0)
            goto out;
    }
    rc = parse_history(root, what, m, err);
    if (rc < 0)
        goto out;
    rc = parse_diff_ids(root, what, diff_ids, n_diff_ids, err);
out:
    if (rc < 0) {
        source_strv_free(*diff_ids, *n_diff_ids);
        *diff_ids = NULL;
        *n_diff_ids = 0;
    }
    free(cwhat);
    json_decref(root);
    return rc;
}
