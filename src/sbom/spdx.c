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

#include "../base/buf.h"
#include "../base/error.h"

struct spdx_state {
    json_t *ids;       /* SPDXIDs used (a set) */
    json_t *licrefs;   /* LicenseRef ids defined (a set) */
    json_t *extracted; /* hasExtractedLicensingInfos */
    json_t *rels;      /* relationships */
};

/* "SPDXRef-" + the parts joined by '-', each character outside [A-Za-z0-9.-] as '-', unique. */
static char *spdx_id(struct spdx_state *st, const char *const *parts, size_t n)
{
    struct moat_buf b = MOAT_BUF_INIT;
    size_t i;
    int r = moat_buf_append(&b, "SPDXRef", 7);
    char *id;

    for (i = 0; i < n && r == 0; i++) {
        const char *s;

        if (parts[i] == NULL || parts[i][0] == '\0')
            continue;
        r = moat_buf_append(&b, "-", 1);
        for (s = parts[i]; *s != '\0' && r == 0; s++) {
            unsigned char c = (unsigned char)*s;
            char o = (isascii(c) && (isalnum(c) || c == '.' || c == '-')) ? (char)c : '-';
            r = moat_buf_append(&b, &o, 1);
        }
    }
    if (r < 0) {
        moat_buf_free(&b);
        return NULL;
    }
    id = sbom_unique(st->ids, b.data, "-");
    moat_buf_free(&b);
    return id;
}

static int add_rel(struct spdx_state *st, const char *from, const char *type, const char *to)
{
    json_t *o = json_object();
    int bad = o == NULL;

    bad |= sbom_set_str(o, "spdxElementId", from);
    bad |= sbom_set_str(o, "relationshipType", type);
    bad |= sbom_set_str(o, "relatedSpdxElement", to);
    bad |= json_array_append_new(st->rels, o);
    return bad ? -1 : 0;
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
    bad |= sbom_set_str(o, "referenceCategory", "PACKAGE-MANAGER");
    bad |= sbom_set_str(o, "referenceType", "purl");
    bad |= sbom_set_str(o, "referenceLocator", purl);
    bad |= json_array_append_new(refs, o);
    bad |= json_object_set_new(pkg, "externalRefs", refs);
    return bad ? -1 : 0;
}

/* The fields every package here shares: nothing downloaded, nothing analysed or concluded. */
static json_t *spdx_pkg_base(const char *id, const char *name, const char *purpose)
{
    json_t *o = json_object();
    int bad = o == NULL;

    bad |= sbom_set_str(o, "SPDXID", id);
    bad |= sbom_set_str(o, "name", name != NULL && name[0] != '\0' ? name : "unknown");
    bad |= sbom_set_str(o, "downloadLocation", "NOASSERTION");
    bad |= json_object_set_new(o, "filesAnalyzed", json_false());
    bad |= sbom_set_str(o, "licenseConcluded", "NOASSERTION");
    bad |= sbom_set_str(o, "copyrightText", "NOASSERTION");
    bad |= sbom_set_str(o, "primaryPackagePurpose", purpose);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int spdx_license(struct spdx_state *st, json_t *pkg, const char *raw)
{
    struct sbom_license lic;
    size_t i;
    int bad = 0;

    if (sbom_license_parse(raw, &lic) < 0)
        return -1;
    bad |= sbom_set_str(pkg, "licenseDeclared", lic.expr != NULL ? lic.expr : "NOASSERTION");
    for (i = 0; i < lic.n_refs && !bad; i++) {
        json_t *o;

        if (json_object_get(st->licrefs, lic.refs[i].id) != NULL)
            continue;
        bad |= json_object_set_new(st->licrefs, lic.refs[i].id, json_true());
        o = json_object();
        bad |= o == NULL;
        bad |= sbom_set_str(o, "licenseId", lic.refs[i].id);
        bad |= sbom_set_str(o, "extractedText", lic.refs[i].text);
        bad |= sbom_set_str(o, "name", lic.refs[i].text);
        bad |= json_array_append_new(st->extracted, o);
    }
    sbom_license_free(&lic);
    return bad ? -1 : 0;
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
        bad |= sbom_set_str(pkg, "supplier", b.data);
    } else {
        bad |= sbom_set_str(pkg, "supplier", "NOASSERTION");
    }
    moat_buf_free(&b);
    free(name);
    free(email);
    return bad ? -1 : 0;
}

static json_t *spdx_package(struct spdx_state *st, const struct moat_os *os,
                            const struct moat_pkg *p, const char *image_id)
{
    const char *parts[5] = {"Package", sbom_pkg_type_name(p->type), p->name, p->version, p->arch};
    char *id = spdx_id(st, parts, 5), *purl = moat_purl(p, os);
    struct moat_buf src = MOAT_BUF_INIT;
    json_t *o = id != NULL ? spdx_pkg_base(id, p->name, "LIBRARY") : NULL;
    int bad = o == NULL || purl == NULL;

    bad |= sbom_set_str_opt(o, "versionInfo", p->version);
    bad |= spdx_supplier(o, p->maintainer);
    bad |= spdx_license(st, o, p->license);
    if ((p->src_name != NULL && (p->name == NULL || strcmp(p->src_name, p->name) != 0)) ||
        (p->src_version != NULL &&
         (p->version == NULL || strcmp(p->src_version, p->version) != 0))) {
        bad |= moat_buf_appendf(&src, "built package from: %s %s",
                                p->src_name != NULL ? p->src_name : p->name,
                                p->src_version != NULL ? p->src_version
                                : p->version != NULL   ? p->version
                                                       : "") < 0;
        bad |= sbom_set_str(o, "sourceInfo", src.data);
    }
    bad |= sbom_set_str_opt(o, "summary", p->description);
    bad |= add_purl_ref(o, purl);
    bad |= add_rel(st, image_id, "CONTAINS", id);
    moat_buf_free(&src);
    free(purl);
    free(id);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *spdx_image(struct spdx_state *st, const struct moat_image_meta *m, char **id_out)
{
    const char *parts[1] = {"Image"};
    const char *digest = m->manifest_digest != NULL ? m->manifest_digest : m->config_digest;
    char *id = spdx_id(st, parts, 1), *purl = moat_purl_image(m);
    json_t *o =
        id != NULL ? spdx_pkg_base(id, m->name != NULL ? m->name : m->ref, "CONTAINER") : NULL;
    int bad = o == NULL;

    bad |= sbom_set_str_opt(o, "versionInfo", digest);
    bad |= sbom_set_str(o, "supplier", "NOASSERTION");
    bad |= sbom_set_str(o, "licenseDeclared", "NOASSERTION");
    bad |= add_purl_ref(o, purl);
    bad |= add_rel(st, "SPDXRef-DOCUMENT", "DESCRIBES", id);
    free(purl);
    if (bad) {
        free(id);
        json_decref(o);
        return NULL;
    }
    *id_out = id;
    return o;
}

static json_t *spdx_os(struct spdx_state *st, const struct moat_os *os, const char *image_id)
{
    const char *parts[1] = {"OperatingSystem"};
    char *id = spdx_id(st, parts, 1);
    json_t *o = id != NULL ? spdx_pkg_base(id, os->id, "OPERATING_SYSTEM") : NULL;
    int bad = o == NULL;

    bad |= sbom_set_str_opt(o, "versionInfo", os->version_id);
    bad |= sbom_set_str(o, "supplier", "NOASSERTION");
    bad |= sbom_set_str(o, "licenseDeclared", "NOASSERTION");
    bad |= sbom_set_str_opt(o, "description", os->pretty_name);
    bad |= add_rel(st, image_id, "CONTAINS", id);
    free(id);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
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

int sbom_write_spdx(FILE *f, const struct moat_image_meta *meta, const struct moat_inventory *inv,
                    const struct sbom_ctx *ctx, struct moat_err *err)
{
    struct spdx_state st = {json_object(), json_object(), json_array(), json_array()};
    json_t *root = json_object(), *ci = json_object(), *creators = json_array();
    json_t *pkgs = json_array();
    const char *name = meta->name != NULL && meta->name[0] != '\0' ? meta->name
                       : meta->ref != NULL                         ? meta->ref
                                                                   : "image";
    char *ns = spdx_namespace(name, ctx->uuid), *image_id = NULL, *tool = NULL;
    size_t i;
    int bad = st.ids == NULL || st.licrefs == NULL || st.extracted == NULL || st.rels == NULL ||
              root == NULL || ci == NULL || creators == NULL || pkgs == NULL || ns == NULL;
    int r;

    if (asprintf(&tool, "Tool: moat-%s", ctx->tool_version) < 0)
        tool = NULL;
    bad |= tool == NULL;
    bad |= json_object_set_new(st.ids, "SPDXRef-DOCUMENT", json_true());
    bad |= sbom_set_str(root, "spdxVersion", "SPDX-2.3");
    bad |= sbom_set_str(root, "dataLicense", "CC0-1.0");
    bad |= sbom_set_str(root, "SPDXID", "SPDXRef-DOCUMENT");
    bad |= sbom_set_str(root, "name", name);
    bad |= sbom_set_str(root, "documentNamespace", ns);
    bad |= sbom_set_str(ci, "created", ctx->timestamp);
    bad |= json_array_append_new(creators, sbom_jstr(tool));
    bad |= json_object_set(ci, "creators", creators);
    bad |= json_object_set(root, "creationInfo", ci);
    if (!bad)
        bad |= json_array_append_new(pkgs, spdx_image(&st, meta, &image_id));
    if (!bad && inv->os.id != NULL && inv->os.id[0] != '\0')
        bad |= json_array_append_new(pkgs, spdx_os(&st, &inv->os, image_id));
    for (i = 0; i < inv->n_pkgs && !bad; i++)
        bad |= json_array_append_new(pkgs, spdx_package(&st, &inv->os, &inv->pkgs[i], image_id));
    bad |= json_object_set(root, "packages", pkgs);
    if (json_array_size(st.extracted) > 0)
        bad |= json_object_set(root, "hasExtractedLicensingInfos", st.extracted);
    bad |= json_object_set(root, "relationships", st.rels);
    if (bad) {
        r = moat_err_set(err, MOAT_E_NOMEM, "sbom: out of memory building SPDX");
        goto out;
    }
    r = sbom_dump(root, f, err);
out:
    free(ns);
    free(tool);
    free(image_id);
    json_decref(st.ids);
    json_decref(st.licrefs);
    json_decref(st.extracted);
    json_decref(st.rels);
    json_decref(pkgs);
    json_decref(creators);
    json_decref(ci);
    json_decref(root);
    return r;
}
