/*
 * read.c - stored SBOMs back into an inventory (sbom_read.h). The purl is
 * the identity of each package; the source package comes from the tool's own
 * properties (moat:package:source_*, Trivy's aquasecurity:trivy:Src*), from
 * SPDX sourceInfo "built package from: NAME VERSION" (moat, Syft), or from
 * Syft's purl qualifier upstream=NAME[@VERSION]. The OS comes from the
 * operating-system component / package, else from the purls' distro=ID-VER.
 * moat's own JSON (docs/sbom-json.md) is read field by field: type, name,
 * version, arch, source_name/source_version, license, epoch, db_path, and
 * the OS from "distro".
 */
#include "moat/sbom/sbom_read.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/base/json_stream.h"
#include "moat/base/limits.h"

#define SBOM_MAX_NESTING 16 /* nested CycloneDX components */

/*
 * Streamed: the document is read twice from the file (once to the first
 * key that names the format, usually its first, then for the packages), one
 * component or package at a time; memory is bounded by the largest
 * component, never by the document. The bounds: 4 GiB of JSON, 8 MiB per
 * component (with its nested components), 4 million components, strings of
 * MOAT_MAX_FIELD_LEN; the inventory itself stops at MOAT_MAX_PACKAGES.
 */
static const struct moat_json_limits SBOM_LIMITS = {
    .max_bytes = 4ull << 30,
    .max_value = 8u << 20,
    .max_items = 4000000,
    .max_depth = MOAT_MAX_JSON_DEPTH,
    .max_string = MOAT_MAX_FIELD_LEN,
};

enum sbom_kind { SBOM_UNKNOWN = 0, SBOM_CYCLONEDX, SBOM_SPDX, SBOM_MOAT };

struct reader {
    const char *path;
    struct moat_inventory *inv;
    struct moat_err *err;
    char *distro; /* first purl distro qualifier seen */
    enum sbom_kind kind;
    bool have_list;      /* the package list's key was seen */
    json_type list_type; /* and what it was */
    char *name;          /* the described artifact */
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
    json_array_foreach(props, i, p)
    {
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
    json_array_foreach(lic, i, l)
    {
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

/* Add p to the inventory (moved), or free it: a name or version missing is out of memory. */
static int keep_pkg(struct reader *r, struct moat_pkg *p)
{
    int rc;

    if (p->name == NULL || p->version == NULL) {
        moat_pkg_free(p);
        return moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
    }
    rc = moat_inventory_add(r->inv, p, r->err);
    if (rc < 0)
        moat_pkg_free(p);
    return rc;
}

/* Build a package from a purl plus what the document says about its source. */
static int add_pkg(struct reader *r, const char *purl, char *src_name, char *src_version,
                   char *license)
{
    struct moat_purl_parts pp;
    struct moat_pkg p = {0};
    const char *q;

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
    return keep_pkg(r, &p);
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

/* One CycloneDX component (and the components nested in it). */
static int cdx_component(struct reader *r, const json_t *c, int depth)
{
    const char *type = str_of(c, "type"), *purl = str_of(c, "purl");
    const json_t *sub = json_object_get(c, "components"), *e;
    size_t i;
    int rc;

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
    if (!json_is_array(sub))
        return 0;
    if (depth >= SBOM_MAX_NESTING)
        return moat_err_set(r->err, MOAT_E_LIMIT, "%s: components nested more than %d deep",
                            r->path, SBOM_MAX_NESTING);
    json_array_foreach(sub, i, e)
    {
        if ((rc = cdx_component(r, e, depth + 1)) < 0)
            return rc;
    }
    return 0;
}

/* One SPDX package: the OS, or a package named by its purl external reference. */
static int spdx_package(struct reader *r, const json_t *p)
{
    const char *purpose = str_of(p, "primaryPackagePurpose");
    const json_t *refs = json_object_get(p, "externalRefs"), *ref;
    size_t j;

    if (purpose != NULL && strcmp(purpose, "OPERATING_SYSTEM") == 0) {
        if (set_os(&r->inv->os, str_of(p, "name"), str_of(p, "versionInfo")) < 0)
            return moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
        return 0;
    }
    if (!json_is_array(refs))
        return 0;
    json_array_foreach(refs, j, ref)
    {
        const char *rt = str_of(ref, "referenceType"), *loc = str_of(ref, "referenceLocator");
        const char *lic = str_of(p, "licenseDeclared");
        char *sn = NULL, *sv = NULL;

        if (rt == NULL || loc == NULL || strcmp(rt, "purl") != 0)
            continue;
        source_from_info(str_of(p, "sourceInfo"), &sn, &sv);
        if (lic != NULL && (strcmp(lic, "NOASSERTION") == 0 || strcmp(lic, "NONE") == 0))
            lic = NULL;
        return add_pkg(r, loc, sn, sv, xstrdup(lic));
    }
    return 0;
}

/* One package of moat's own JSON (docs/sbom-json.md): its fields, no purl parsing. */
static int moat_package(struct reader *r, const json_t *o, size_t index)
{
    const char *type = str_of(o, "type"), *name = str_of(o, "name"), *ver = str_of(o, "version");
    const char *sn = str_of(o, "source_name"), *sv = str_of(o, "source_version");
    const json_t *epoch = json_object_get(o, "epoch");
    struct moat_pkg p = {0};

    if (type == NULL || pkg_type_of(type, &p.type) < 0)
        return 0; /* not an OS package: ignored for now */
    if (name == NULL || *name == '\0' || ver == NULL || *ver == '\0' ||
        (epoch != NULL && !json_is_null(epoch) &&
         (!json_is_integer(epoch) || json_integer_value(epoch) < 0 ||
          json_integer_value(epoch) > UINT32_MAX)))
        return moat_err_set(r->err, MOAT_E_FORMAT,
                            "%s: packages[%zu]: needs a name, a version and an epoch from 0",
                            r->path, index);
    p.epoch = json_is_integer(epoch) ? (uint32_t)json_integer_value(epoch) : 0;
    p.name = strdup(name);
    p.version = strdup(ver);
    p.arch = xstrdup(str_of(o, "arch"));
    /* the writer repeats name/version when the package has no distinct source */
    p.src_name = sn != NULL && strcmp(sn, name) != 0 ? strdup(sn) : NULL;
    p.src_version = sv != NULL && strcmp(sv, ver) != 0 ? strdup(sv) : NULL;
    p.license = xstrdup(str_of(o, "license"));
    p.db_path = xstrdup(str_of(o, "db_path"));
    p.layer = -1;
    return keep_pkg(r, &p);
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
    return strstr(head, "\"bomFormat\"") != NULL || strstr(head, "\"spdxVersion\"") != NULL ||
           strstr(head, "\"moat-sbom/") != NULL;
}

/* Pass 1: which format, from the first of bomFormat, spdxVersion and schema. */
static enum moat_json_pick sniff_pick(void *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, "bomFormat") == 0 || strcmp(key, "spdxVersion") == 0 ||
                   strcmp(key, "schema") == 0
               ? MOAT_JSON_KEEP
               : MOAT_JSON_SKIP;
}

static int sniff_item(void *ctx, const struct moat_json_item *it, struct moat_err *err)
{
    struct reader *r = ctx;
    const char *s = json_string_value(it->value);

    (void)err;
    if (s == NULL || it->key == NULL)
        return 0;
    if (strcmp(it->key, "bomFormat") == 0 && strcmp(s, "CycloneDX") == 0)
        r->kind = SBOM_CYCLONEDX;
    else if (strcmp(it->key, "spdxVersion") == 0 && strncmp(s, "SPDX-2.", 7) == 0)
        r->kind = SBOM_SPDX;
    else if (strcmp(it->key, "schema") == 0 && strcmp(s, "moat-sbom/1") == 0)
        r->kind = SBOM_MOAT;
    return r->kind != SBOM_UNKNOWN ? 1 : 0;
}

/* Pass 2: the list of packages one at a time, and the few small members naming the artifact. */
static const char *const LIST_KEY[] = {
    [SBOM_CYCLONEDX] = "components", [SBOM_SPDX] = "packages", [SBOM_MOAT] = "packages"};

static enum moat_json_pick read_pick(void *ctx, const char *key)
{
    struct reader *r = ctx;

    if (strcmp(key, LIST_KEY[r->kind]) == 0) {
        r->have_list = true;
        return MOAT_JSON_EACH;
    }
    if ((r->kind == SBOM_CYCLONEDX && strcmp(key, "metadata") == 0) ||
        (r->kind == SBOM_SPDX && strcmp(key, "name") == 0) ||
        (r->kind == SBOM_MOAT && (strcmp(key, "image") == 0 || strcmp(key, "distro") == 0)))
        return MOAT_JSON_KEEP;
    return MOAT_JSON_SKIP;
}

static int read_item(void *ctx, const struct moat_json_item *it, struct moat_err *err)
{
    struct reader *r = ctx;
    const json_t *v = it->value;

    (void)err;
    if (it->parent != NULL) {
        if (it->key != NULL) /* the list is an object: not a document of this format */
            return 0;
        if (r->kind == SBOM_CYCLONEDX)
            return cdx_component(r, v, 0);
        if (r->kind == SBOM_SPDX)
            return spdx_package(r, v);
        return moat_package(r, v, it->index);
    }
    if (strcmp(it->key, LIST_KEY[r->kind]) == 0) {
        r->list_type = it->type;
        return 0;
    }
    if (v == NULL)
        return 0;
    if (r->kind == SBOM_MOAT && strcmp(it->key, "distro") == 0)
        return set_os(&r->inv->os, str_of(v, "id"), str_of(v, "version_id")) < 0
                   ? moat_err_set(r->err, MOAT_E_NOMEM, "out of memory")
                   : 0;
    free(r->name);
    r->name = NULL;
    if (r->kind == SBOM_CYCLONEDX)
        r->name = xstrdup(str_of(json_object_get(v, "component"), "name"));
    else if (r->kind == SBOM_SPDX)
        r->name = xstrdup(json_string_value(v));
    else
        r->name = xstrdup(str_of(v, "name"));
    return 0;
}

static int rewind_fd(int fd, const char *path, struct moat_err *err)
{
    if (lseek(fd, 0, SEEK_SET) != 0)
        return moat_err_set(err, MOAT_E_IO, "%s: cannot seek: %s", path, strerror(errno));
    return 0;
}

int moat_sbom_read(const char *path, struct moat_inventory *inv, char **name, struct moat_err *err)
{
    struct reader r = {.path = path, .inv = inv, .err = err};
    struct moat_json_visitor v = {.pick = sniff_pick, .item = sniff_item, .ctx = &r};
    struct stat sb;
    int fd, rc;

    if (name != NULL)
        *name = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", path,
                            strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = moat_err_set(err, MOAT_E_IO, "%s: not a regular file", path);
        goto out;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if ((rc = moat_json_stream_fd(fd, path, &SBOM_LIMITS, &v, err)) < 0)
        goto out;
    if (r.kind == SBOM_UNKNOWN) {
        rc = moat_err_set(err, MOAT_E_FORMAT,
                          "%s: neither a CycloneDX, an SPDX 2.x nor a moat JSON SBOM", path);
        goto out;
    }
    v.pick = read_pick;
    v.item = read_item;
    if ((rc = rewind_fd(fd, path, err)) < 0 ||
        (rc = moat_json_stream_fd(fd, path, &SBOM_LIMITS, &v, err)) < 0)
        goto out;
    if (r.kind != SBOM_CYCLONEDX && (!r.have_list || r.list_type != JSON_ARRAY)) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: %s document has no packages array", path,
                          r.kind == SBOM_SPDX ? "SPDX" : "moat JSON");
        goto out;
    }
    if ((rc = os_from_distro(&r)) < 0) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    moat_inventory_sort(inv);
    if (name != NULL) {
        *name = r.name;
        r.name = NULL;
    }
out:
    close(fd);
    free(r.distro);
    free(r.name);
    return rc;
}
