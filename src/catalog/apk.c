/*
 * apk.c - Alpine's lib/apk/db/installed: blank-line separated records of
 * "X:value" lines. Kept: P name, V version, A arch, o origin (source
 * package), L license, m maintainer, T description; F:<dir> then R:<file>
 * lines name the installed files ("dir/file"). Other keys (checksums, modes,
 * dependencies) are skipped. A record without P or V is not a package.
 */
#include "catalog_int.h"

#include <string.h>

#include "moat/base/limits.h"

struct record {
    const unsigned char *name, *ver, *arch, *origin, *lic, *maint, *desc;
    size_t nname, nver, narch, norigin, nlic, nmaint, ndesc;
    size_t line;              /* line of P: */
    const unsigned char *dir; /* current F: */
    size_t ndir;
    struct cat_strv files;
    int any;
};

static void record_reset(struct record *rec)
{
    cat_strv_free(&rec->files);
    memset(rec, 0, sizeof(*rec));
}

static int emit(const char *where, struct record *rec, struct moat_inventory *inv,
                struct moat_err *err)
{
    struct moat_pkg p = {0};
    int r = 0;

    p.layer = -1;
    if (rec->nname == 0 || rec->nver == 0)
        goto out;
    p.type = MOAT_PKG_APK;
#define DUP(src, n, dst)                                                                           \
    if ((n) > 0 && (r = cat_dup(where, rec->line, src, n, &(dst), err)) < 0)                       \
        goto out;
    DUP(rec->name, rec->nname, p.name)
    DUP(rec->ver, rec->nver, p.version)
    DUP(rec->arch, rec->narch, p.arch)
    DUP(rec->lic, rec->nlic, p.license)
    DUP(rec->maint, rec->nmaint, p.maintainer)
    DUP(rec->desc, rec->ndesc, p.description)
#undef DUP
    if (cat_epoch(p.version, &p.epoch) < 0)
        p.epoch = 0; /* apk versions have no epoch; a ':' is just a character */
    if ((r = cat_set_source(&p, where, rec->line, rec->origin, rec->norigin, NULL, 0, err)) < 0)
        goto out;
    cat_strv_to_pkg(&rec->files, &p);
    r = moat_inventory_add(inv, &p, err);
out:
    moat_pkg_free(&p);
    return r;
}

int moat_apk_parse_installed(const char *where, const unsigned char *data, size_t len,
                             struct moat_inventory *inv, struct moat_err *err)
{
    struct record rec;
    struct cat_lines it;
    const unsigned char *line;
    size_t n;
    int r = 0;

    memset(&rec, 0, sizeof(rec));
    cat_lines_init(&it, data, len);
    while (cat_lines_next(&it, &line, &n)) {
        const unsigned char *v = line + 2;
        size_t vn = n >= 2 ? n - 2 : 0;

        if (n == 0) {
            if (rec.any && (r = emit(where, &rec, inv, err)) < 0)
                goto out;
            record_reset(&rec);
            continue;
        }
        if (n > MOAT_MAX_FIELD_LEN) {
            r = moat_err_set(err, MOAT_E_LIMIT, "%s: line %zu: field too long", where, it.lineno);
            goto out;
        }
        if (n < 2 || line[1] != ':') {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: expected 'X:value'", where,
                             it.lineno);
            goto out;
        }
        rec.any = 1;
        switch (line[0]) {
        case 'P':
            rec.name = v, rec.nname = vn, rec.line = it.lineno;
            break;
        case 'V':
            rec.ver = v, rec.nver = vn;
            break;
        case 'A':
            rec.arch = v, rec.narch = vn;
            break;
        case 'o':
            rec.origin = v, rec.norigin = vn;
            break;
        case 'L':
            rec.lic = v, rec.nlic = vn;
            break;
        case 'm':
            rec.maint = v, rec.nmaint = vn;
            break;
        case 'T':
            rec.desc = v, rec.ndesc = vn;
            break;
        case 'F':
            rec.dir = v, rec.ndir = vn;
            break;
        case 'R':
            if (vn > 0 &&
                (r = cat_strv_add_path(&rec.files, where, rec.dir, rec.ndir, v, vn, err)) < 0)
                goto out;
            break;
        default:
            break;
        }
    }
    if (rec.any)
        r = emit(where, &rec, inv, err);
out:
    record_reset(&rec);
    return r;
}
