/*
 * spdx.c - SPDX 2.3 JSON (spdx-schema.json of spdx-spec v2.3).
 *
 * Packages: the image (primaryPackagePurpose CONTAINER), the distro
 * (OPERATING_SYSTEM, as the JSON schema spells it) and one LIBRARY per inventory package;
 * relationships: the document DESCRIBES the image, the image CONTAINS the rest. SPDXIDs use only
 * [A-Za-z0-9.-] and are made unique with a "-N" suffix. licenseDeclared is always a valid
 * expression (license.c), NOASSERTION when nothing is recorded; every LicenseRef it uses is defined
 * in hasExtractedLicensingInfos with the recorded text. Files are not listed: SPDX 2.3 requires a
 * checksum per file, which the package databases do not give for every file, and packages are
 * filesAnalyzed=false.
 */
#include "sbom_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/buf.h"
#include "moat/base/error.h"

/* What the writer needs to rebuild any SPDXID or LicenseRef from its idset entry. */
struct spdx {
    const struct moat_image_meta *meta;
    const struct moat_inventory *inv;
    struct sbom_idset ids;     /* owners: SPDX_DOC, SPDX_IMAGE, SPDX_OS, SPDX_PKG + index */
    struct sbom_idset licrefs; /* owner: package index; aux: index in its license's refs */
};

enum { SPDX_DOC = 0, SPDX_IMAGE = 1, SPDX_OS = 2, SPDX_PKG = 3 };

/* "SPDXRef-" + the parts of owner's id joined by '-', each character outside [A-Za-z0-9.-] as '-'.
 */
static int spdx_base(const struct spdx *c, uint32_t owner, struct moat_buf *b)
{
    const char *parts[5] = {NULL};
    size_t i, n = 1;
    int r = moat_buf_append(b, "SPDXRef", 7);

    if (owner == SPDX_DOC) {
        parts[0] = "DOCUMENT";
    } else if (owner == SPDX_IMAGE) {
        parts[0] = "Image";
    } else if (owner == SPDX_OS) {
        parts[0] = "OperatingSystem";
    } else if (owner - SPDX_PKG < c->inv->n_pkgs) {
        const struct moat_pkg *p = &c->inv->pkgs[owner - SPDX_PKG];

        parts[0] = "Package";
        parts[1] = sbom_pkg_type_name(p->type);
        parts[2] = p->name;
        parts[3] = p->version;
        parts[4] = p->arch;
        n = 5;
    } else {
        return -1;
    }
    for (i = 0; i < n && r == 0; i++) {
        size_t from = b->len, j;

        if (parts[i] == NULL || parts[i][0] == '\0')
            continue;
        r = moat_buf_append(b, "-", 1);
        if (r == 0)
            r = moat_buf_append(b, parts[i], strlen(parts[i]));
        for (j = from + 1; j < b->len && r == 0; j++) {
            unsigned char ch = (unsigned char)b->data[j];

            if (!(isascii(ch) && (isalnum(ch) || ch == '.' || ch == '-')))
                b->data[j] = '-';
        }
    }
    return r < 0 ? -1 : 0;
}

/* sbom_idset_text_fn: rebuild an assigned SPDXID. */
static int spdx_id_text(void *arg, const struct sbom_identry *e, struct moat_buf *out)
{
    if (spdx_base(arg, e->owner, out) < 0)
        return -1;
    if (e->aux > 0 && moat_buf_appendf(out, "-%lu", (unsigned long)e->aux) < 0)
        return -1;
    return 0;
}

/* owner's SPDXID, unique in the document ("-N" suffix). Caller frees. */
static char *spdx_id(struct spdx *c, uint32_t owner)
{
    struct moat_buf b = MOAT_BUF_INIT;
    char *id = NULL;
    uint32_t n;
    size_t idx;

    if (spdx_base(c, owner, &b) == 0 &&
        sbom_idset_unique(&c->ids, b.data, "-", owner, &n, &idx) == 0 &&
        (n == 0 || moat_buf_appendf(&b, "-%lu", (unsigned long)n) == 0))
        id = moat_buf_steal(&b, NULL);
    moat_buf_free(&b);
    return id;
}

/* sbom_idset_text_fn: rebuild a LicenseRef id from the license it came from. */
static int spdx_licref_text(void *arg, const struct sbom_identry *e, struct moat_buf *out)
{
    const struct spdx *c = arg;
    struct sbom_license lic;
    int r = -1;

    if (e->owner >= c->inv->n_pkgs || sbom_license_parse(c->inv->pkgs[e->owner].license, &lic) < 0)
        return -1;
    if (e->aux < lic.n_refs)
        r = moat_buf_append(out, lic.refs[e->aux].id, strlen(lic.refs[e->aux].id)) < 0 ? -1 : 0;
    sbom_license_free(&lic);
    return r;
}

static json_t *spdx_rel(const char *from, const char *type, const char *to)
{
    json_t *o = json_object();
    int bad = o == NULL;

    bad |= moat_json_set_str(o, "spdxElementId", from);
    bad |= moat_json_set_str(o, "relationshipType", type);
    bad |= moat_json_set_str(o, "relatedSpdxElement", to);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int add_purl_ref(json_t *pkg, const char *purl)
{
    json_t *refs, *o;
    int bad;

    if (purl == NULL)
        return 0;
    refs = json_array();
    o = json_object();
    bad = refs == NULL || o == NULL;
    bad |= moat_json_set_str(o, "referenceCategory", "PACKAGE-MANAGER");
    bad |= moat_json_set_str(o, "referenceType", "purl");
    bad |= moat_json_set_str(o, "referenceLocator", purl);
    bad |= json_array_append_new(refs, o);
    bad |= json_object_set_new(pkg, "externalRefs", refs);
    return bad ? -1 : 0;
}

/* The fields every package here shares: nothing downloaded, nothing analysed or concluded. */
static json_t *spdx_pkg_base(const char *id, const char *name, const char *purpose)
{
    json_t *o = json_object();
    int bad = o == NULL;

    bad |= moat_json_set_str(o, "SPDXID", id);
    bad |= moat_json_set_str(o, "name", name != NULL && name[0] != '\0' ? name : "unknown");
    bad |= moat_json_set_str(o, "downloadLocation", "NOASSERTION");
    bad |= json_object_set_new(o, "filesAnalyzed", json_false());
    bad |= moat_json_set_str(o, "licenseConcluded", "NOASSERTION");
    bad |= moat_json_set_str(o, "copyrightText", "NOASSERTION");
    bad |= moat_json_set_str(o, "primaryPackagePurpose", purpose);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* licenseDeclared; each LicenseRef it uses is remembered (with the first package using it). */
static int spdx_license(struct spdx *c, json_t *pkg, size_t pkg_index)
{
    struct sbom_license lic;
    size_t i, idx;
    int bad = 0;

    if (sbom_license_parse(c->inv->pkgs[pkg_index].license, &lic) < 0)
        return -1;
    bad |= moat_json_set_str(pkg, "licenseDeclared", lic.expr != NULL ? lic.expr : "NOASSERTION");
    for (i = 0; i < lic.n_refs && !bad; i++)
        bad |=
            sbom_idset_add(&c->licrefs, lic.refs[i].id, (uint32_t)pkg_index, (uint32_t)i, &idx) < 0;
    sbom_license_free(&lic);
    return bad ? -1 : 0;
}

/* One hasExtractedLicensingInfos entry: the text of LicenseRef number idx. */
static json_t *spdx_extracted(struct spdx *c, size_t idx)
{
    const struct sbom_identry *e = &c->licrefs.e[idx];
    struct sbom_license lic;
    json_t *o;
    int bad;

    if (sbom_license_parse(c->inv->pkgs[e->owner].license, &lic) < 0)
        return NULL;
    o = json_object();
    bad = o == NULL || e->aux >= lic.n_refs;
    if (!bad) {
        bad |= moat_json_set_str(o, "licenseId", lic.refs[e->aux].id);
        bad |= moat_json_set_str(o, "extractedText", lic.refs[e->aux].text);
        bad |= moat_json_set_str(o, "name", lic.refs[e->aux].text);
    }
    sbom_license_free(&lic);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int spdx_supplier(json_t *pkg, const char *maintainer)
{
    struct moat_buf b = MOAT_BUF_INIT;
    char *name = NULL, *email = NULL;
    int bad = 0;

    if (maintainer != NULL && sbom_split_maintainer(maintainer, &name, &email) < 0)
        return -1;
    if (name != NULL) {
        bad |= email != NULL ? moat_buf_appendf(&b, "Organization: %s (%s)", name, email) < 0
                             : moat_buf_appendf(&b, "Organization: %s", name) < 0;
        bad |= moat_json_set_str(pkg, "supplier", b.data);
    } else {
        bad |= moat_json_set_str(pkg, "supplier", "NOASSERTION");
    }
    moat_buf_free(&b);
    free(name);
    free(email);
    return bad ? -1 : 0;
}

static json_t *spdx_package(struct spdx *c, size_t i)
{
    const struct moat_pkg *p = &c->inv->pkgs[i];
    char *id = spdx_id(c, (uint32_t)(SPDX_PKG + i)), *purl = moat_purl(p, &c->inv->os);
    struct moat_buf src = MOAT_BUF_INIT;
    json_t *o = id != NULL ? spdx_pkg_base(id, p->name, "LIBRARY") : NULL;
    int bad = o == NULL || purl == NULL;

    bad |= moat_json_set_str_opt(o, "versionInfo", p->version);
    bad |= spdx_supplier(o, p->maintainer);
    bad |= spdx_license(c, o, i);
    if ((p->src_name != NULL && (p->name == NULL || strcmp(p->src_name, p->name) != 0)) ||
        (p->src_version != NULL &&
         (p->version == NULL || strcmp(p->src_version, p->version) != 0))) {
        bad |= moat_buf_appendf(&src, "built package from: %s %s",
                                p->src_name != NULL ? p->src_name : p->name,
                                p->src_version != NULL ? p->src_version
                                : p->version != NULL   ? p->version
                                                       : "") < 0;
        bad |= moat_json_set_str(o, "sourceInfo", src.data);
    }
    bad |= moat_json_set_str_opt(o, "summary", p->description);
    bad |= add_purl_ref(o, purl);
    moat_buf_free(&src);
    free(purl);
    free(id);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *spdx_image(struct spdx *c, char **id_out)
{
    const struct moat_image_meta *m = c->meta;
    const char *digest = m->manifest_digest != NULL ? m->manifest_digest : m->config_digest;
    char *id = spdx_id(c, SPDX_IMAGE), *purl = sbom_purl_image(m);
    json_t *o =
        id != NULL ? spdx_pkg_base(id, m->name != NULL ? m->name : m->ref, "CONTAINER") : NULL;
    int bad = o == NULL;

    bad |= moat_json_set_str_opt(o, "versionInfo", digest);
    bad |= moat_json_set_str(o, "supplier", "NOASSERTION");
    bad |= moat_json_set_str(o, "licenseDeclared", "NOASSERTION");
    bad |= add_purl_ref(o, purl);
    free(purl);
    if (bad) {
        free(id);
        json_decref(o);
        return NULL;
    }
    *id_out = id;
    return o;
}

static json_t *spdx_os(struct spdx *c)
{
    const struct moat_os *os = &c->inv->os;
    char *id = spdx_id(c, SPDX_OS);
    json_t *o = id != NULL ? spdx_pkg_base(id, os->id, "OPERATING_SYSTEM") : NULL;
    int bad = o == NULL;

    bad |= moat_json_set_str_opt(o, "versionInfo", os->version_id);
    bad |= moat_json_set_str(o, "supplier", "NOASSERTION");
    bad |= moat_json_set_str(o, "licenseDeclared", "NOASSERTION");
    bad |= moat_json_set_str_opt(o, "description", os->pretty_name);
    free(id);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *spdx_creation(const struct sbom_ctx *ctx)
{
    json_t *ci = json_object(), *creators = json_array();
    char *tool = NULL;
    int bad = ci == NULL || creators == NULL;

    if (asprintf(&tool, "Tool: moat-%s", ctx->tool_version) < 0)
        tool = NULL;
    bad |= tool == NULL;
    bad |= moat_json_set_str(ci, "created", ctx->timestamp);
    bad |= json_array_append_new(creators, moat_json_str(tool));
    bad |= json_object_set_new(ci, "creators", creators);
    free(tool);
    if (bad) {
        json_decref(ci);
        return NULL;
    }
    return ci;
}

/* https://moat.invalid/spdx/<name, URI-safe>-<uuid>: unique per document. */
static char *spdx_namespace(const char *name, const char *uuid)
{
    struct moat_buf b = MOAT_BUF_INIT;
    const char *s;
    int r = moat_buf_append(&b, "https://moat.invalid/spdx/", 26);

    for (s = name; s != NULL && *s != '\0' && r == 0; s++) {
        unsigned char c = (unsigned char)*s;
        char o = (isascii(c) && (isalnum(c) || c == '.' || c == '-' || c == '_')) ? (char)c : '-';
        r = moat_buf_append(&b, &o, 1);
    }
    if (r == 0)
        r = moat_buf_appendf(&b, "%s%s", name != NULL && name[0] != '\0' ? "-" : "", uuid);
    if (r < 0) {
        moat_buf_free(&b);
        return NULL;
    }
    return moat_buf_steal(&b, NULL);
}

/*
 * Streamed: packages are written one at a time. The SPDXIDs and LicenseRefs
 * they use are kept only as idsets, from which the LicenseRef definitions and
 * the relationships are written after the packages.
 */
int sbom_write_spdx(FILE *f, const struct moat_image_meta *meta, const struct moat_inventory *inv,
                    const struct sbom_ctx *ctx, struct moat_err *err)
{
    struct spdx c = {meta, inv, {0}, {0}};
    struct moat_buf id = MOAT_BUF_INIT;
    struct sbom_out o;
    const char *name = meta->name != NULL && meta->name[0] != '\0' ? meta->name
                       : meta->ref != NULL                         ? meta->ref
                                                                   : "image";
    char *ns = spdx_namespace(name, ctx->uuid), *image_id = NULL, *doc_id = NULL;
    size_t i;

    sbom_out_init(&o, f);
    if (ns == NULL || inv->n_pkgs >= UINT32_MAX - SPDX_PKG ||
        sbom_idset_init(&c.ids, inv->n_pkgs + SPDX_PKG, spdx_id_text, &c) < 0 ||
        sbom_idset_init(&c.licrefs, 0, spdx_licref_text, &c) < 0 ||
        (doc_id = spdx_id(&c, SPDX_DOC)) == NULL)
        o.r = -MOAT_E_NOMEM;
    sbom_out_open(&o, NULL, '{');
    sbom_out_str(&o, "spdxVersion", "SPDX-2.3");
    sbom_out_str(&o, "dataLicense", "CC0-1.0");
    sbom_out_str(&o, "SPDXID", doc_id);
    sbom_out_str(&o, "name", name);
    sbom_out_str(&o, "documentNamespace", ns);
    sbom_out_put(&o, "creationInfo", spdx_creation(ctx));
    sbom_out_open(&o, "packages", '[');
    if (o.r == 0)
        sbom_out_put(&o, NULL, spdx_image(&c, &image_id));
    if (o.r == 0 && inv->os.id != NULL && inv->os.id[0] != '\0')
        sbom_out_put(&o, NULL, spdx_os(&c));
    for (i = 0; i < inv->n_pkgs && o.r == 0; i++)
        sbom_out_put(&o, NULL, spdx_package(&c, i));
    sbom_out_close(&o);
    if (c.licrefs.n > 0) {
        sbom_out_open(&o, "hasExtractedLicensingInfos", '[');
        for (i = 0; i < c.licrefs.n && o.r == 0; i++)
            sbom_out_put(&o, NULL, spdx_extracted(&c, i));
        sbom_out_close(&o);
    }
    sbom_out_open(&o, "relationships", '[');
    sbom_out_put(&o, NULL, spdx_rel(doc_id, "DESCRIBES", image_id));
    /* The image contains everything after it: the OS, then the packages. */
    for (i = SPDX_IMAGE + 1; i < c.ids.n && o.r == 0; i++) {
        id.len = 0;
        if (sbom_idset_text(&c.ids, i, &id) < 0)
            o.r = -MOAT_E_NOMEM;
        else
            sbom_out_put(&o, NULL, spdx_rel(image_id, "CONTAINS", id.data));
    }
    sbom_out_close(&o);
    sbom_out_close(&o);
    moat_buf_free(&id);
    free(ns);
    free(doc_id);
    free(image_id);
    sbom_idset_free(&c.ids);
    sbom_idset_free(&c.licrefs);
    return sbom_out_end(&o, "SPDX", err);
}
