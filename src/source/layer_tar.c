/*
 * layer_tar.c - one layer blob as an entry reader: range -> SHA-256 of the
 * blob -> decompressor (decompress.c, also hashing its output) -> a tar
 * reader working in place on the decompressed chunks -> struct moat_entry.
 * close() drains the rest so both digests cover the whole blob, then
 * compares them with the manifest digest and the config diff_id.
 *
 * The tar reader takes what image tools write (ustar, pax 'x'/'g', GNU
 * 'L'/'K' long names, base-256 numbers, old v7 tars) the way libarchive
 * reads it, with checksums checked; it refuses GNU sparse and multi-volume
 * files. It is ours rather than libarchive's because libarchive 3.6 turns
 * every regular file's name into wide characters through mbrtowc(), about
 * 1.5 s per million files whatever the locale, and copies what we do not
 * need: names here are bytes, as the layer recorded them.
 * Must not write anything to disk or trust the layer before close() said so.
 */
#include "source_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"
#include "tar_header.h"

struct layer_tar {
    struct moat_entry_reader base;
    struct source_range range;
    struct source_blob blob;
    struct source_decomp *dc;
    char *label; /* "<file>: layer N" */
    char *file;
    size_t index;
    char *digest, *diff_id;
    uint64_t size;
    int *busy;
    uint64_t *image_total;
    int failed;
    struct moat_err why; /* the first failure, for close() to repeat */
    int done;
    uint64_t entries;
    /* the decompressed stream: what is left of the last chunk */
    const unsigned char *in;
    size_t in_len;
    int eof;
    /* the current entry */
    uint64_t left, pad;           /* content bytes not read yet, then padding to the block */
    int readable;                 /* a regular file: read() hands out its bytes (else skipped) */
    int pax;                      /* an 'x' or 'g' header came: pax rules for hard-link sizes */
    struct source_tar_pax ext;    /* from the extension headers before the entry */
    unsigned char hdr[TAR_BLOCK]; /* a header that straddles two chunks */
    char name[MOAT_MAX_PATH_LEN + 1]; /* the entry's path, until the next one */
    char link[MOAT_MAX_PATH_LEN + 1];
};

static int fail(struct layer_tar *t, struct moat_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The reader failed with t->why: tell the caller too. */
static int failed(struct layer_tar *t, struct moat_err *err)
{
    t->failed = 1;
    if (t->why.code == 0)
        moat_err_set(&t->why, MOAT_E_IO, "%s: read error", t->label);
    return moat_err_set(err, t->why.code, "%s", moat_err_msg(&t->why));
}

/* Record a failure: "<file>: layer N: entry K: <what>". */
static int fail(struct layer_tar *t, struct moat_err *err, int code, const char *fmt, ...)
{
    char msg[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (t->why.code == 0)
        moat_err_set(&t->why, code, "%s: entry %llu: %s", t->label, (unsigned long long)t->entries,
                     msg);
    return failed(t, err);
}

/* Make in/in_len hold the next chunk when the last one is used up. */
static int fill(struct layer_tar *t, struct moat_err *err)
{
    const unsigned char *p = NULL;
    ssize_t n;

    if (t->in_len > 0 || t->eof)
        return 0;
    n = source_decomp_read(t->dc, &p, &t->why);
    if (n < 0)
        return failed(t, err);
    if (t->image_total != NULL &&
        *t->image_total + source_decomp_total(t->dc) > MOAT_MAX_IMAGE_BYTES) {
        moat_err_set(&t->why, MOAT_E_LIMIT, "%s: image expands to more than %llu bytes", t->label,
                     (unsigned long long)MOAT_MAX_IMAGE_BYTES);
        return failed(t, err);
    }
    if (n == 0)
        t->eof = 1;
    t->in = p;
    t->in_len = (size_t)n;
    return 0;
}

/* Copy n bytes of the stream into buf, or drop them when buf is NULL; running out is truncation. */
static int take(struct layer_tar *t, void *buf, uint64_t n, struct moat_err *err)
{
    unsigned char *o = buf;
    int rc;

    while (n > 0) {
        size_t k;

        if ((rc = fill(t, err)) < 0)
            return rc;
        if (t->in_len == 0)
            return fail(t, err, MOAT_E_FORMAT, "truncated tar archive");
        k = n < t->in_len ? (size_t)n : t->in_len;
        if (o != NULL) {
            memcpy(o, t->in, k);
            o += k;
        }
        t->in += k;
        t->in_len -= k;
        n -= k;
    }
    return 0;
}

static int skip(struct layer_tar *t, uint64_t n, struct moat_err *err)
{
    return take(t, NULL, n, err);
}

/* The next 512-byte block in *h (in the chunk when it fits): 1, 0 at a clean end, <0. */
static int next_block(struct layer_tar *t, const unsigned char **h, struct moat_err *err)
{
    int rc;

    if ((rc = fill(t, err)) < 0)
        return rc;
    if (t->in_len == 0)
        return 0;
    if (t->in_len >= TAR_BLOCK) {
        *h = t->in;
        t->in += TAR_BLOCK;
        t->in_len -= TAR_BLOCK;
        return 1;
    }
    if ((rc = take(t, t->hdr, TAR_BLOCK, err)) < 0)
        return rc;
    *h = t->hdr;
    return 1;
}

static uint64_t padding(uint64_t n)
{
    return (TAR_BLOCK - n % TAR_BLOCK) % TAR_BLOCK;
}

/* An extension header's data ('x', 'L', 'K'), NUL-terminated, and its padding. */
static int ext_data(struct layer_tar *t, uint64_t size, char **out, struct moat_err *err)
{
    char *d;
    int rc;

    *out = NULL;
    if (size > MOAT_MAX_TAR_HEADER_EXT)
        return fail(t, err, MOAT_E_LIMIT, "tar extension header of %llu bytes",
                    (unsigned long long)size);
    d = malloc((size_t)size + 1);
    if (d == NULL)
        return fail(t, err, MOAT_E_NOMEM, "out of memory");
    if ((rc = take(t, d, (size_t)size, err)) < 0 || (rc = skip(t, padding(size), err)) < 0) {
        free(d);
        return rc;
    }
    d[size] = '\0';
    *out = d;
    return 0;
}

/* len bytes appended to out (MOAT_MAX_PATH_LEN + 1 bytes) at *at, NUL-terminated. */
static int put_bytes(char *out, size_t *at, const char *p, size_t len)
{
    if (len > MOAT_MAX_PATH_LEN - *at)
        return -1;
    memcpy(out + *at, p, len);
    *at += len;
    out[*at] = '\0';
    return 0;
}

/* A header string field of at most n bytes (NUL-terminated unless full). */
static void put_field(char *out, size_t *at, const unsigned char *f, size_t n)
{
    put_bytes(out, at, (const char *)f, strnlen((const char *)f, n)); /* fits: n <= 155 */
}

/* The entry's path: pax or GNU long name, else ustar prefix + name, else name. */
static int entry_name(struct layer_tar *t, const unsigned char *h, int ustar, struct moat_err *err)
{
    size_t at = 0;

    if (t->ext.path != NULL) {
        if (put_bytes(t->name, &at, t->ext.path, strlen(t->ext.path)) < 0)
            return fail(t, err, MOAT_E_LIMIT, "path of %zu bytes", strlen(t->ext.path));
        return 0;
    }
    t->name[0] = '\0';
    if (ustar && h[TAR_PREFIX] != '\0') {
        put_field(t->name, &at, h + TAR_PREFIX, 155);
        if (t->name[at - 1] != '/') {
            t->name[at++] = '/';
            t->name[at] = '\0';
        }
    }
    put_field(t->name, &at, h + TAR_NAME, 100);
    return 0;
}

static int entry_link(struct layer_tar *t, const unsigned char *h, struct moat_err *err)
{
    size_t at = 0;

    t->link[0] = '\0';
    if (t->ext.link != NULL && put_bytes(t->link, &at, t->ext.link, strlen(t->ext.link)) < 0)
        return fail(t, err, MOAT_E_LIMIT, "\"%.200s\": link target of %zu bytes", t->name,
                    strlen(t->ext.link));
    if (t->ext.link == NULL)
        put_field(t->link, &at, h + TAR_LINKNAME, 100);
    return 0;
}

/* Fill e from header h and the extension headers before it. */
static int entry_from(struct layer_tar *t, const unsigned char *h, struct moat_entry *e,
                      struct moat_err *err)
{
    int ustar = memcmp(h + TAR_MAGIC, "ustar", 5) == 0 &&
                memcmp(h + TAR_MAGIC, "ustar  \0", 8) != 0; /* GNU tar has no prefix */
    uint64_t mode, uid, gid, size;
    int64_t mtime;
    char type = (char)h[TAR_TYPE];
    int rc;

    if (t->ext.sparse || type == 'S')
        return fail(t, err, MOAT_E_UNSUPPORTED, "a GNU sparse file (not written by image tools)");
    if (type == 'M')
        return fail(t, err, MOAT_E_UNSUPPORTED, "a GNU multi-volume continuation");
    if ((rc = entry_name(t, h, ustar, err)) < 0)
        return rc;
    if (t->name[0] == '\0')
        return fail(t, err, MOAT_E_FORMAT, "no usable path");
    if (moat_tar_number(h + TAR_MODE, 8, &mode) < 0 ||
        (!t->ext.have_uid && moat_tar_number(h + TAR_UID, 8, &uid) < 0) ||
        (!t->ext.have_gid && moat_tar_number(h + TAR_GID, 8, &gid) < 0) ||
        (!t->ext.have_mtime && moat_tar_snumber(h + TAR_MTIME, 12, &mtime) < 0) ||
        (!t->ext.have_size && moat_tar_number(h + TAR_SIZE, 12, &size) < 0))
        return fail(t, err, MOAT_E_FORMAT, "\"%.200s\": bad number in the tar header", t->name);
    if (t->ext.have_uid)
        uid = t->ext.uid;
    if (t->ext.have_gid)
        gid = t->ext.gid;
    if (t->ext.have_mtime)
        mtime = t->ext.mtime;
    if (t->ext.have_size)
        size = t->ext.size;
    memset(e, 0, sizeof(*e));
    t->left = 0;
    /* as libarchive reads them, except sparse and multi-volume files (refused above) */
    if (type >= '2' && type <= '6') {
        static const enum moat_ftype no_data[] = {MOAT_FT_SYMLINK, MOAT_FT_CHR, MOAT_FT_BLK,
                                                  MOAT_FT_DIR, MOAT_FT_FIFO};

        e->type = no_data[type - '2']; /* their size field means nothing */
    } else if (type == '1') {
        e->type = MOAT_FT_HARDLINK;
        if (t->pax)
            t->left = size; /* pax lets a hard link carry bytes; ustar and GNU do not */
    } else if (type == 'D') {
        e->type = MOAT_FT_DIR; /* GNU dumpdir: its listing follows */
        t->left = size;
    } else if (t->name[strlen(t->name) - 1] == '/') {
        e->type = MOAT_FT_DIR; /* an old tar's way to say directory, whatever its size */
    } else {
        e->type = MOAT_FT_REG; /* '0', '7', NUL and unknown types */
        t->left = size;
    }
    t->pad = padding(t->left);
    t->readable = e->type == MOAT_FT_REG;
    if (e->type == MOAT_FT_HARDLINK || e->type == MOAT_FT_SYMLINK) {
        if ((rc = entry_link(t, h, err)) < 0)
            return rc;
        if (t->link[0] == '\0')
            return fail(t, err, MOAT_E_FORMAT, "\"%.200s\": link has no target", t->name);
        e->link = t->link;
        e->link_len = strlen(t->link);
    }
    e->path = t->name;
    e->path_len = strlen(t->name);
    e->mode = (uint32_t)mode & 07777u;
    e->uid = uid > UINT32_MAX ? UINT32_MAX : (uint32_t)uid;
    e->gid = gid > UINT32_MAX ? UINT32_MAX : (uint32_t)gid;
    e->size = e->type == MOAT_FT_REG ? size : 0;
    e->mtime = mtime;
    return 1;
}

static int t_next(struct moat_entry_reader *r, struct moat_entry *e, struct moat_err *err)
{
    struct layer_tar *t = (struct layer_tar *)r;
    const unsigned char *h = NULL;
    unsigned specials = 0;
    char *data;
    int rc;

    if (t->failed)
        return moat_err_set(err, MOAT_E_ARG, "%s: reader already failed", t->label);
    if (t->done)
        return 0;
    /* what the caller did not read of the last entry */
    if ((rc = skip(t, t->left, err)) < 0 || (rc = skip(t, t->pad, err)) < 0)
        return rc;
    t->left = t->pad = 0;
    source_tar_pax_reset(&t->ext);
    if (++t->entries > MOAT_MAX_ENTRIES_PER_LAYER)
        return fail(t, err, MOAT_E_LIMIT, "more than %u entries", MOAT_MAX_ENTRIES_PER_LAYER);
    for (;;) {
        uint64_t size;
        char type;

        if ((rc = next_block(t, &h, err)) < 0)
            return rc;
        if (rc == 0 || moat_tar_zero_block(h)) {
            /* the end: a zero block or none (what follows is drained by close()) */
            if (specials > 0)
                return fail(t, err, MOAT_E_FORMAT, "extension header with no entry after it");
            t->done = 1;
            return 0;
        }
        if (!moat_tar_checksum_ok(h))
            return fail(t, err, MOAT_E_FORMAT, "damaged tar archive (bad header checksum)");
        type = (char)h[TAR_TYPE];
        if (type != 'x' && type != 'X' && type != 'g' && type != 'L' && type != 'K' &&
            type != 'V' && type != 'A')
            return entry_from(t, h, e, err);
        if (++specials > 32)
            return fail(t, err, MOAT_E_FORMAT, "more than 32 extension headers for one entry");
        if (moat_tar_number(h + TAR_SIZE, 12, &size) < 0)
            return fail(t, err, MOAT_E_FORMAT, "bad size in an extension header");
        if (type == 'x' || type == 'X' || type == 'L' || type == 'K') {
            if ((rc = ext_data(t, size, &data, err)) < 0)
                return rc;
            if (type == 'x' || type == 'X') {
                t->pax = 1;
                rc = source_tar_pax_parse(data, (size_t)size, &t->ext, t->label, &t->why);
                free(data);
                if (rc < 0)
                    return failed(t, err);
            } else {
                char **dst = type == 'L' ? &t->ext.path : &t->ext.link;

                free(*dst);
                *dst = data; /* a NUL inside ends the name, as in GNU tar */
            }
        } else {
            /* 'g' global pax headers, 'V' volume labels and 'A' Solaris ACLs: skipped */
            t->pax = t->pax || type == 'g';
            if ((rc = skip(t, size, err)) < 0 || (rc = skip(t, padding(size), err)) < 0)
                return rc;
        }
    }
}

static ssize_t t_read(struct moat_entry_reader *r, void *buf, size_t n, struct moat_err *err)
{
    struct layer_tar *t = (struct layer_tar *)r;
    size_t k;
    int rc;

    if (t->failed)
        return moat_err_set(err, MOAT_E_ARG, "%s: reader already failed", t->label);
    if (t->done || !t->readable || t->left == 0 || n == 0)
        return 0;
    if ((rc = fill(t, err)) < 0)
        return rc;
    if (t->in_len == 0)
        return fail(t, err, MOAT_E_FORMAT, "truncated tar archive (\"%.200s\" is cut short)",
                    t->name);
    k = n < t->in_len ? n : t->in_len;
    if (k > t->left)
        k = (size_t)t->left;
    memcpy(buf, t->in, k);
    t->in += k;
    t->in_len -= k;
    t->left -= k;
    return (ssize_t)k;
}

/*
 * After a decode failure: hash the rest of the raw blob and, when it does not
 * match the descriptor, report the tampering rather than its symptom (a
 * flipped byte usually shows up first as "corrupt gzip" or "damaged tar").
 * Returns the -MOAT_E_DIGEST error, or 0 when the blob is what it claims.
 */
static int tamper_check(struct layer_tar *t, struct moat_err *err)
{
    char got[SOURCE_DIGEST_LEN + 1];
    const unsigned char *p;
    const char *want = t->digest;
    ssize_t n;

    if (want == NULL && t->dc != NULL && source_decomp_kind(t->dc) == SOURCE_COMP_NONE)
        want = t->diff_id; /* uncompressed blob: its digest is the diff_id */
    if (want == NULL || t->blob.md == NULL)
        return 0;
    while ((n = source_blob_read(&t->blob, &p, NULL)) > 0)
        ;
    if (n < 0 || source_blob_digest(&t->blob, got, NULL) < 0 || strcmp(got, want) == 0)
        return 0;
    return moat_err_set(err, MOAT_E_DIGEST,
                        "%s: layer %zu (%s): digest mismatch: blob content hashes to %s", t->file,
                        t->index, want, got);
}

/* Finish hashing and compare with what the manifest and config promised. */
static int verify(struct layer_tar *t, struct moat_err *err)
{
    char blob[SOURCE_DIGEST_LEN + 1], diff[SOURCE_DIGEST_LEN + 1];
    const char *name;
    int rc;

    rc = source_decomp_drain(t->dc, err);
    if (rc < 0) {
        int trc = tamper_check(t, err);
        return trc < 0 ? trc : rc;
    }
    if (t->image_total != NULL)
        *t->image_total += source_decomp_total(t->dc);
    if (t->size != UINT64_MAX && t->blob.pos != t->size)
        return moat_err_set(err, MOAT_E_DIGEST,
                            "%s: digest mismatch: %llu bytes, not the %llu its descriptor says",
                            t->label, (unsigned long long)t->blob.pos, (unsigned long long)t->size);
    if (t->digest == NULL && t->diff_id == NULL)
        return 0;
    rc = source_decomp_digest(t->dc, diff, err);
    if (rc < 0)
        return rc;
    if (source_decomp_kind(t->dc) == SOURCE_COMP_NONE)
        memcpy(blob, diff, sizeof(blob));
    else if ((rc = source_blob_digest(&t->blob, blob, err)) < 0)
        return rc;
    name = t->digest != NULL ? t->digest : blob;
    if (t->digest != NULL && strcmp(blob, t->digest) != 0)
        return moat_err_set(err, MOAT_E_DIGEST,
                            "%s: layer %zu (%s): digest mismatch: blob content hashes to %s",
                            t->file, t->index, t->digest, blob);
    if (t->diff_id != NULL && strcmp(diff, t->diff_id) != 0)
        return moat_err_set(
            err, MOAT_E_DIGEST,
            "%s: layer %zu (%s): digest mismatch: content does not match diff_id %s (got %s)",
            t->file, t->index, name, t->diff_id, diff);
    return 0;
}

static int t_close(struct moat_entry_reader *r, struct moat_err *err)
{
    struct layer_tar *t = (struct layer_tar *)r;
    int rc = 0;

    if (t == NULL)
        return 0;
    if (t->failed) {
        if (t->why.code != 0)
            rc = moat_err_set(err, t->why.code, "%s", moat_err_msg(&t->why));
        else
            rc =
                moat_err_set(err, MOAT_E_FORMAT, "%s: layer was not read to a clean end", t->label);
        int trc = tamper_check(t, err);
        if (trc < 0)
            rc = trc;
    } else {
        rc = verify(t, err);
    }
    source_tar_pax_reset(&t->ext);
    moat_err_clear(&t->why);
    source_decomp_free(t->dc);
    source_blob_free(&t->blob);
    source_range_close(&t->range);
    if (t->busy != NULL)
        *t->busy = 0;
    free(t->label);
    free(t->file);
    free(t->digest);
    free(t->diff_id);
    free(t);
    return rc;
}

static const struct moat_entry_reader_ops tar_ops = {t_next, t_read, t_close};

static int dup_opt(const char *s, char **out)
{
    *out = NULL;
    if (s == NULL)
        return 0;
    *out = strdup(s);
    return *out == NULL ? -1 : 0;
}

int source_layer_tar_open(struct source_range *r, const struct source_layer_spec *spec,
                          struct moat_entry_reader **out, struct moat_err *err)
{
    struct layer_tar *t;
    int rc = 0;

    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        source_range_close(r);
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", spec->label);
    }
    t->base.ops = &tar_ops;
    t->range = *r;
    r->own_fd = 0;
    t->index = spec->index;
    t->size = spec->size;
    t->image_total = spec->image_total;
    if (asprintf(&t->label, "%s: layer %zu", spec->label, spec->index) < 0) {
        t->label = NULL;
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", spec->label);
        goto out;
    }
    if (dup_opt(spec->label, &t->file) < 0 || dup_opt(spec->digest, &t->digest) < 0 ||
        dup_opt(spec->diff_id, &t->diff_id) < 0) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", t->label);
        goto out;
    }
    if (t->size != UINT64_MAX && t->range.size != t->size) {
        rc = moat_err_set(err, MOAT_E_DIGEST,
                          "%s: digest mismatch: blob is %llu bytes, its descriptor says %llu",
                          t->label, (unsigned long long)t->range.size, (unsigned long long)t->size);
        goto out;
    }
    rc = source_blob_init(&t->blob, &t->range, t->digest != NULL || t->diff_id != NULL, t->label,
                          err);
    if (rc < 0)
        goto out;
    rc = source_decomp_new(&t->blob, spec->limits, t->digest != NULL || t->diff_id != NULL,
                           t->label, &t->dc, err);
    if (rc < 0)
        goto out;
    t->busy = spec->busy;
    *out = &t->base;
    t = NULL;
out:
    if (t != NULL) {
        t->failed = 1;
        t->busy = NULL; /* the caller still owns busy on failure */
        t_close(&t->base, NULL);
    }
    return rc;
}
