/*
 * rpm_header.c - one rpm header blob as rpm stores it in its databases:
 *
 *   int32 BE il (index entries), int32 BE dl (data bytes),
 *   il x {int32 tag, int32 type, int32 offset, int32 count} (BE),
 *   dl bytes of data.
 *
 * Every offset and count is checked against dl before use; strings must end
 * with a NUL inside the data store. Region tags (61-63) only describe how
 * the header was signed and are skipped; when a tag appears twice the later
 * entry wins, as rpm's "dribble" entries override the immutable region.
 */
#include "catalog_int.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/buf.h"
#include "moat/base/limits.h"

#define RPM_MAX_INDEX 0xffffu    /* rpm's HEADER_TAGS_MAX */
#define RPM_MAX_DATA 0x0fffffffu /* rpm's HEADER_DATA_MAX */

enum {
    T_INT32 = 4,
    T_STRING = 6,
    T_STRING_ARRAY = 8,
    T_I18NSTRING = 9,
};

enum {
    TAG_NAME = 1000,
    TAG_VERSION = 1001,
    TAG_RELEASE = 1002,
    TAG_EPOCH = 1003,
    TAG_SUMMARY = 1004,
    TAG_VENDOR = 1011,
    TAG_LICENSE = 1014,
    TAG_ARCH = 1022,
    TAG_SOURCERPM = 1044,
    TAG_DIRINDEXES = 1116,
    TAG_BASENAMES = 1117,
    TAG_DIRNAMES = 1118,
};

static const uint32_t wanted[] = {
    TAG_NAME,    TAG_VERSION, TAG_RELEASE,   TAG_EPOCH,      TAG_SUMMARY,   TAG_VENDOR,
    TAG_LICENSE, TAG_ARCH,    TAG_SOURCERPM, TAG_DIRINDEXES, TAG_BASENAMES, TAG_DIRNAMES,
};
#define N_WANTED (sizeof(wanted) / sizeof(wanted[0]))

struct entry {
    uint32_t type, off, count;
    int set;
};

struct hdr {
    const char *where;
    const unsigned char *data; /* the data store */
    uint32_t dl;
    struct entry e[N_WANTED];
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct entry *find(struct hdr *h, uint32_t tag)
{
    for (size_t i = 0; i < N_WANTED; i++) {
        if (wanted[i] == tag)
            return h->e[i].set ? &h->e[i] : NULL;
    }
    return NULL;
}

/* Length of the NUL-terminated string at off, or -1 if it runs past the store. */
static long str_at(const struct hdr *h, uint32_t off)
{
    const unsigned char *nul;

    if (off >= h->dl)
        return -1;
    nul = memchr(h->data + off, '\0', h->dl - off);
    return nul != NULL ? (long)(nul - (h->data + off)) : -1;
}

/* The first string of a STRING or I18NSTRING tag; NULL/0 when absent. */
static int get_str(struct hdr *h, uint32_t tag, const char **s, size_t *n, struct moat_err *err)
{
    struct entry *e = find(h, tag);
    long len;

    *s = NULL;
    *n = 0;
    if (e == NULL)
        return 0;
    if ((e->type != T_STRING && e->type != T_I18NSTRING && e->type != T_STRING_ARRAY) ||
        e->count == 0)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: tag %u: not a string", h->where, tag);
    len = str_at(h, e->off);
    if (len < 0)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: tag %u: string outside the data", h->where,
                            tag);
    if ((size_t)len > MOAT_MAX_FIELD_LEN)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: tag %u: field too long", h->where, tag);
    *s = (const char *)h->data + e->off;
    *n = (size_t)len;
    return 0;
}

/* A STRING_ARRAY: fills offs[0..count) (caller frees). Count 0 / absent -> NULL. */
static int get_strv(struct hdr *h, uint32_t tag, uint32_t **offs, uint32_t *count,
                    struct moat_err *err)
{
    struct entry *e = find(h, tag);
    uint32_t off;

    *offs = NULL;
    *count = 0;
    if (e == NULL || e->count == 0)
        return 0;
    if (e->type != T_STRING_ARRAY)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: tag %u: not a string array", h->where, tag);
    /* Each string takes at least one byte. */
    if (e->count > h->dl - e->off || e->count > MOAT_MAX_FILES_PER_PACKAGE)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: tag %u: count %u out of range", h->where, tag,
                            e->count);
    *offs = malloc((size_t)e->count * sizeof(**offs));
    if (*offs == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", h->where);
    off = e->off;
    for (uint32_t i = 0; i < e->count; i++) {
        long len = str_at(h, off);

        if (len < 0) {
            free(*offs);
            *offs = NULL;
            return moat_err_set(err, MOAT_E_FORMAT, "%s: tag %u: string %u outside the data",
                                h->where, tag, i);
        }
        (*offs)[i] = off;
        off += (uint32_t)len + 1;
    }
    *count = e->count;
    return 0;
}

static int get_int32(struct hdr *h, uint32_t tag, uint32_t i, uint32_t *v, struct moat_err *err)
{
    struct entry *e = find(h, tag);

    if (e == NULL || i >= e->count)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: tag %u: missing", h->where, tag);
    if (e->type != T_INT32 || e->count > (h->dl - e->off) / 4)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: tag %u: bad int32 entry", h->where, tag);
    *v = be32(h->data + e->off + (size_t)i * 4);
    return 0;
}

/* Read the index; keep the entries of the wanted tags. */
static int load(struct hdr *h, const unsigned char *blob, size_t len, struct moat_err *err)
{
    uint32_t il, dl;

    if (len < 8)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: header shorter than 8 bytes", h->where);
    il = be32(blob);
    dl = be32(blob + 4);
    if (il == 0 || il > RPM_MAX_INDEX || dl > RPM_MAX_DATA)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: header counts out of range (il %u, dl %u)",
                            h->where, il, dl);
    if ((uint64_t)il * 16 + dl > len - 8)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: header truncated", h->where);
    h->data = blob + 8 + (size_t)il * 16;
    h->dl = dl;
    for (uint32_t i = 0; i < il; i++) {
        const unsigned char *ent = blob + 8 + (size_t)i * 16;
        uint32_t tag = be32(ent);

        for (size_t k = 0; k < N_WANTED; k++) {
            if (wanted[k] != tag)
                continue;
            h->e[k].type = be32(ent + 4);
            h->e[k].off = be32(ent + 8);
            h->e[k].count = be32(ent + 12);
            if (h->e[k].off >= dl)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: tag %u: offset %u outside the data",
                                    h->where, tag, h->e[k].off);
            h->e[k].set = 1;
            break;
        }
    }
    return 0;
}

static int dup_n(const char *where, const char *s, size_t n, char **out, struct moat_err *err)
{
    return s != NULL && n > 0 ? cat_dup(where, 0, s, n, out, err) : 0;
}

/* "name-version-release.src.rpm" -> name, "[epoch:]version-release". */
static int source_rpm(struct hdr *h, struct moat_pkg *p, const char *s, size_t n,
                      struct moat_err *err)
{
    struct moat_buf b = MOAT_BUF_INIT;
    const char *d1 = NULL, *d2 = NULL;
    int r = 0;

    if (n > 8 && memcmp(s + n - 8, ".src.rpm", 8) == 0)
        n -= 8;
    else if (n > 10 && memcmp(s + n - 10, ".nosrc.rpm", 10) == 0)
        n -= 10;
    else
        return 0; /* not the usual form: leave the source unknown */
    for (size_t i = n; i-- > 0;) {
        if (s[i] != '-')
            continue;
        if (d2 == NULL) {
            d2 = s + i;
        } else {
            d1 = s + i;
            break;
        }
    }
    if (d1 == NULL || d1 == s)
        return 0;
    b.max = MOAT_MAX_FIELD_LEN;
    if (p->epoch > 0)
        r = moat_buf_appendf(&b, "%u:", p->epoch);
    if (r == 0)
        r = moat_buf_append(&b, d1 + 1, (size_t)(s + n - (d1 + 1)));
    if (r < 0) {
        r = moat_err_set(err, -r, "%s: SOURCERPM too long", h->where);
        goto out;
    }
    r = cat_set_source(p, h->where, 0, s, (size_t)(d1 - s), b.data, b.len, err);
out:
    moat_buf_free(&b);
    return r;
}

static int files(struct hdr *h, struct moat_pkg *p, struct moat_err *err)
{
    struct cat_strv fv = {0};
    uint32_t *base = NULL, *dirs = NULL, nbase, ndirs;
    int r;

    if ((r = get_strv(h, TAG_BASENAMES, &base, &nbase, err)) < 0)
        goto out;
    if (nbase == 0)
        goto out;
    if ((r = get_strv(h, TAG_DIRNAMES, &dirs, &ndirs, err)) < 0)
        goto out;
    for (uint32_t i = 0; i < nbase; i++) {
        uint32_t di;
        const char *bn = (const char *)h->data + base[i];
        const char *dn;

        if ((r = get_int32(h, TAG_DIRINDEXES, i, &di, err)) < 0)
            goto out;
        if (di >= ndirs) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: file %u: directory index %u out of range",
                             h->where, i, di);
            goto out;
        }
        dn = (const char *)h->data + dirs[di];
        if ((r = cat_strv_add_path(&fv, h->where, dn, strlen(dn), bn, strlen(bn), err)) < 0)
            goto out;
    }
    cat_strv_to_pkg(&fv, p);
out:
    cat_strv_free(&fv);
    free(base);
    free(dirs);
    return r;
}

int moat_rpm_parse_header(const char *where, const unsigned char *blob, size_t len,
                          struct moat_pkg *out, struct moat_err *err)
{
    struct hdr h;
    struct moat_pkg p = {0};
    struct moat_buf ver = MOAT_BUF_INIT;
    const char *s, *v, *rel;
    size_t n, vn, reln;
    int r;

    memset(&h, 0, sizeof(h));
    h.where = where;
    p.layer = -1;
    p.type = MOAT_PKG_RPM;
    if ((r = load(&h, blob, len, err)) < 0)
        goto out;
    if ((r = get_str(&h, TAG_NAME, &s, &n, err)) < 0 || (r = dup_n(where, s, n, &p.name, err)) < 0)
        goto out;
    if ((r = get_str(&h, TAG_VERSION, &v, &vn, err)) < 0 ||
        (r = get_str(&h, TAG_RELEASE, &rel, &reln, err)) < 0)
        goto out;
    if (p.name == NULL || vn == 0) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: header without name or version", where);
        goto out;
    }
    if (find(&h, TAG_EPOCH) != NULL && (r = get_int32(&h, TAG_EPOCH, 0, &p.epoch, err)) < 0)
        goto out;
    ver.max = MOAT_MAX_FIELD_LEN;
    r = p.epoch > 0 ? moat_buf_appendf(&ver, "%u:", p.epoch) : 0;
    if (r == 0)
        r = moat_buf_append(&ver, v, vn);
    if (r == 0 && reln > 0)
        r = moat_buf_append(&ver, "-", 1);
    if (r == 0 && reln > 0)
        r = moat_buf_append(&ver, rel, reln);
    if (r < 0) {
        r = moat_err_set(err, -r, "%s: version too long", where);
        goto out;
    }
    p.version = moat_buf_steal(&ver, NULL);
    if (p.version == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
        goto out;
    }
#define STR(tag, dst)                                                                              \
    if ((r = get_str(&h, tag, &s, &n, err)) < 0 || (r = dup_n(where, s, n, &(dst), err)) < 0)      \
        goto out;
    STR(TAG_ARCH, p.arch)
    STR(TAG_LICENSE, p.license)
    STR(TAG_VENDOR, p.maintainer)
    STR(TAG_SUMMARY, p.description)
#undef STR
    if ((r = get_str(&h, TAG_SOURCERPM, &s, &n, err)) < 0)
        goto out;
    if (s != NULL && (r = source_rpm(&h, &p, s, n, err)) < 0)
        goto out;
    if ((r = files(&h, &p, err)) < 0)
        goto out;
    *out = p;
    memset(&p, 0, sizeof(p));
out:
    moat_buf_free(&ver);
    moat_pkg_free(&p);
    return r;
}
