/*
 * tar_index.c - index the outer tar of docker-archive / oci-archive once:
 * 512-byte ustar headers (checksum verified), pax 'x' records (path,
 * linkpath, size), GNU 'L'/'K' long names and base-256 sizes. Each regular
 * member, symlink and hard link is recorded with its data offset and size,
 * so members are later read with pread, never extracted.
 * Must not allocate more than MOAT_MAX_TAR_HEADER_EXT per extension header,
 * accept a compressed outer tar, or follow a link out of the archive.
 */
#include "source_internal.h"
#include "tar_header.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"

#define BLK TAR_BLOCK

const char *source_compressed_magic(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return "gzip";
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
        return "zstd";
    if (n >= 6 && memcmp(p,
                         "\xfd"
                         "7zXZ\0",
                         6) == 0)
        return "xz";
    if (n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
        memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0)
        return "bzip2";
    return NULL;
}

/* Copy a header string field of at most n bytes. */
static char *field(const unsigned char *f, size_t n)
{
    size_t len = strnlen((const char *)f, n);

    return strndup((const char *)f, len);
}

/* Strip leading "/" and "./" and trailing "/". */
static void normalise(char *s)
{
    size_t skip = 0, len;

    for (;;) {
        if (s[skip] == '/')
            skip++;
        else if (s[skip] == '.' && s[skip + 1] == '/')
            skip += 2;
        else
            break;
    }
    len = strlen(s + skip);
    memmove(s, s + skip, len + 1);
    while (len > 0 && s[len - 1] == '/')
        s[--len] = '\0';
}

static int add_member(struct source_tar_index *ix, char *name, char *link, char type, uint64_t off,
                      uint64_t size, const char *label, struct moat_err *err)
{
    if (ix->n >= SOURCE_MAX_TAR_MEMBERS)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u members", label,
                            SOURCE_MAX_TAR_MEMBERS);
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 32;
        struct source_tar_member *m = realloc(ix->m, cap * sizeof(*m));

        if (m == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
        ix->m = m;
        ix->cap = cap;
    }
    ix->m[ix->n].name = name;
    ix->m[ix->n].link = link;
    ix->m[ix->n].type = type;
    ix->m[ix->n].off = off;
    ix->m[ix->n].size = size;
    ix->n++;
    return 0;
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const struct source_tar_member *)a)->name,
                  ((const struct source_tar_member *)b)->name);
}

/* Read an extension header's data (pax or GNU long name) of size bytes at pos. */
static int read_ext(const struct source_range *r, uint64_t pos, uint64_t size, const char *label,
                    char **out, struct moat_err *err)
{
    struct source_range sub = {r->fd, 0, r->mem, r->off + pos, size};
    size_t len;

    if (size > MOAT_MAX_TAR_HEADER_EXT)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: tar extension header of %llu bytes", label,
                            (unsigned long long)size);
    if (size > r->size - pos)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: truncated tar", label);
    return source_range_load(&sub, MOAT_MAX_TAR_HEADER_EXT, label, out, &len, err);
}

int source_tar_index_build(const struct source_range *r, const char *label,
                           struct source_tar_index *out, struct moat_err *err)
{
    unsigned char h[BLK];
    struct source_tar_pax x = {0};
    char *name = NULL, *link = NULL, *data = NULL;
    uint64_t pos = 0;
    size_t got;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (r->size < BLK) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: too short to be a tar archive", label);
        goto out;
    }
    for (;;) {
        uint64_t size, data_off;
        char type;
        const char *comp;

        if (r->size - pos < BLK) {
            /* no end marker: tolerate a clean end, reject a partial header */
            if (pos == r->size && out->n > 0 && x.path == NULL && x.link == NULL && !x.have_size)
                break;
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: truncated tar archive", label);
            goto out;
        }
        rc = source_range_pread(r, h, BLK, pos, &got, label, err);
        if (rc < 0)
            goto out;
        if (moat_tar_zero_block(h))
            break;
        if (pos == 0 && (comp = source_compressed_magic(h, BLK)) != NULL) {
            rc = moat_err_set(err, MOAT_E_UNSUPPORTED,
                              "%s: %s-compressed archive; decompress it first (docker save, "
                              "podman save and skopeo write uncompressed tars)",
                              label, comp);
            goto out;
        }
        if (!moat_tar_checksum_ok(h)) {
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: bad tar header checksum at offset %llu",
                              label, (unsigned long long)pos);
            goto out;
        }
        if (moat_tar_number(h + TAR_SIZE, 12, &size) < 0) {
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: bad tar size field at offset %llu", label,
                              (unsigned long long)pos);
            goto out;
        }
        type = (char)h[156];
        if (x.have_size && type != 'x' && type != 'L' && type != 'K')
            size = x.size;
        data_off = pos + BLK;
        if (size > r->size - data_off) {
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: tar member at offset %llu is truncated",
                              label, (unsigned long long)pos);
            goto out;
        }
        if (type == 'x' || type == 'L' || type == 'K') {
            rc = read_ext(r, data_off, size, label, &data, err);
            if (rc < 0)
                goto out;
            if (type == 'x') {
                rc = source_tar_pax_parse(data, size, &x, label, err);
                if (rc < 0)
                    goto out;
            } else {
                char **dst = type == 'L' ? &x.path : &x.link;

                free(*dst);
                *dst = data; /* NUL-terminated by range_load; embedded NULs end it */
                data = NULL;
            }
            free(data);
            data = NULL;
        } else if (type == '0' || type == '\0' || type == '7' || type == '1' || type == '2') {
            int ustar = memcmp(h + 257, "ustar\0", 6) == 0; /* POSIX: has a prefix field */

            if (x.path != NULL) {
                name = x.path;
                x.path = NULL;
            } else if (ustar && h[345] != '\0') {
                char *pre = field(h + 345, 155), *base = field(h, 100);

                if (pre != NULL && base != NULL && asprintf(&name, "%s/%s", pre, base) < 0)
                    name = NULL;
                free(pre);
                free(base);
            } else {
                name = field(h, 100);
            }
            if (name == NULL) {
                rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
                goto out;
            }
            if (type == '1' || type == '2') {
                link = x.link != NULL ? x.link : field(h + 157, 100);
                x.link = NULL;
                if (link == NULL) {
                    rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
                    goto out;
                }
                if (type == '1')
                    normalise(link);
            }
            normalise(name);
            if (type == '7' || type == '\0')
                type = '0';
            rc = add_member(out, name, link, type, data_off, type == '0' ? size : 0, label, err);
            if (rc < 0)
                goto out;
            name = link = NULL;
            source_tar_pax_reset(&x);
        } else if (type != 'g') {
            /* directories, devices: nothing to index (global pax headers are ignored) */
            source_tar_pax_reset(&x);
        }
        /* size <= r->size - data_off was checked, so this cannot overflow */
        pos = data_off + ((size + BLK - 1) / BLK) * BLK;
        if (pos > r->size)
            break; /* the last member's padding is missing: tolerated */
    }
    if (out->n > 1)
        qsort(out->m, out->n, sizeof(*out->m), cmp_member);
    for (size_t i = 1; i < out->n; i++) {
        if (strcmp(out->m[i - 1].name, out->m[i].name) == 0) {
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: member \"%.200s\" appears twice", label,
                              out->m[i].name);
            goto out;
        }
    }
out:
    free(name);
    free(link);
    free(data);
    source_tar_pax_reset(&x);
    if (rc < 0)
        source_tar_index_free(out);
    return rc;
}

static const struct source_tar_member *lookup(const struct source_tar_index *ix, const char *name)
{
    struct source_tar_member key = {0};

    key.name = (char *)name;
    if (ix->n == 0)
        return NULL;
    return bsearch(&key, ix->m, ix->n, sizeof(*ix->m), cmp_member);
}

/* Join a symlink target to the directory of `from`, lexically, inside the archive. */
static int join_link(const char *from, const char *target, char *out, size_t cap)
{
    char tmp[MOAT_MAX_PATH_LEN * 2 + 2];
    size_t dlen = 0, o = 0, i = 0, n;
    const char *slash = strrchr(from, '/');

    if (target[0] != '/' && slash != NULL)
        dlen = (size_t)(slash - from) + 1;
    if (dlen + strlen(target) + 1 > sizeof(tmp))
        return -1;
    memcpy(tmp, from, dlen);
    memcpy(tmp + dlen, target, strlen(target) + 1);
    n = strlen(tmp);
    while (i < n) {
        size_t j = i, len;

        while (j < n && tmp[j] != '/')
            j++;
        len = j - i;
        if (len == 0 || (len == 1 && tmp[i] == '.')) {
            /* skip */
        } else if (len == 2 && tmp[i] == '.' && tmp[i + 1] == '.') {
            if (o == 0)
                return -1; /* would leave the archive */
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else {
            if (o + len + 2 > cap)
                return -1;
            if (o > 0)
                out[o++] = '/';
            memcpy(out + o, tmp + i, len);
            o += len;
        }
        i = j + 1;
    }
    out[o] = '\0';
    return 0;
}

int source_tar_find(const struct source_tar_index *ix, const char *name, const char *label,
                    const struct source_tar_member **out, struct moat_err *err)
{
    char cur[MOAT_MAX_PATH_LEN + 1], next[MOAT_MAX_PATH_LEN + 1];
    const struct source_tar_member *m;

    *out = NULL;
    if (join_link("", name, cur, sizeof(cur)) < 0 || cur[0] == '\0')
        return moat_err_set(err, MOAT_E_UNSAFE, "%s: member name \"%.200s\" leaves the archive",
                            label, name);
    for (unsigned hop = 0; hop <= MOAT_MAX_LINK_HOPS; hop++) {
        m = lookup(ix, cur);
        if (m == NULL)
            return moat_err_set(err, MOAT_E_NOTFOUND, "%s: \"%.200s\" missing from archive", label,
                                name);
        if (m->type == '0') {
            *out = m;
            return 0;
        }
        if (join_link(m->type == '2' ? m->name : "", m->link, next, sizeof(next)) < 0 ||
            next[0] == '\0')
            return moat_err_set(err, MOAT_E_UNSAFE, "%s: link \"%.200s\" leaves the archive", label,
                                m->name);
        memcpy(cur, next, strlen(next) + 1);
    }
    return moat_err_set(err, MOAT_E_LIMIT, "%s: too many links resolving \"%.200s\"", label, name);
}

void source_tar_index_free(struct source_tar_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->n; i++) {
        free(ix->m[i].name);
        free(ix->m[i].link);
    }
    free(ix->m);
    memset(ix, 0, sizeof(*ix));
}
