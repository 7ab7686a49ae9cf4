/*
 * tar.h - a push-mode tar reader for the secret scan of archives inside
 * layers (x.tar, x.tar.gz, x.tgz, x.tar.zst): bytes go in as they stream
 * (after decompression), and each regular member comes out as begin(name),
 * data()..., end(). Only a 512-byte header and a bounded long name are
 * held, never a member. ustar, GNU long names ('L') and pax "path=" records
 * are understood; other entries are skipped. A header that fails its
 * checksum ends the archive as corrupt.
 */
#ifndef MOAT_SECRET_TAR_H
#define MOAT_SECRET_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"

#define MOAT_SECRET_TAR_NAME 1024u          /* bytes of a member name kept */
#define MOAT_SECRET_TAR_MAX_MEMBERS 100000u /* members read from one archive */

enum moat_secret_tar_state {
    MOAT_TAR_RUNNING = 0,
    MOAT_TAR_DONE,    /* the end-of-archive block was seen */
    MOAT_TAR_CORRUPT, /* a bad header, or too many members */
};

struct moat_secret_tar_cb {
    void *ctx;
    /* a regular member begins; name is NUL-terminated, printable, at most MOAT_SECRET_TAR_NAME */
    int (*begin)(void *ctx, const char *name, uint64_t size, struct moat_err *err);
    /* its bytes: return 0, 1 to skip the rest of this member, or a negative error */
    int (*data)(void *ctx, const void *d, size_t n, struct moat_err *err);
    int (*end)(void *ctx, struct moat_err *err);
};

struct moat_secret_tar;

int moat_secret_tar_new(struct moat_secret_tar **out, struct moat_err *err);
void moat_secret_tar_free(struct moat_secret_tar *t);
void moat_secret_tar_reset(struct moat_secret_tar *t);

/* Push archive bytes. Returns 0 or a callback's negative error. */
int moat_secret_tar_feed(struct moat_secret_tar *t, const void *data, size_t len,
                         const struct moat_secret_tar_cb *cb, struct moat_err *err);

/* After the last feed: ends a member cut short (calling end()) and says how the archive ended
 * (RUNNING = truncated). */
int moat_secret_tar_finish(struct moat_secret_tar *t, const struct moat_secret_tar_cb *cb,
                           enum moat_secret_tar_state *state, struct moat_err *err);

/* Whether a path names a tar archive (.tar, .tar.gz, .tgz, .tar.zst, .tzst); the compression
 * comes from the bytes. */
int moat_secret_tar_named(const char *path);

#endif
