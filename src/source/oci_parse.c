/*
 * oci_parse.c - OCI / Docker v2 documents: descriptors, image indexes (and
 * Docker manifest lists) with the platform and ref.name choice, and image
 * manifests (and Docker v2 schema 2). Every digest is validated here, before
 * anything turns it into a path.
 * Must not open files (oci.c does) or read configs (config.c).
 */
#include "source_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"

#define REF_NAME "org.opencontainers.image.ref.name"

int source_media_is_index(const char *mt)
{
    if (mt == NULL)
        return -1;
    if (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
        strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0)
        return 1;
    if (strcmp(mt, "application/vnd.oci.image.manifest.v1+json") == 0 ||
        strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json") == 0)
        return 0;
    return -1;
}

void source_desc_free(struct source_desc *d)
{
    if (d == NULL)
        return;
    free(d->media_type);
    free(d->digest);
    free(d->ref_name);
    free(d->artifact_type);
    free(d->os);
    free(d->arch);
    free(d->variant);
    memset(d, 0, sizeof(*d));
}

static int parse_desc(const json_t *o, const char *what, struct source_desc *d,
                      struct moat_err *err)
{
    json_t *ann = NULL, *plat = NULL;
    int rc;

    memset(d, 0, sizeof(*d));
    if (!json_is_object(o))
        return moat_err_set(err, MOAT_E_FORMAT, "%s: expected a descriptor object", what);
    if ((rc = source_json_str(o, "mediaType", what, &d->media_type, err)) < 0 ||
        (rc = source_json_str(o, "digest", what, &d->digest, err)) < 0 ||
        (rc = source_json_u64(o, "size", what, 1, &d->size, err)) < 0 ||
        (rc = source_json_obj(o, "annotations", what, &ann, err)) < 0 ||
        (rc = source_json_obj(o, "platform", what, &plat, err)) < 0 ||
        (rc = source_json_str(o, "artifactType", what, &d->artifact_type, err)) < 0)
        return rc;
    rc = source_digest_check(d->digest, what, err);
    if (rc < 0)
        return rc;
    if (ann != NULL && (rc = source_json_str(ann, REF_NAME, what, &d->ref_name, err)) < 0)
        return rc;
    if (plat != NULL && ((rc = source_json_str(plat, "os", what, &d->os, err)) < 0 ||
                         (rc = source_json_str(plat, "architecture", what, &d->arch, err)) < 0 ||
                         (rc = source_json_str(plat, "variant", what, &d->variant, err)) < 0))
        return rc;
    return 0;
}

static int check_layer_type(const char *mt, const char *what, struct moat_err *err)
{
    if (mt == NULL || (strstr(mt, "tar") != NULL && strstr(mt, "encrypted") == NULL))
        return 0;
    return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: media type \"%.100s\" is not a layer tar",
                        what, mt);
}

/* Parse a document that must be a JSON object; *root, once set, is the caller's to free. */
static int parse_root(const char *data, size_t len, const char *what, json_t **root,
                      struct moat_err *err)
{
    int rc = source_json_parse(data, len, what, root, err);

    if (rc == 0 && !json_is_object(*root))
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: expected an object", what);
    return rc;
}

/*
 * The descriptors of arr, named key[i] in messages, into a calloc'd *out (one
 * spare zeroed entry); *n counts the ones parsed, also on error, so the
 * caller can free them. At most MOAT_MAX_LAYERS; with layers, each must have
 * a layer tar media type.
 */
static int parse_descs(json_t *arr, const char *key, int layers, const char *what,
                       struct source_desc **out, size_t *n, struct moat_err *err)
{
    char label[64];
    json_t *it;
    size_t i;
    int rc;

    if (json_array_size(arr) > MOAT_MAX_LAYERS)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u %s", what, MOAT_MAX_LAYERS, key);
    *out = calloc(json_array_size(arr) + 1, sizeof(**out));
    if (*out == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
    json_array_foreach(arr, i, it)
    {
        snprintf(label, sizeof(label), "%s[%zu]", key, i);
        *n = i + 1;
        rc = parse_desc(it, label, &(*out)[i], err);
        if (rc == 0 && layers)
            rc = check_layer_type((*out)[i].media_type, label, err);
        if (rc < 0)
            return moat_err_prefix(err, "%s", what);
    }
    return 0;
}

void source_index_free(struct source_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->n; i++)
        source_desc_free(&ix->m[i]);
    free(ix->m);
    memset(ix, 0, sizeof(*ix));
}

int source_oci_index_parse(const char *data, size_t len, const char *what, struct source_index *out,
                           struct moat_err *err)
{
    json_t *root = NULL, *arr = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = parse_root(data, len, what, &root, err);
    if (rc < 0)
        goto out;
    rc = source_json_arr(root, "manifests", what, &arr, err);
    if (rc < 0)
        goto out;
    if (arr == NULL || json_array_size(arr) == 0) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: no manifests", what);
        goto out;
    }
    rc = parse_descs(arr, "manifests", 0, what, &out->m, &out->n, err);
out:
    if (rc < 0)
        source_index_free(out);
    json_decref(root);
    return rc;
}

struct platform {
    char os[32], arch[32], variant[32];
};

static const char *arch_alias(const char *a)
{
    if (strcmp(a, "x86_64") == 0 || strcmp(a, "x86-64") == 0)
        return "amd64";
    if (strcmp(a, "aarch64") == 0)
        return "arm64";
    return a;
}

static int parse_platform(const char *s, struct platform *p, struct moat_err *err)
{
    const char *a, *v;
    size_t olen, alen;

    memset(p, 0, sizeof(*p));
    if (s == NULL)
        s = "linux/amd64";
    a = strchr(s, '/');
    if (a == NULL || a == s || a[1] == '\0')
        return moat_err_set(err, MOAT_E_ARG, "platform \"%s\": want os/arch[/variant]", s);
    v = strchr(a + 1, '/');
    olen = (size_t)(a - s);
    alen = v != NULL ? (size_t)(v - a - 1) : strlen(a + 1);
    if (olen >= sizeof(p->os) || alen == 0 || alen >= sizeof(p->arch) ||
        (v != NULL &&
         (v[1] == '\0' || strlen(v + 1) >= sizeof(p->variant) || strchr(v + 1, '/') != NULL)))
        return moat_err_set(err, MOAT_E_ARG, "platform \"%s\": want os/arch[/variant]", s);
    memcpy(p->os, s, olen);
    memcpy(p->arch, a + 1, alen);
    if (arch_alias(p->arch) != p->arch)
        snprintf(p->arch, sizeof(p->arch), "%s", arch_alias(p->arch));
    if (v != NULL)
        snprintf(p->variant, sizeof(p->variant), "%s", v + 1);
    return 0;
}

static int platform_match(const struct source_desc *d, const struct platform *p)
{
    if (d->os == NULL || d->arch == NULL)
        return 0;
    if (strcmp(d->os, p->os) != 0 || strcmp(arch_alias(d->arch), p->arch) != 0)
        return 0;
    if (p->variant[0] == '\0')
        return 1;
    if (d->variant != NULL)
        return strcmp(d->variant, p->variant) == 0;
    return strcmp(p->arch, "arm64") == 0 && strcmp(p->variant, "v8") == 0;
}

/* With a tag, the entries named so; without, every entry but artifacts (OCI 1.1
 * referrers such as signatures and attestations stored beside the image). */
static bool index_candidate(const struct source_desc *d, const char *tag)
{
    if (tag != NULL)
        return d->ref_name != NULL && strcmp(d->ref_name, tag) == 0;
    return d->artifact_type == NULL;
}

int source_index_choose(const struct source_index *ix, const char *tag, const char *platform,
                        const char *what, size_t *out, struct moat_err *err)
{
    struct platform p;
    size_t n = 0, first = 0, with_platform = 0;
    int rc;

    rc = parse_platform(platform, &p, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < ix->n; i++) {
        if (!index_candidate(&ix->m[i], tag))
            continue;
        if (n++ == 0)
            first = i;
        if (ix->m[i].os != NULL)
            with_platform++;
    }
    if (n == 0 && tag == NULL)
        return moat_err_set(err, MOAT_E_NOTFOUND, "%s: holds only artifacts, no image", what);
    if (n == 0)
        return moat_err_set(err, MOAT_E_NOTFOUND, "%s: no image tagged \"%s\"", what, tag);
    if (n == 1) {
        /* one image: take it, unless the caller asked for another platform explicitly */
        if (platform != NULL && ix->m[first].os != NULL && !platform_match(&ix->m[first], &p))
            return moat_err_set(err, MOAT_E_NOTFOUND, "%s: no image for platform %s", what,
                                platform);
        *out = first;
        return 0;
    }
    for (size_t i = 0; i < ix->n; i++) {
        if (!index_candidate(&ix->m[i], tag))
            continue;
        if (platform_match(&ix->m[i], &p)) {
            *out = i;
            return 0;
        }
    }
    if (with_platform == 0)
        return moat_err_set(err, MOAT_E_ARG, "%s: holds %zu images; name one with :TAG", what, n);
    return moat_err_set(err, MOAT_E_NOTFOUND, "%s: no image for platform %s/%s%s%s", what, p.os,
                        p.arch, p.variant[0] ? "/" : "", p.variant);
}

void source_manifest_free(struct source_manifest *m)
{
    if (m == NULL)
        return;
    free(m->media_type);
    source_desc_free(&m->config);
    for (size_t i = 0; i < m->n_layers; i++)
        source_desc_free(&m->layers[i]);
    free(m->layers);
    memset(m, 0, sizeof(*m));
}

int source_oci_manifest_parse(const char *data, size_t len, const char *what,
                              struct source_manifest *out, struct moat_err *err)
{
    json_t *root = NULL, *cfg = NULL, *arr = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = parse_root(data, len, what, &root, err);
    if (rc < 0)
        goto out;
    if ((rc = source_json_str(root, "mediaType", what, &out->media_type, err)) < 0 ||
        (rc = source_json_obj(root, "config", what, &cfg, err)) < 0 ||
        (rc = source_json_arr(root, "layers", what, &arr, err)) < 0)
        goto out;
    if (out->media_type != NULL && source_media_is_index(out->media_type) != 0) {
        rc = moat_err_set(err, MOAT_E_UNSUPPORTED,
                          "%s: media type \"%.100s\" is not an image "
                          "manifest",
                          what, out->media_type);
        goto out;
    }
    if (cfg == NULL || arr == NULL) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: not an image manifest (no config or layers)",
                          what);
        goto out;
    }
    rc = parse_desc(cfg, "config", &out->config, err);
    if (rc < 0) {
        rc = moat_err_prefix(err, "%s", what);
        goto out;
    }
    if (out->config.media_type != NULL &&
        strcmp(out->config.media_type, "application/vnd.oci.image.config.v1+json") != 0 &&
        strcmp(out->config.media_type, "application/vnd.docker.container.image.v1+json") != 0) {
        rc = moat_err_set(err, MOAT_E_UNSUPPORTED,
                          "%s: config media type \"%.100s\" is not a "
                          "container image",
                          what, out->config.media_type);
        goto out;
    }
    rc = parse_descs(arr, "layers", 1, what, &out->layers, &out->n_layers, err);
out:
    if (rc < 0)
        source_manifest_free(out);
    json_decref(root);
    return rc;
}
