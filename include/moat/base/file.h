/*
 * file.h - whole files in and out.
 *
 * Reading: a small regular file whole, bounded: policies, keys, configs,
 * JSON documents. A FIFO, a directory or a device is refused (never waited
 * on), so is a file larger than the caller's bound or one that changed size
 * while it was read.
 *
 * Writing: atomically. Data goes to a temporary file beside the target,
 * which is fsync'd, renamed over the target (or hard-linked into place when
 * the target must not exist yet), and then the directory is fsync'd, so
 * after a crash the target holds the old contents or the new, never a mix
 * or nothing. Every error names the file.
 */
#ifndef MOAT_BASE_FILE_H
#define MOAT_BASE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "moat/base/error.h"

/*
 * Reads path into *data (malloc'd, NUL-terminated, the caller frees it) and
 * its length into *len. At most max bytes. Errors: -MOAT_E_NOTFOUND when it
 * does not exist, -MOAT_E_IO when it cannot be opened or read or is not a
 * regular file, -MOAT_E_LIMIT when larger than max, -MOAT_E_NOMEM.
 */
int moat_file_read(const char *path, size_t max, char **data, size_t *len, struct moat_err *err);

/* moat_file_read that also gives the fstat of the file it read (mode, owner); st may be NULL. */
int moat_file_read_stat(const char *path, size_t max, char **data, size_t *len, struct stat *st,
                        struct moat_err *err);

/*
 * moat_file_read of name relative to the open directory dirfd, without
 * following a symlink at name (refused as "is a symlink"). dir is only shown:
 * messages read "<dir>: <name>: <problem>".
 */
int moat_file_read_at(int dirfd, const char *dir, const char *name, size_t max, char **data,
                      size_t *len, struct moat_err *err);

/* ---- atomic writes ---- */

enum {
    /* Never replace what is at path (keys): the temporary file is hard-linked
     * into place, so checking and creating are one step; an existing path of
     * any kind, a dangling symlink included, is -MOAT_E_IO "already exists". */
    MOAT_FILE_EXCL = 1u << 0,
};

/*
 * A file being written: write to fd, then commit or abort. The temporary
 * file is "<path>.tmp.XXXXXX", created with O_EXCL (so a symlink planted at
 * that name is never followed) and given exactly `mode`, whatever the umask.
 *
 * Without MOAT_FILE_EXCL, an existing path that is not a regular file - a
 * character device, a FIFO, a socket, or a symlink such as /dev/stdout - is
 * opened and written in place (tmp is NULL): renaming over it would replace
 * the device or the link. A directory is refused.
 */
struct moat_file_atomic {
    int fd;     /* -1 once committed or aborted */
    char *path; /* the target */
    char *tmp;  /* the temporary file; NULL when written in place */
    unsigned flags;
};

int moat_file_atomic_open(struct moat_file_atomic *a, const char *path, mode_t mode, unsigned flags,
                          struct moat_err *err);
/* fsync, close, rename (or link) into place, fsync the directory. Releases a either way. */
int moat_file_atomic_commit(struct moat_file_atomic *a, struct moat_err *err);
/* Close and remove the temporary file; the target is untouched. a may be zeroed or aborted. */
void moat_file_atomic_abort(struct moat_file_atomic *a);

/* len bytes of data to path through moat_file_atomic. 0 or -MOAT_E_IO / -MOAT_E_NOMEM. */
int moat_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                           unsigned flags, struct moat_err *err);

/*
 * Publish a file someone else wrote at tmp (SQLite's VACUUM INTO): fsync
 * it, rename it over path, fsync the directory. On failure tmp is left for
 * the caller to remove.
 */
int moat_file_publish(const char *tmp, const char *path, struct moat_err *err);

#endif
