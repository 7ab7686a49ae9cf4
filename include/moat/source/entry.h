/*
 * entry.h - one file-system entry of a layer, as a layer reader yields it.
 *
 * The contract between source/ (which reads layers: tar streams or an
 * unpacked directory) and fs/ (which merges them). Paths are exactly as the
 * layer records them (fs/ normalises and rejects escapes); nothing here is
 * trusted.
 */
#ifndef MOAT_SOURCE_ENTRY_H
#define MOAT_SOURCE_ENTRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "moat/base/error.h"

enum moat_ftype {
    MOAT_FT_REG = 1,
    MOAT_FT_DIR,
    MOAT_FT_SYMLINK,
    MOAT_FT_HARDLINK, /* tar hard link: link names an earlier path; no data */
    MOAT_FT_CHR,
    MOAT_FT_BLK,
    MOAT_FT_FIFO,
    MOAT_FT_SOCK,
};

struct moat_entry {
    const char *path; /* raw path from the layer, NUL-terminated, valid until next() */
    size_t path_len;
    enum moat_ftype type;
    uint32_t mode; /* permission bits incl. setuid/setgid/sticky (07777) */
    uint32_t uid, gid;
    uint64_t size; /* content bytes for MOAT_FT_REG, else 0 */
    int64_t mtime;
    const char *link; /* symlink target or hard-link target path; NULL otherwise */
    size_t link_len;
};

/*
 * A reader over one layer's entries. next() returns 1 with *e filled, 0 at
 * the end, or a negative error. read() returns the current entry's content
 * (>0 bytes, 0 at its end, <0 error); unread content is skipped by next().
 * close() drains what is left of the layer, checks its digests and returns
 * -MOAT_E_DIGEST on a mismatch: a caller must not trust anything it saw from
 * the layer until close() returned 0. close() always frees the reader.
 */
struct moat_entry_reader;

struct moat_entry_reader_ops {
    int (*next)(struct moat_entry_reader *r, struct moat_entry *e, struct moat_err *err);
    ssize_t (*read)(struct moat_entry_reader *r, void *buf, size_t n, struct moat_err *err);
    int (*close)(struct moat_entry_reader *r, struct moat_err *err);
};

struct moat_entry_reader {
    const struct moat_entry_reader_ops *ops;
};

static inline int moat_entry_next(struct moat_entry_reader *r, struct moat_entry *e,
                                  struct moat_err *err)
{
    return r->ops->next(r, e, err);
}

static inline ssize_t moat_entry_read(struct moat_entry_reader *r, void *buf, size_t n,
                                      struct moat_err *err)
{
    return r->ops->read(r, buf, n, err);
}

static inline int moat_entry_reader_close(struct moat_entry_reader *r, struct moat_err *err)
{
    return r->ops->close(r, err);
}

#endif
