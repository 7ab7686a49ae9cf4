/*
 * file.h - read a small regular file whole, bounded: policies, keys, configs,
 * JSON documents. A FIFO, a directory or a device is refused (never waited
 * on), so is a file larger than the caller's bound or one that changed size
 * while it was read. Every error names the file.
 */
#ifndef MOAT_BASE_FILE_H
#define MOAT_BASE_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "error.h"

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

#endif
