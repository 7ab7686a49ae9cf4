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

#include "../base/error.h"

static int add_prop(json_t *props, const char *name, const char *value)
{
    json_t *o;

    if (value == NULL || value[0] == '\0')
        return 0;
    o = json_object();
    if (o == NULL || sbom_set_str(o, "name", name) < 0 || sbom_set_str(o, "value", value) < 0) {
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
        bad |= sbom_set_str(o, "expression", lic.expr);
    } else {
        l = json_object();
        bad |= l == NULL;
        if (lic.kind == SBOM_LIC_ID)
            bad |= sbom_set_str(l, "id", lic.expr);
        else
            bad |= sbom_set_str(l, "name", raw);
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

static json_t *cdx_package(const struct moat_image_meta *meta, const struct moat_os *os,
                           const struct moat_pkg *p, json_t *refs, json_t *depends)
{
    json_t *o = json_object(), *props = json_array();
    char *purl = moat_purl(p, os), *ref = NULL, *mname = NULL, *memail = NULL;
    int bad = o == NULL || props == NULL || purl == NULL;

    if (!bad)
        ref = sbom_unique(refs, purl, "#");
    bad |= ref == NULL;
    bad |= sbom_set_str(o, "bom-ref", ref);
    bad |= sbom_set_str(o, "type", "library");
    bad |= sbom_set_str(o, "name", p->name);
    bad |= sbom_set_str_opt(o, "version", p->version);
    if (p->maintainer != NULL && p->maintainer[0] != '\0') {
        bad |= sbom_split_maintainer(p->maintainer, &mname, &memail);
        if (mname != NULL) {
            json_t *sup = json_object();
            bad |= sup == NULL || sbom_set_str(sup, "name", mname) < 0;
            bad |= json_object_set_new(o, "supplier", sup);
        }
        bad |= sbom_set_str(o, "publisher", p->maintainer);
    }
    bad |= sbom_set_str_opt(o, "description", p->description);
    if (p->license != NULL && p->license[0] != '\0')
        bad |= json_object_set_new(o, "licenses", cdx_licenses(p->license));
    bad |= sbom_set_str(o, "purl", purl);
    bad |= add_prop(props, "moat:package:type", sbom_pkg_type_name(p->type));
    bad |= add_prop(props, "moat:package:arch", p->arch);
    if (p->epoch > 0)
        bad |= add_prop_int(props, "moat:package:epoch", (long long)p->epoch);
    bad |= add_prop(props, "moat:package:source_name", p->src_name);
    bad |= add_prop(props, "moat:package:source_version", p->src_version);
    bad |= add_prop(props, "moat:package:db_path", p->db_path);
    if (p->layer >= 0)
        bad |= add_prop_int(props, "moat:layer:index", (long long)p->layer);
    bad |= add_prop(props, "moat:layer:diff_id", sbom_layer_diff_id(meta, p));
    bad |= set_props(o, props);
    props = NULL;
    bad |= json_array_append_new(depends, sbom_jstr(ref));
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
static json_t *cdx_image(const struct moat_image_meta *m, json_t *refs, char **ref_out)
{
    json_t *o = json_object(), *props = json_array();
    char *purl = moat_purl_image(m);
    const char *digest = m->manifest_digest != NULL ? m->manifest_digest : m->config_digest;
    const char *name = m->name != NULL && m->name[0] != '\0' ? m->name
                       : m->ref != NULL && m->ref[0] != '\0' ? m->ref
                                                             : "image";
    char *ref = NULL;
    size_t i;
    int bad = o == NULL || props == NULL;

    ref = sbom_unique(refs, purl != NULL ? purl : digest != NULL ? digest : "moat:image", "#");
    bad |= ref == NULL;
    bad |= sbom_set_str(o, "bom-ref", ref);
    bad |= sbom_set_str(o, "type", "container");
    bad |= sbom_set_str(o, "name", name);
    bad |= sbom_set_str_opt(o, "version", digest);
    bad |= sbom_set_str_opt(o, "purl", purl);
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
    free(purl);
    if (bad) {
        free(ref);
        json_decref(o);
        return NULL;
    }
    *ref_out = ref;
    return o;
}

static json_t *cdx_os(const struct moat_os *os, json_t *refs, json_t *depends)
{
    json_t *o = json_object(), *props = json_array();
    char *key = NULL, *ref = NULL;
    int bad = o == NULL || props == NULL;

    if (asprintf(&key, "os:%s@%s", os->id, os->version_id != NULL ? os->version_id : "") < 0)
        key = NULL;
    bad |= key == NULL;
    if (!bad) {
        /* The key is image text: repair it before it becomes an object key. */
        json_t *k = sbom_jstr(key);
        ref = k != NULL ? sbom_unique(refs, json_string_value(k), "#") : NULL;
        json_decref(k);
    }
    bad |= ref == NULL;
    bad |= sbom_set_str(o, "bom-ref", ref);
    bad |= sbom_set_str(o, "type", "operating-system");
    bad |= sbom_set_str(o, "name", os->id);
    bad |= sbom_set_str_opt(o, "version", os->version_id);
    bad |= sbom_set_str_opt(o, "description", os->pretty_name);
    bad |= add_prop(props, "moat:os:codename", os->codename);
    bad |= set_props(o, props);
    bad |= json_array_append_new(depends, sbom_jstr(ref));
    free(key);
    free(ref);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *cdx_tools(const struct sbom_ctx *ctx)
{
    json_t *tools = json_object(), *comps = json_array(), *moat = json_object();
    int bad = tools == NULL || comps == NULL || moat == NULL;

    bad |= sbom_set_str(moat, "type", "application");
    bad |= sbom_set_str(moat, "author", "moat");
    bad |= sbom_set_str(moat, "name", "moat");
    bad |= sbom_set_str(moat, "version", ctx->tool_version);
    bad |= json_array_append_new(comps, moat);
    bad |= json_object_set_new(tools, "components", comps);
    if (bad) {
        json_decref(tools);
        return NULL;
    }
    return tools;
}

int sbom_write_cyclonedx(FILE *f, const struct moat_image_meta *meta,
                         const struct moat_inventory *inv, const struct sbom_ctx *ctx,
                         struct moat_err *err)
{
    json_t *root = json_object(), *md = json_object(), *comps = json_array();
    json_t *deps = json_array(), *dep = json_object(), *depends = json_array();
    json_t *refs = json_object();
    char *image_ref = NULL, *serial = NULL;
    size_t i;
    int bad = root == NULL || md == NULL || comps == NULL || deps == NULL || dep == NULL ||
              depends == NULL || refs == NULL;
    int r;

    if (asprintf(&serial, "urn:uuid:%s", ctx->uuid) < 0)
        serial = NULL;
    bad |= serial == NULL;
    bad |= sbom_set_str(root, "$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
    bad |= sbom_set_str(root, "bomFormat", "CycloneDX");
    bad |= sbom_set_str(root, "specVersion", "1.5");
    bad |= sbom_set_str(root, "serialNumber", serial);
    bad |= json_object_set_new(root, "version", json_integer(1));
    bad |= sbom_set_str(md, "timestamp", ctx->timestamp);
    bad |= json_object_set_new(md, "tools", cdx_tools(ctx));
    if (!bad)
        bad |= json_object_set_new(md, "component", cdx_image(meta, refs, &image_ref));
    bad |= json_object_set(root, "metadata", md);
    if (!bad && inv->os.id != NULL && inv->os.id[0] != '\0')
        bad |= json_array_append_new(comps, cdx_os(&inv->os, refs, depends));
    for (i = 0; i < inv->n_pkgs && !bad; i++)
        bad |=
            json_array_append_new(comps, cdx_package(meta, &inv->os, &inv->pkgs[i], refs, depends));
    bad |= json_object_set(root, "components", comps);
    bad |= sbom_set_str(dep, "ref", image_ref);
    bad |= json_object_set(dep, "dependsOn", depends);
    bad |= json_array_append(deps, dep);
    bad |= json_object_set(root, "dependencies", deps);
    if (bad) {
        r = moat_err_set(err, MOAT_E_NOMEM, "sbom: out of memory building CycloneDX");
        goto out;
    }
    r = sbom_dump(root, f, err);
out:
    free(image_ref);
    free(serial);
    json_decref(refs);
    json_decref(depends);
    json_decref(dep);
    json_decref(deps);
    json_decref(comps);
    json_decref(md);
    json_decref(root);
    return r;
}
