/*
 * alpine_secdb.c - Alpine secdb JSON (secdb.alpinelinux.org/<release>/<repo>.json):
 * {"distroversion": "v3.20", "reponame": "main",
 *  "packages": [{"pkg": {"name": ORIGIN, "secfixes": {"1.2.3-r0": ["CVE-..."]}}}]}
 *
 * secfixes maps the first fixed apk version to the ids it fixes; each becomes
 * an affected row "introduced 0, fixed VERSION" in ecosystem "Alpine:v3.20"
 * for the origin package. Key "0" means the package was never affected and
 * is not stored. An entry may carry extra ids after the first
 * ("CVE-2017-1000229 ZBX-13203"): the first is the record id, the rest are
 * aliases. A file replaces what the same feed ("alpine-secdb:v3.20/main")
 * imported before. A malformed package entry is skipped whole.
 */
#include "vuln_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Validate (write=false) or store (write=true) one package entry: 0, 1 malformed (why set),
 * or a negative database error. */
static int package(struct vdb_imp *im, json_t *pkg, const char *eco, const char *feed, bool write,
                   const char **why, struct moat_err *err)
{
    json_t *p = json_is_object(pkg) ? json_object_get(pkg, "pkg") : NULL, *sf, *ids, *idv;
    const char *name = NULL, *ver;
    size_t i;
    int r;

    if (!json_is_object(p)) {
        *why = "pkg: expected object";
        return 1;
    }
    if (vdb_json_str(p, "name", VDB_MAX_ID_LEN, true, &name, why) < 0 || name == NULL ||
        *name == '\0') {
        if (*why == NULL)
            *why = "pkg.name: missing";
        return 1;
    }
    sf = json_object_get(p, "secfixes");
    if (sf == NULL || json_is_null(sf))
        return 0;
    if (!json_is_object(sf)) {
        *why = "pkg.secfixes: expected object";
        return 1;
    }
    json_object_foreach(sf, ver, ids)
    {
        char ranges[VDB_MAX_VERSION_LEN + 16];

        if (strlen(ver) > VDB_MAX_VERSION_LEN || *ver == '\0' || !vdb_line_safe(ver)) {
            *why = "secfixes: bad version";
            return 1;
        }
        if (ids != NULL && json_is_null(ids))
            continue;
        if (!json_is_array(ids) || json_array_size(ids) > VDB_MAX_ITEMS) {
            *why = "secfixes: expected array of ids";
            return 1;
        }
        snprintf(ranges, sizeof(ranges), "R1\ni0\nf%s\n", ver);
        json_array_foreach(ids, i, idv)
        {
            const char *s = json_string_value(idv);
            char buf[VDB_MAX_ID_LEN * 4];
            const char *aliases[8];
            size_t n_alias = 0;
            char *tok;

            if (!json_is_string(idv) || json_string_length(idv) >= sizeof(buf) ||
                strlen(s) != json_string_length(idv) || !vdb_line_safe(s)) {
                *why = "secfixes: expected id string";
                return 1;
            }
            memcpy(buf, s, json_string_length(idv) + 1);
            for (tok = buf; *tok != '\0' && n_alias < 8;) {
                size_t n;

                tok += strspn(tok, " \t");
                n = strcspn(tok, " \t");
                if (n == 0)
                    break;
                if (tok[n] != '\0')
                    tok[n++] = '\0';
                if (strlen(tok) <= VDB_MAX_ID_LEN)
                    aliases[n_alias++] = tok;
                tok += n;
            }
            if (n_alias == 0) {
                *why = "secfixes: empty id";
                return 1;
            }
            if (strcmp(ver, "0") == 0 || !write)
                continue;
            {
                struct vdb_vuln v = {.id = aliases[0],
                                     .source = VDB_SRC_SECDB,
                                     .feed = feed,
                                     .aliases = aliases + 1,
                                     .n_aliases = n_alias - 1};
                struct vdb_affected a = {.ecosystem = eco, .package = name, .ranges = ranges};
                int64_t vid;

                if ((r = vdb_put_vuln(im, &v, false, &vid, err)) < 0 ||
                    (r = vdb_put_affected(im, vid, v.id, VDB_SRC_SECDB, feed, &a, err)) < 0)
                    return r;
                im->rep->records++;
            }
        }
    }
    return 0;
}

int vdb_secdb_begin(struct vdb_imp *im, const char *name, const char *dv, const char *repo,
                    struct vdb_secdb *sd, struct moat_err *err)
{
    int r;

    if (dv == NULL || *dv == '\0' || strlen(dv) > 64 || strchr(dv, ':') != NULL ||
        !vdb_line_safe(dv))
        return moat_err_set(err, MOAT_E_FORMAT, "%s: distroversion: missing or malformed", name);
    if (repo != NULL && (strlen(repo) > 64 || !vdb_line_safe(repo)))
        return moat_err_set(err, MOAT_E_FORMAT, "%s: reponame: malformed", name);
    snprintf(sd->eco, sizeof(sd->eco), "Alpine:%s%s", dv[0] == 'v' ? "" : "v", dv);
    snprintf(sd->feed, sizeof(sd->feed), "alpine-secdb:%s%s/%s", dv[0] == 'v' ? "" : "v", dv,
             repo && *repo ? repo : "main");
    if ((r = vdb_drop_feed(im, sd->feed, err)) < 0 || (r = vdb_touch_feed(im, sd->feed, err)) < 0)
        return r;
    return 0;
}

int vdb_secdb_package(struct vdb_imp *im, const struct vdb_secdb *sd, const char *name, json_t *pkg,
                      size_t index, struct moat_err *err)
{
    const char *why = NULL;
    int r;

    r = package(im, pkg, sd->eco, sd->feed, false, &why, err);
    if (r == 0)
        r = package(im, pkg, sd->eco, sd->feed, true, &why, err);
    if (r > 0) {
        vdb_skip(im, sd->feed, "%s: packages[%zu]: %s", name, index, why ? why : "malformed");
        r = 0;
    }
    return r;
}
