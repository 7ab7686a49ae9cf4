/*
 * content.c - file contents: stream each regular file once, in
 * FS_CHUNK_BYTES reads, to the visitors that asked for it and into a
 * capture blob when its path matches a capture pattern; keep captured
 * blobs reference-counted (hard links share them) and bounded by
 * MOAT_MAX_CAPTURE_BYTES / MOAT_MAX_CAPTURE_TOTAL. Content nobody wants is
 * never read (the reader skips it). Must not touch the tree.
 */
#include "fs_int.h"

#include "moat/base/limits.h"

#include <fnmatch.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct fs_blob *fs_blob_new(struct moat_fs *fs, size_t len)
{
    struct fs_blob *b;

    if (len > SIZE_MAX - sizeof(*b) - 1)
        return NULL;
    b = malloc(sizeof(*b) + len + 1); /* +1: a NUL after the data, for text parsers */
    if (b == NULL)
        return NULL;
    b->refs = 1;
    b->len = len;
    b->data[len] = '\0';
    b->prev = NULL;
    b->next = fs->blobs;
    if (fs->blobs != NULL)
        fs->blobs->prev = b;
    fs->blobs = b;
    fs->capture_total += len;
    return b;
}

void fs_blob_ref(struct fs_blob *b)
{
    b->refs++;
}

void fs_blob_unref(struct moat_fs *fs, struct fs_blob *b)
{
    if (b == NULL || --b->refs > 0)
        return;
    if (b->prev != NULL)
        b->prev->next = b->next;
    else
        fs->blobs = b->next;
    if (b->next != NULL)
        b->next->prev = b->prev;
    fs->capture_total -= b->len;
    free(b);
}

void fs_rec_drop_data(struct moat_fs *fs, fs_ref r)
{
    struct fs_ext *e = fs_ext(fs, r);

    if (e == NULL || e->blob == NULL)
        return;
    fs_blob_unref(fs, e->blob);
    e->blob = NULL;
    fs_pub_touch(fs, r);
}

int fs_capture_init(struct moat_fs *fs)
{
    size_t n = fs->opts.n_capture;

    if (n == 0)
        return 0;
    fs->capture = calloc(n, sizeof(*fs->capture));
    if (fs->capture == NULL)
        return -MOAT_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        struct fs_capture *c = &fs->capture[i];

        c->pat = fs->opts.capture[i];
        if (c->pat == NULL)
            continue;
        c->len = strlen(c->pat);
        c->head = strcspn(c->pat, "*?[\\");
        c->literal = c->head == c->len;
    }
    return 0;
}

/*
 * Decides exactly as fnmatch(pat, path, FNM_PATHNAME) for every pattern:
 * the bytes before a pattern's first special character can only match
 * themselves, so a path that differs there is out without calling fnmatch,
 * and a pattern with no special character is a string comparison. Nearly
 * every path of an image is settled by the first byte or two of memcmp.
 */
bool fs_capture_match(const struct moat_fs *fs, const char *path, size_t len)
{
    for (size_t i = 0; i < fs->opts.n_capture; i++) {
        const struct fs_capture *c = &fs->capture[i];

        if (c->pat == NULL || len < c->head ||
            (c->head > 0 && (path[0] != c->pat[0] || memcmp(path, c->pat, c->head) != 0)))
            continue;
        if (c->literal ? len == c->len : fnmatch(c->pat, path, FNM_PATHNAME) == 0)
            return true;
    }
    return false;
}

static int start_capture(struct moat_fs *fs, uint64_t size, struct fs_what *what,
                         struct fs_blob **blob, struct moat_err *err)
{
    if (size > MOAT_MAX_CAPTURE_BYTES)
        return moat_err_set(err, MOAT_E_LIMIT,
                            "%s: %llu bytes is more than a captured file may hold (%u)",
                            fs_what(what), (unsigned long long)size, MOAT_MAX_CAPTURE_BYTES);
    if (size > MOAT_MAX_CAPTURE_TOTAL - fs->capture_total)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: captured files would exceed %u bytes in total",
                            fs_what(what), MOAT_MAX_CAPTURE_TOTAL);
    *blob = fs_blob_new(fs, (size_t)size);
    if (*blob == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory capturing content",
                            fs_what(what));
    return 0;
}

/* Read the content once and hand every chunk to the wanting visitors and the blob. */
static int pump(struct moat_fs *fs, struct moat_entry_reader *r, uint64_t size,
                struct fs_blob *blob, struct fs_what *what, struct moat_err *err)
{
    uint64_t got = 0;
    ssize_t n;
    int rc;

    for (;;) {
        n = moat_entry_read(r, fs->chunk, FS_CHUNK_BYTES, err);
        if (n < 0) {
            /* the reader's message already names the image and layer */
            fs->reader_failed = true;
            return n < -(ssize_t)MOAT_E__COUNT ? -MOAT_E_IO : (int)n;
        }
        if (n == 0)
            break;
        if ((uint64_t)n > size - got)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: content longer than its %llu bytes",
                                fs_what(what), (unsigned long long)size);
        for (size_t i = 0; i < fs->opts.n_visitors; i++) {
            const struct moat_fs_visitor *v = &fs->opts.visitors[i];

            if (!fs->want[i] || v->chunk == NULL)
                continue;
            rc = v->chunk(v->ctx, fs->chunk, (size_t)n, err);
            if (rc < 0)
                return fs_err_prefix(err, rc, fs_what(what));
        }
        if (blob != NULL)
            memcpy(blob->data + got, fs->chunk, (size_t)n);
        got += (uint64_t)n;
    }
    if (got != size)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: content shorter than its %llu bytes",
                            fs_what(what), (unsigned long long)size);
    return 0;
}

int fs_stream_entry(struct moat_fs *fs, uint32_t layer, const char *path,
                    const struct moat_fs_node *node, bool capture, struct moat_entry_reader *r,
                    struct fs_what *what, struct fs_blob **blob, struct moat_err *err)
{
    bool any = false;
    int rc = 0;

    *blob = NULL;
    for (size_t i = 0; i < fs->opts.n_visitors; i++) {
        const struct moat_fs_visitor *v = &fs->opts.visitors[i];

        fs->want[i] = false;
        if (v->begin == NULL)
            continue;
        rc = v->begin(v->ctx, layer, path, node, &fs->want[i], err);
        if (rc < 0) {
            rc = fs_err_prefix(err, rc, fs_what(what));
            goto out;
        }
        if (node->type != MOAT_FT_REG || node->hardlink != NULL)
            fs->want[i] = false; /* only regular files carry content */
        any = any || fs->want[i];
    }
    if (node->type == MOAT_FT_REG && node->hardlink == NULL && (any || capture)) {
        if (capture) {
            rc = start_capture(fs, node->size, what, blob, err);
            if (rc < 0)
                goto out;
        }
        rc = pump(fs, r, node->size, *blob, what, err);
        if (rc < 0)
            goto out;
    }
    for (size_t i = 0; i < fs->opts.n_visitors; i++) {
        const struct moat_fs_visitor *v = &fs->opts.visitors[i];

        if (v->end == NULL)
            continue;
        rc = v->end(v->ctx, err);
        if (rc < 0) {
            rc = fs_err_prefix(err, rc, fs_what(what));
            goto out;
        }
    }
out:
    if (rc < 0) {
        fs_blob_unref(fs, *blob);
        *blob = NULL;
    }
    return rc;
}

const unsigned char *moat_fs_content(const struct moat_fs_node *node, size_t *len)
{
    if (node != NULL && node->data == NULL && node->hardlink != NULL)
        node = node->hardlink;
    if (node == NULL || node->data == NULL) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = node->data_len;
    return node->data;
}
