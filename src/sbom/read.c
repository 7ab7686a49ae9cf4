/*
 * read.c - stored SBOMs back into an inventory (sbom_read.h). The purl is
 * the identity of each package; the source package comes from the tool's own
 * properties (moat:package:source_*, Trivy's aquasecurity:trivy:Src*), from
 * SPDX sourceInfo "built package from: NAME VERSION" (moat, Syft), or from
 * Syft's purl qualifier upstream=NAME[@VERSION]. The OS comes from the
 * operating-system component / package, else from the purls' distro=ID-VER.
 */
#include "sbom_read.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/limits.h"

#define SBOM_MAX_BYTES ((size_t)256 << 20)
#define SBOM_MAX_NESTING 16 /* nested CycloneDX components */

struct reader {
    const char *path;
    struct moat_inventory *inv;
    struct moat_err *err;
    char *distro; /* first purl distro qualifier seen */
};

static char *xstrdup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static const char *str_of(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int pkg_type_of(const char *type, enum moat_pkg_type *out)
{
    if (strcmp(type, "deb") == 0)
        *out = MOAT_PKG_DEB;
    else if (strcmp(type, "apk") == 0)
        *out = MOAT_PKG_APK;
    else if (strcmp(type, "rpm") == 0)
        *out = MOAT_PKG_RPM;
    else
        return -1;
    return 0;
}

static uint32_t parse_epoch(const char *s)
{
    uint32_t e = 0;

    for (; s != NULL && *s >= '0' && *s <= '9'; s++) {
        if (e > 100000000u)
            return 0;
        e = e * 10 + (uint32_t)(*s - '0');
    }
    return e;
}

/* "NAME VERSION" after "built package from: " (moat and Syft SPDX sourceInfo). */
static void source_from_info(const char *info, char **name, char **version)
{
    static const char prefix[] = "built package from: ";
    const char *s, *sp;

    if (info == NULL || strncmp(info, prefix, sizeof(prefix) - 1) != 0)
        return;
    s = info + sizeof(prefix) - 1;
    sp = strchr(s, ' ');
    if (sp == NULL) {
        *name = strdup(s);
        return;
    }
    *name = strndup(s, (size_t)(sp - s));
    if (sp[1] != '\0')
        *version = strdup(sp + 1);
}

/* Trivy splits the source version into SrcEpoch, SrcVersion and SrcRelease. */
static char *trivy_src_version(const char *epoch, const char *ver, const char *rel)
{
    char *out = NULL;

    if (ver == NULL)
        return NULL;
    if (asprintf(&out, "%s%s%s%s%s", epoch != NULL && strcmp(epoch, "0") != 0 ? epoch : "",
                 epoch != NULL && strcmp(epoch, "0") != 0 ? ":" : "", ver,
                 rel != NULL && *rel != '\0' ? "-" : "", rel != NULL ? rel : "") < 0)
        return NULL;
    return out;
}

static const char *cdx_prop(const json_t *comp, const char *name)
{
    const json_t *props = json_object_get(comp, "properties"), *p;
    size_t i;

    if (!json_is_array(props))
        return NULL;
    json_array_foreach(props, i, p) {
        const char *n = str_of(p, "name");

        if (n != NULL && strcmp(n, name) == 0)
            return str_of(p, "value");
    }
    return NULL;
}

static char *cdx_license(const json_t *comp)
{
    const json_t *lic = json_object_get(comp, "licenses"), *l;
    size_t i;

    if (!json_is_array(lic))
        return NULL;
    json_array_foreach(lic, i, l) {
        const char *s = str_of(l, "expression");
        const json_t *one = json_object_get(l, "license");

        if (s == NULL)
            s = str_of(one, "id");
        if (s == NULL)
            s = str_of(one, "name");
        if (s != NULL)
            return strdup(s);
    }
    return NULL;
}

/* Build a package from a purl plus what the document says about its source. */
static int add_pkg(struct reader *r, const char *purl, char *src_name, char *src_version,
                   char *license)
{
    struct moat_purl_parts pp;
    struct moat_pkg p = {0};
    const char *q;
    int rc;

    if (moat_purl_parse(purl, &pp, NULL) < 0 || pkg_type_of(pp.type, &p.type) < 0 ||
        pp.version == NULL) {
        if (pp.type != NULL)
            moat_purl_parts_free(&pp);
        free(src_name);
        free(src_version);
        free(license);
        return 0; /* not an OS package: ignored for now */
    }
    p.name = pp.name;
    pp.name = NULL;
    q = moat_purl_qualifier(&pp, "epoch");
    p.epoch = parse_epoch(q);
    if (p.type == MOAT_PKG_RPM && p.epoch > 0) {
        if (asprintf(&p.version, "%u:%s", p.epoch, pp.version) < 0)
            p.version = NULL;
    } else {
        p.version = pp.version;
        pp.version = NULL;
        if (strchr(p.version, ':') != NULL)
            p.epoch = parse_epoch(p.version);
    }
    p.arch = xstrdup(moat_purl_qualifier(&pp, "arch"));
    q = moat_purl_qualifier(&pp, "upstream");
    if (src_name == NULL && q != NULL) {
        const char *at = strchr(q, '@');

        src_name = at != NULL ? strndup(q, (size_t)(at - q)) : strdup(q);
        if (at != NULL && src_version == NULL)
            src_version = strdup(at + 1);
    }
    p.src_name = src_name;
    p.src_version = src_version;
    p.license = license;
    p.layer = -1;
    q = moat_purl_qualifier(&pp, "distro");
    if (r->distro == NULL && q != NULL)
        r->distro = strdup(q);
    if (r->inv->os.id == NULL && pp.namespace_ != NULL && r->distro == NULL)
        r->distro = strdup(pp.namespace_);
    moat_purl_parts_free(&pp);
    if (p.name == NULL || p.version == NULL) {
        moat_pkg_free(&p);
        return moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
    }
    rc = moat_inventory_add(r->inv, &p, r->err);
    if (rc < 0)
        moat_pkg_free(&p);
    return rc;
}

static int set_os(struct moat_os *os, const char *id, const char *version)
{
    if (os->id != NULL || id == NULL)
        return 0;
    os->id = strdup(id);
    if (os->id == NULL)
        return -MOAT_E_NOMEM;
    for (char *c = os->id; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    if (version != NULL && (os->version_id = strdup(version)) == NULL)
        return -MOAT_E_NOMEM;
    return 0;
}

static int cdx_components(struct reader *r, const json_t *comps, int depth)
{
    const json_t *c;
    size_t i;
    int rc;

    if (!json_is_array(comps))
        return 0;
    if (depth > SBOM_MAX_NESTING)
        return moat_err_set(r->err, MOAT_E_LIMIT, "%s: components nested more than %d deep",
                            r->path, SBOM_MAX_NESTING);
    json_array_foreach(comps, i, c) {
        const char *type = str_of(c, "type"), *purl = str_of(c, "purl");

        if (type != NULL && strcmp(type, "operating-system") == 0) {
            if (set_os(&r->inv->os, str_of(c, "name"), str_of(c, "version")) < 0)
                return moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
        } else if (purl != NULL) {
            char *sn = xstrdup(cdx_prop(c, "moat:package:source_name"));
            char *sv = xstrdup(cdx_prop(c, "moat:package:source_version"));

            if (sn == NULL)
                sn = xstrdup(cdx_prop(c, "aquasecurity:trivy:SrcName"));
            if (sv == NULL)
                sv = trivy_src_version(cdx_prop(c, "aquasecurity:trivy:SrcEpoch"),
                                       cdx_prop(c, "aquasecurity:trivy:SrcVersion"),
                                       cdx_prop(c, "aquasecurity:trivy:SrcRelease"));
            if ((rc = add_pkg(r, purl, sn, sv, cdx_license(c))) < 0)
                return rc;
        }
        if ((rc = cdx_components(r, json_object_get(c, "components"), depth + 1)) < 0)
            return rc;
    }
    return 0;
}

static int spdx_packages(struct reader *r, const json_t *pkgs)
{
    const json_t *p;
    size_t i;
    int rc;

    if (!json_is_array(pkgs))
        return moat_err_set(r->err, MOAT_E_FORMAT, "%s: SPDX document has no packages array",
                            r->path);
    json_array_foreach(pkgs, i, p) {
        const char *purpose = str_of(p, "primaryPackagePurpose");
        const json_t *refs = json_object_get(p, "externalRefs"), *ref;
        size_t j;

        if (purpose != NULL && strcmp(purpose, "OPERATING_SYSTEM") == 0) {
            if (set_os(&r->inv->os, str_of(p, "name"), str_of(p, "versionInfo")) < 0)
                return moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
            continue;
        }
        if (!json_is_array(refs))
            continue;
        json_array_foreach(refs, j, ref) {
            const char *rt = str_of(ref, "referenceType"), *loc = str_of(ref, "referenceLocator");
            const char *lic = str_of(p, "licenseDeclared");
            char *sn = NULL, *sv = NULL;

            if (rt == NULL || loc == NULL || strcmp(rt, "purl") != 0)
                continue;
            source_from_info(str_of(p, "sourceInfo"), &sn, &sv);
            if (lic != NULL && (strcmp(lic, "NOASSERTION") == 0 || strcmp(lic, "NONE") == 0))
                lic = NULL;
            if ((rc = add_pkg(r, loc, sn, sv, xstrdup(lic))) < 0)
                return rc;
            break;
        }
    }
    return 0;
}

/* "debian-12.4" -> id debian, version_id 12.4, when no OS component said otherwise. */
static int os_from_distro(struct reader *r)
{
    const char *d = r->distro, *dash;
    char *id;
    int rc;

    if (r->inv->os.id != NULL || d == NULL)
        return 0;
    dash = strchr(d, '-');
    id = dash != NULL ? strndup(d, (size_t)(dash - d)) : strdup(d);
    if (id == NULL)
        return -MOAT_E_NOMEM;
    rc = set_os(&r->inv->os, id, dash != NULL ? dash + 1 : NULL);
    free(id);
    return rc;
}

int moat_sbom_sniff(const char *path)
{
    char head[4096];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL)
        return 0;
    n = fread(head, 1, sizeof(head) - 1, f);
    fclose(f);
    head[n] = '\0';
    if (n == 0 || memchr(head, '\0', n) != NULL)
        return 0;
    return strstr(head, "\"bomFormat\"") != NULL || strstr(head, "\"spdxVersion\"") != NULL;
}

int moat_sbom_read(const char *path, struct moat_inventory *inv, char **name,
                   struct moat_err *err)
{
    struct reader r = {path, inv, err, NULL};
    const char *fmt, *spdx;
    json_t *doc = NULL;
    int rc;

    if (name != NULL)
        *name = NULL;
    rc = moat_json_load_file(path, SBOM_MAX_BYTES, &doc, err);
    if (rc < 0)
        return rc;
    fmt = str_of(doc, "bomFormat");
    spdx = str_of(doc, "spdxVersion");
    if (fmt != NULL && strcmp(fmt, "CycloneDX") == 0) {
        const json_t *meta = json_object_get(doc, "metadata");

        rc = cdx_components(&r, json_object_get(doc, "components"), 0);
        if (rc == 0 && name != NULL)
            *name = xstrdup(str_of(json_object_get(meta, "component"), "name"));
    } else if (spdx != NULL && strncmp(spdx, "SPDX-2.", 7) == 0) {
        rc = spdx_packages(&r, json_object_get(doc, "packages"));
        if (rc == 0 && name != NULL)
            *name = xstrdup(str_of(doc, "name"));
    } else {
        rc = moat_err_set(err, MOAT_E_FORMAT,
                          "%s: neither a CycloneDX nor an SPDX 2.x JSON document", path);
    }
    if (rc == 0 && (rc = os_from_distro(&r)) < 0)
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    if (rc == 0)
        moat_inventory_sort(inv);
    free(r.distro);
    json_decref(doc);
    return rc;
}
