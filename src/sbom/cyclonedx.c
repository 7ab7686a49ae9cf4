/*
 * cyclonedx.c - CycloneDX 1.5 JSON (bom-1.5.schema.json).
 *
 * metadata.component is the image (type "container", purl pkg:oci/... when
 * it has a digest); components are the distro (type "operating-system") and
 * one "library" per package, each with a unique bom-ref (its purl, suffixed
 * "#N" if two packages share one). Licenses: a single SPDX-listed id as
 * license.id, an expression of listed ids as "expression", anything else as
 * license.name with the recorded text, so no unlisted id ever appears.
 * dependencies: the image depends on the OS component and on every package.
 * moat-specific facts go in properties named "moat:*".
 */
#include "sbom_int.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/error.h"

static int add_prop(json_t *props, const char *name, const char *value)
{
    json_t *o;

    if (value == NULL || value[0] == '\0')
        return 0;
    o = json_object();
    if (o == NULL || moat_json_set_str(o, "name", name) < 0 ||
        moat_json_set_str(o, "value", value) < 0) {
        json_decref(o);
        return -1;
    }
    return json_array_append_new(props, o);
}

static int add_prop_int(json_t *props, const char *name, long long v)
{
    char s[32];

    snprintf(s, sizeof(s), "%lld", v);
    return add_prop(props, name, s);
}

/* Set "properties" when any were added (the schema allows an empty array, readers prefer none). */
static int set_props(json_t *o, json_t *props)
{
    if (json_array_size(props) == 0) {
        json_decref(props);
        return 0;
    }
    return json_object_set_new(o, "properties", props);
}

static json_t *cdx_licenses(const char *raw)
{
    struct sbom_license lic;
    json_t *a = NULL, *o = NULL, *l = NULL;
    int bad;

    if (sbom_license_parse(raw, &lic) < 0)
        return NULL;
    a = json_array();
    o = json_object();
    bad = a == NULL || o == NULL;
    if (lic.kind == SBOM_LIC_EXPR) {
        bad |= moat_json_set_str(o, "expression", lic.expr);
    } else {
        l = json_object();
        bad |= l == NULL;
        if (lic.kind == SBOM_LIC_ID)
            bad |= moat_json_set_str(l, "id", lic.expr);
        else
            bad |= moat_json_set_str(l, "name", raw);
        bad |= json_object_set_new(o, "license", l);
    }
    bad |= json_array_append_new(a, o);
    sbom_license_free(&lic);
    if (bad) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* What the writer needs to rebuild any bom-ref from its idset entry. */
struct cdx {
    const struct moat_image_meta *meta;
    const struct moat_inventory *inv;
    struct sbom_idset refs; /* owners: CDX_IMAGE, CDX_OS, CDX_PKG + package index */
};

enum { CDX_IMAGE = 0, CDX_OS = 1, CDX_PKG = 2 };

/* The bom-ref the image would take when free: its purl, else its digest. Caller frees. */
static char *cdx_image_key(const struct moat_image_meta *m)
{
    const char *digest = m->manifest_digest != NULL ? m->manifest_digest : m->config_digest;
    char *purl = sbom_purl_image(m);

    if (purl != NULL)
        return purl;
    return strdup(digest != NULL ? digest : "moat:image");
}

/* "os:<id>@<version_id>", repaired to valid UTF-8 as it is image text. Caller frees. */
static char *cdx_os_key(const struct moat_os *os)
{
    char *key = NULL, *out = NULL;
    json_t *k;

    if (asprintf(&key, "os:%s@%s", os->id, os->version_id != NULL ? os->version_id : "") < 0)
        return NULL;
    k = moat_json_str(key);
    if (k != NULL)
        out = strdup(json_string_value(k));
    json_decref(k);
    free(key);
    return out;
}

/* key, or key + "#" + n when n > 0. Caller frees. */
static char *cdx_ref(const char *key, uint32_t n)
{
    char *ref = NULL;

    if (n == 0)
        return strdup(key);
    if (asprintf(&ref, "%s#%lu", key, (unsigned long)n) < 0)
        return NULL;
    return ref;
}

/* sbom_idset_text_fn: rebuild an assigned bom-ref. */
static int cdx_ref_text(void *arg, const struct sbom_identry *e, struct moat_buf *out)
{
    struct cdx *c = arg;
    char *key;
    int r;

    if (e->owner == CDX_IMAGE)
        key = cdx_image_key(c->meta);
    else if (e->owner == CDX_OS)
        key = cdx_os_key(&c->inv->os);
    else if (e->owner - CDX_PKG < c->inv->n_pkgs)
        key = moat_purl(&c->inv->pkgs[e->owner - CDX_PKG], &c->inv->os);
    else
        return -1;
    if (key == NULL)
        return -1;
    r = e->aux == 0 ? moat_buf_append(out, key, strlen(key))
                    : moat_buf_appendf(out, "%s#%lu", key, (unsigned long)e->aux);
    free(key);
    return r < 0 ? -1 : 0;
}

/* A unique bom-ref for owner, made from key. Caller frees. */
static char *cdx_assign(struct cdx *c, const char *key, uint32_t owner)
{
    uint32_t n;
    size_t idx;

    if (sbom_idset_unique(&c->refs, key, "#", owner, &n, &idx) < 0)
        return NULL;
    return cdx_ref(key, n);
}

static json_t *cdx_package(struct cdx *c, size_t i)
{
    const struct moat_pkg *p = &c->inv->pkgs[i];
    json_t *o = json_object(), *props = json_array();
    char *purl = moat_purl(p, &c->inv->os), *ref = NULL, *mname = NULL, *memail = NULL;
    int bad = o == NULL || props == NULL || purl == NULL;

    if (!bad)
        ref = cdx_assign(c, purl, (uint32_t)(CDX_PKG + i));
    bad |= ref == NULL;
    bad |= moat_json_set_str(o, "bom-ref", ref);
    bad |= moat_json_set_str(o, "type", "library");
    bad |= moat_json_set_str(o, "name", p->name);
    bad |= moat_json_set_str_opt(o, "version", p->version);
    if (p->maintainer != NULL && p->maintainer[0] != '\0') {
        bad |= sbom_split_maintainer(p->maintainer, &mname, &memail);
        if (mname != NULL) {
            json_t *sup = json_object();
            bad |= sup == NULL || moat_json_set_str(sup, "name", mname) < 0;
            bad |= json_object_set_new(o, "supplier", sup);
        }
        bad |= moat_json_set_str(o, "publisher", p->maintainer);
    }
    bad |= moat_json_set_str_opt(o, "description", p->description);
    if (p->license != NULL && p->license[0] != '\0')
        bad |= json_object_set_new(o, "licenses", cdx_licenses(p->license));
    bad |= moat_json_set_str(o, "purl", purl);
    bad |= add_prop(props, "moat:package:type", sbom_pkg_type_name(p->type));
    bad |= add_prop(props, "moat:package:arch", p->arch);
    if (p->epoch > 0)
        bad |= add_prop_int(props, "moat:package:epoch", (long long)p->epoch);
    bad |= add_prop(props, "moat:package:source_name", p->src_name);
    bad |= add_prop(props, "moat:package:source_version", p->src_version);
    bad |= add_prop(props, "moat:package:db_path", p->db_path);
    if (p->layer >= 0)
        bad |= add_prop_int(props, "moat:layer:index", (long long)p->layer);
    bad |= add_prop(props, "moat:layer:diff_id", sbom_layer_diff_id(c->meta, p));
    bad |= set_props(o, props);
    props = NULL;
    free(purl);
    free(ref);
    free(mname);
    free(memail);
    if (bad) {
        json_decref(props);
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The image as metadata.component; *ref_out gets its bom-ref (caller frees). */
static json_t *cdx_image(struct cdx *c, char **ref_out)
{
    const struct moat_image_meta *m = c->meta;
    json_t *o = json_object(), *props = json_array();
    char *purl = sbom_purl_image(m), *key = cdx_image_key(m);
    const char *digest = m->manifest_digest != NULL ? m->manifest_digest : m->config_digest;
    const char *name = m->name != NULL && m->name[0] != '\0' ? m->name
                       : m->ref != NULL && m->ref[0] != '\0' ? m->ref
                                                             : "image";
    char *ref = NULL;
    size_t i;
    int bad = o == NULL || props == NULL || key == NULL;

    if (!bad)
        ref = cdx_assign(c, key, CDX_IMAGE);
    bad |= ref == NULL;
    bad |= moat_json_set_str(o, "bom-ref", ref);
    bad |= moat_json_set_str(o, "type", "container");
    bad |= moat_json_set_str(o, "name", name);
    bad |= moat_json_set_str_opt(o, "version", digest);
    bad |= moat_json_set_str_opt(o, "purl", purl);
    for (i = 0; i < m->n_tags && !bad; i++)
        bad |= add_prop(props, "moat:image:tag", m->tags[i]);
    bad |= add_prop(props, "moat:image:transport", m->transport);
    bad |= add_prop(props, "moat:image:ref", m->ref);
    bad |= add_prop(props, "moat:image:manifest_digest", m->manifest_digest);
    bad |= add_prop(props, "moat:image:config_digest", m->config_digest);
    bad |= add_prop(props, "moat:image:created", m->created);
    bad |= add_prop(props, "moat:image:os", m->os);
    bad |= add_prop(props, "moat:image:architecture", m->architecture);
    for (i = 0; i < m->n_layers && !bad; i++)
        bad |= add_prop(props, "moat:image:diff_id", m->layers[i].diff_id);
    bad |= set_props(o, props);
    props = NULL;
    free(purl);
    free(key);
    if (bad) {
        json_decref(props);
        free(ref);
        json_decref(o);
        return NULL;
    }
    *ref_out = ref;
    return o;
}

static json_t *cdx_os(struct cdx *c)
{
    const struct moat_os *os = &c->inv->os;
    json_t *o = json_object(), *props = json_array();
    char *key = cdx_os_key(os), *ref = NULL;
    int bad = o == NULL || props == NULL || key == NULL;

    if (!bad)
        ref = cdx_assign(c, key, CDX_OS);
    bad |= ref == NULL;
    bad |= moat_json_set_str(o, "bom-ref", ref);
    bad |= moat_json_set_str(o, "type", "operating-system");
    bad |= moat_json_set_str(o, "name", os->id);
    bad |= moat_json_set_str_opt(o, "version", os->version_id);
    bad |= moat_json_set_str_opt(o, "description", os->pretty_name);
    bad |= add_prop(props, "moat:os:codename", os->codename);
    bad |= set_props(o, props);
    props = NULL;
    free(key);
    free(ref);
    if (bad) {
        json_decref(props);
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *cdx_tools(const struct sbom_ctx *ctx)
{
    json_t *tools = json_object(), *comps = json_array(), *moat = json_object();
    int bad = tools == NULL || comps == NULL || moat == NULL;

    bad |= moat_json_set_str(moat, "type", "application");
    bad |= moat_json_set_str(moat, "author", "moat");
    bad |= moat_json_set_str(moat, "name", "moat");
    bad |= moat_json_set_str(moat, "version", ctx->tool_version);
    bad |= json_array_append_new(comps, moat);
    bad |= json_object_set_new(tools, "components", comps);
    if (bad) {
        json_decref(tools);
        return NULL;
    }
    return tools;
}

static json_t *cdx_metadata(struct cdx *c, const struct sbom_ctx *ctx, char **image_ref)
{
    json_t *md = json_object();
    int bad = md == NULL;

    bad |= moat_json_set_str(md, "timestamp", ctx->timestamp);
    bad |= json_object_set_new(md, "tools", cdx_tools(ctx));
    if (!bad)
        bad |= json_object_set_new(md, "component", cdx_image(c, image_ref));
    if (bad) {
        json_decref(md);
        return NULL;
    }
    return md;
}

/*
 * Streamed: components are written one at a time; the bom-refs they take are
 * kept only as an idset, which also gives the dependencies back in order.
 */
int sbom_write_cyclonedx(FILE *f, const struct moat_image_meta *meta,
                         const struct moat_inventory *inv, const struct sbom_ctx *ctx,
                         struct moat_err *err)
{
    struct cdx c = {meta, inv, {0}};
    struct moat_buf ref = MOAT_BUF_INIT;
    struct sbom_out o;
    char *image_ref = NULL, *serial = NULL;
    size_t i;

    sbom_out_init(&o, f);
    if (inv->n_pkgs >= UINT32_MAX - CDX_PKG ||
        sbom_idset_init(&c.refs, inv->n_pkgs + CDX_PKG, cdx_ref_text, &c) < 0 ||
        asprintf(&serial, "urn:uuid:%s", ctx->uuid) < 0) {
        serial = NULL;
        o.r = -MOAT_E_NOMEM;
    }
    sbom_out_open(&o, NULL, '{');
    sbom_out_str(&o, "$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
    sbom_out_str(&o, "bomFormat", "CycloneDX");
    sbom_out_str(&o, "specVersion", "1.5");
    sbom_out_str(&o, "serialNumber", serial);
    sbom_out_put(&o, "version", json_integer(1));
    if (o.r == 0)
        sbom_out_put(&o, "metadata", cdx_metadata(&c, ctx, &image_ref));
    sbom_out_open(&o, "components", '[');
    if (o.r == 0 && inv->os.id != NULL && inv->os.id[0] != '\0')
        sbom_out_put(&o, NULL, cdx_os(&c));
    for (i = 0; i < inv->n_pkgs && o.r == 0; i++)
        sbom_out_put(&o, NULL, cdx_package(&c, i));
    sbom_out_close(&o);
    sbom_out_open(&o, "dependencies", '[');
    sbom_out_open(&o, NULL, '{');
    sbom_out_str(&o, "ref", image_ref);
    sbom_out_open(&o, "dependsOn", '[');
    /* The image depends on everything after it: the OS, then the packages. */
    for (i = 1; i < c.refs.n && o.r == 0; i++) {
        ref.len = 0;
        if (sbom_idset_text(&c.refs, i, &ref) < 0)
            o.r = -MOAT_E_NOMEM;
        else
            sbom_out_str(&o, NULL, ref.data);
    }
    sbom_out_close(&o);
    sbom_out_close(&o);
    sbom_out_close(&o);
    sbom_out_close(&o);
    moat_buf_free(&ref);
    free(image_ref);
    free(serial);
    sbom_idset_free(&c.refs);
    return sbom_out_end(&o, "CycloneDX", err);
}
