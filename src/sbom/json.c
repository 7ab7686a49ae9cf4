/*
 * json.c - moat's native JSON (docs/sbom-json.md, schema "moat-sbom/1").
 * Every key in that document is always present, in that order; a value the
 * image or database does not record is null (never a guessed default), except
 * source_name/source_version, which fall back to name/version as documented.
 * "files" appears only with --files.
 */
#include "sbom_int.h"

#include <stdlib.h>

#include "moat/base/error.h"

static json_t *json_labels(const struct moat_image_meta *meta)
{
    json_t *o = json_object();
    size_t i;

    for (i = 0; o != NULL && i < meta->n_labels; i++) {
        const char *k = meta->labels[i].key;
        json_t *ks;

        if (k == NULL)
            continue;
        ks = moat_json_str(k);

        /* Object keys must be valid UTF-8: use the repaired text. */
        if (ks == NULL || json_object_set_new(o, json_string_value(ks),
                                              moat_json_str(meta->labels[i].value)) < 0) {
            json_decref(ks);
            json_decref(o);
            return NULL;
        }
        json_decref(ks);
    }
    return o;
}

static json_t *json_layers(const struct moat_image_meta *meta)
{
    json_t *a = json_array();
    size_t i;
    int bad = 0;

    for (i = 0; a != NULL && i < meta->n_layers && !bad; i++) {
        const struct moat_layer_info *l = &meta->layers[i];
        json_t *o = json_object();

        bad |= o == NULL;
        bad |= json_object_set_new(o, "index", json_integer((json_int_t)i));
        bad |= moat_json_set_str(o, "digest", l->digest);
        bad |= moat_json_set_str(o, "diff_id", l->diff_id);
        bad |= moat_json_set_str(o, "media_type", l->media_type);
        bad |= json_object_set_new(o, "size", json_integer((json_int_t)l->size));
        bad |= json_array_append_new(a, o);
    }
    if (bad) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *json_history(const struct moat_image_meta *meta)
{
    json_t *a = json_array();
    size_t i;
    int bad = 0;

    for (i = 0; a != NULL && i < meta->n_history && !bad; i++) {
        const struct moat_history *h = &meta->history[i];
        json_t *o = json_object();

        bad |= o == NULL;
        bad |= moat_json_set_str(o, "created", h->created);
        bad |= moat_json_set_str(o, "created_by", h->created_by);
        bad |= json_object_set_new(o, "empty_layer", json_boolean(h->empty_layer));
        bad |= json_array_append_new(a, o);
    }
    if (bad) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *json_image(const struct moat_image_meta *m)
{
    json_t *o = json_object();
    int bad = o == NULL;

    bad |= moat_json_set_str(o, "transport", m->transport);
    bad |= moat_json_set_str(o, "ref", m->ref);
    bad |= moat_json_set_str(o, "name", m->name);
    bad |= moat_json_set_str(o, "manifest_digest", m->manifest_digest);
    bad |= moat_json_set_str(o, "config_digest", m->config_digest);
    bad |= json_object_set_new(o, "tags", moat_json_str_array(m->tags, m->n_tags));
    bad |= moat_json_set_str(o, "created", m->created);
    bad |= moat_json_set_str(o, "os", m->os);
    bad |= moat_json_set_str(o, "architecture", m->architecture);
    bad |= moat_json_set_str(o, "user", m->user);
    bad |= json_object_set_new(o, "env", moat_json_str_array(m->env, m->n_env));
    bad |= json_object_set_new(o, "cmd", moat_json_str_array(m->cmd, m->n_cmd));
    bad |=
        json_object_set_new(o, "entrypoint", moat_json_str_array(m->entrypoint, m->n_entrypoint));
    bad |= json_object_set_new(o, "exposed_ports",
                               moat_json_str_array(m->exposed_ports, m->n_exposed_ports));
    bad |= json_object_set_new(o, "labels", json_labels(m));
    bad |= moat_json_set_str(o, "working_dir", m->working_dir);
    bad |= json_object_set_new(o, "layers", json_layers(m));
    bad |= json_object_set_new(o, "history", json_history(m));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *json_package(const struct moat_image_meta *meta, const struct moat_os *os,
                            const struct moat_pkg *p, int with_files)
{
    json_t *o = json_object();
    char *purl = moat_purl(p, os);
    int bad = o == NULL || purl == NULL;

    bad |= moat_json_set_str(o, "type", sbom_pkg_type_name(p->type));
    bad |= moat_json_set_str(o, "name", p->name);
    bad |= moat_json_set_str(o, "version", p->version);
    bad |= moat_json_set_str(o, "arch", p->arch);
    bad |= moat_json_set_str(o, "source_name", p->src_name != NULL ? p->src_name : p->name);
    bad |= moat_json_set_str(o, "source_version",
                             p->src_version != NULL ? p->src_version : p->version);
    bad |= moat_json_set_str(o, "license", p->license);
    bad |= json_object_set_new(o, "epoch", json_integer((json_int_t)p->epoch));
    bad |= json_object_set_new(o, "layer", json_integer((json_int_t)p->layer));
    bad |= moat_json_set_str(o, "layer_diff_id", sbom_layer_diff_id(meta, p));
    bad |= moat_json_set_str(o, "purl", purl);
    bad |= moat_json_set_str(o, "db_path", p->db_path);
    if (with_files)
        bad |= json_object_set_new(o, "files", moat_json_str_array(p->files, p->n_files));
    free(purl);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *json_strings(const char *k1, const char *v1, const char *k2, const char *v2,
                            const char *k3, const char *v3)
{
    json_t *o = json_object();
    int bad = o == NULL;

    bad |= moat_json_set_str(o, k1, v1);
    bad |= moat_json_set_str(o, k2, v2);
    if (k3 != NULL)
        bad |= moat_json_set_str(o, k3, v3);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Streamed: the packages are written one at a time and never held as one tree. */
int sbom_write_json(FILE *f, const struct moat_image_meta *meta, const struct moat_inventory *inv,
                    const struct sbom_ctx *ctx, struct moat_err *err)
{
    struct sbom_out o;
    size_t i;

    sbom_out_init(&o, f);
    sbom_out_open(&o, NULL, '{');
    sbom_out_str(&o, "schema", "moat-sbom/1");
    sbom_out_put(&o, "tool",
                 json_strings("name", "moat", "version", ctx->tool_version, NULL, NULL));
    sbom_out_put(&o, "image", json_image(meta));
    sbom_out_put(&o, "distro",
                 json_strings("id", inv->os.id, "version_id", inv->os.version_id, "pretty_name",
                              inv->os.pretty_name));
    sbom_out_open(&o, "packages", '[');
    for (i = 0; i < inv->n_pkgs && o.r == 0; i++)
        sbom_out_put(&o, NULL, json_package(meta, &inv->os, &inv->pkgs[i], ctx->with_files));
    sbom_out_close(&o);
    sbom_out_close(&o);
    return sbom_out_end(&o, "JSON", err);
}
