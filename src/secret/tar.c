/*
 * tar.c - push-mode tar member splitter (see tar.h). States: collecting a
 * 512-byte header, passing or skipping a member's bytes, skipping the
 * padding to the next block. A GNU 'L' or pax 'x' entry's data is collected
 * (bounded) to name the next member.
 */
#include <stdlib.h>
#include <string.h>

#include "moat/secret/tar.h"
#include "moat/base/tarhdr.h"

enum phase { HEADER, DATA, PAD, META };

struct moat_secret_tar {
    enum phase phase;
    enum moat_secret_tar_state state;
    unsigned char hdr[512];
    size_t hdr_len;
    uint64_t left, pad; /* bytes left in the member, then padding */
    int in_member;      /* begin() was called, end() is due */
    int skip;           /* the member's data is skipped */
    char meta_type;     /* 'L' or 'x' while collecting META */
    char meta[4096];
    size_t meta_len;
    char next_name[MOAT_SECRET_TAR_NAME + 1]; /* from 'L' or 'x', for the next member */
    size_t members;
};

int moat_secret_tar_new(struct moat_secret_tar **out, struct moat_err *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : moat_err_set(err, MOAT_E_NOMEM, "tar reader");
}

void moat_secret_tar_free(struct moat_secret_tar *t)
{
    free(t);
}

void moat_secret_tar_reset(struct moat_secret_tar *t)
{
    memset(t, 0, sizeof *t);
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && memcmp(s + n - k, suffix, k) == 0;
}

int moat_secret_tar_named(const char *path)
{
    size_t n = strlen(path);

    return ends_with(path, n, ".tar") || ends_with(path, n, ".tar.gz") ||
           ends_with(path, n, ".tgz") || ends_with(path, n, ".tar.zst") ||
           ends_with(path, n, ".tzst");
}

/* Copy a hostile name: printable ASCII only (others become '?'), bounded. */
static void set_name(char *dst, const char *src, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n && src[i] && k < MOAT_SECRET_TAR_NAME; i++)
        dst[k++] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    dst[k] = 0;
}

/* pax: "NN path=VALUE\n" records; keep VALUE of the last path record. */
static void pax_path(struct moat_secret_tar *t)
{
    size_t at = 0;

    while (at < t->meta_len) {
        size_t len = 0, i = at;
        while (i < t->meta_len && t->meta[i] >= '0' && t->meta[i] <= '9' && len < 100000)
            len = len * 10 + (size_t)(t->meta[i++] - '0');
        if (len == 0 || i >= t->meta_len || t->meta[i] != ' ' || len > t->meta_len - at ||
            i + 1 >= at + len) /* the length must cover its own digits and the space */
            return;
        const char *kv = t->meta + i + 1;
        size_t kvn = at + len - (i + 1);
        if (kvn > 5 && memcmp(kv, "path=", 5) == 0)
            set_name(t->next_name, kv + 5, kvn - 5 - (kv[kvn - 1] == '\n'));
        at += len;
    }
}

/* A full header in t->hdr: decide what follows. */
static int on_header(struct moat_secret_tar *t, const struct moat_secret_tar_cb *cb,
                     struct moat_err *err)
{
    const unsigned char *h = t->hdr;
    static const unsigned char zero[512];
    char name[MOAT_SECRET_TAR_NAME + 1];
    uint64_t size;
    char type = (char)h[156];

    if (memcmp(h, zero, 512) == 0) {
        t->state = MOAT_TAR_DONE;
        return 0;
    }
    if (!moat_tar_checksum_ok(h) || moat_tar_number(h + 124, 12, &size) < 0 ||
        ++t->members > MOAT_SECRET_TAR_MAX_MEMBERS) {
        t->state = MOAT_TAR_CORRUPT;
        return 0;
    }
    t->left = size;
    t->pad = (512 - size % 512) % 512;
    t->phase = size > 0 ? DATA : PAD;
    t->skip = 1;
    if (type == 'L' || type == 'x') {
        t->phase = size > 0 ? META : PAD;
        t->meta_type = type;
        t->meta_len = 0;
        return 0;
    }
    if (type != '0' && type != '\0' && type != '7') {
        t->next_name[0] = 0; /* a name from 'L'/'x' belongs to this entry */
        return 0;
    }
    if (t->next_name[0]) {
        memcpy(name, t->next_name, sizeof name);
        t->next_name[0] = 0;
    } else if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
        char full[256];
        size_t pn = strnlen((const char *)h + 345, 155), nn = strnlen((const char *)h, 100);
        memcpy(full, h + 345, pn);
        full[pn] = '/';
        memcpy(full + pn + 1, h, nn);
        set_name(name, full, pn + 1 + nn);
    } else {
        set_name(name, (const char *)h, strnlen((const char *)h, 100));
    }
    int rc = cb->begin(cb->ctx, name, size, err);
    if (rc < 0)
        return rc;
    t->in_member = 1;
    t->skip = rc > 0;
    if (size == 0) {
        t->in_member = 0;
        return cb->end(cb->ctx, err);
    }
    return 0;
}

int moat_secret_tar_feed(struct moat_secret_tar *t, const void *data, size_t len,
                         const struct moat_secret_tar_cb *cb, struct moat_err *err)
{
    const unsigned char *d = data;
    int rc;

    while (len > 0 && t->state == MOAT_TAR_RUNNING) {
        size_t n = 0;
        switch (t->phase) {
        case HEADER:
            n = 512 - t->hdr_len < len ? 512 - t->hdr_len : len;
            memcpy(t->hdr + t->hdr_len, d, n);
            t->hdr_len += n;
            if (t->hdr_len == 512) {
                t->hdr_len = 0;
                if ((rc = on_header(t, cb, err)) < 0)
                    return rc;
            }
            break;
        case DATA:
        case META:
            n = t->left < len ? (size_t)t->left : len;
            if (t->phase == META) {
                size_t room = sizeof t->meta - t->meta_len;
                memcpy(t->meta + t->meta_len, d, n < room ? n : room);
                t->meta_len += n < room ? n : room;
            } else if (!t->skip && (rc = cb->data(cb->ctx, d, n, err)) != 0) {
                if (rc < 0)
                    return rc;
                t->skip = 1;
            }
            t->left -= n;
            if (t->left == 0) {
                if (t->phase == META && t->meta_type == 'L')
                    set_name(t->next_name, t->meta, t->meta_len);
                else if (t->phase == META)
                    pax_path(t);
                if (t->in_member) {
                    t->in_member = 0;
                    if ((rc = cb->end(cb->ctx, err)) < 0)
                        return rc;
                }
                t->phase = PAD;
            }
            break;
        case PAD:
            n = t->pad < len ? (size_t)t->pad : len;
            t->pad -= n;
            if (t->pad == 0)
                t->phase = HEADER;
            break;
        }
        if (t->phase == PAD && t->pad == 0)
            t->phase = HEADER;
        d += n;
        len -= n;
    }
    return 0;
}

int moat_secret_tar_finish(struct moat_secret_tar *t, const struct moat_secret_tar_cb *cb,
                           enum moat_secret_tar_state *state, struct moat_err *err)
{
    *state = t->state;
    if (t->state == MOAT_TAR_RUNNING && t->phase == HEADER && t->hdr_len == 0 && t->members > 0)
        *state = MOAT_TAR_DONE; /* no end-of-archive blocks, but cut at a member boundary */
    if (t->in_member) {
        t->in_member = 0;
        return cb->end(cb->ctx, err);
    }
    return 0;
}
