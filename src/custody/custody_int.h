/*
 * custody_int.h - helpers shared inside custody/ (not part of the public
 * contract): hex, bounded file reads and atomic file writes.
 */
#ifndef MOAT_CUSTODY_INT_H
#define MOAT_CUSTODY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../base/error.h"

/* Lowercase hex of n bytes into out (2n + 1 chars). */
void custody_hex(const unsigned char *p, size_t n, char *out);
/* 64 lowercase hex digits exactly. */
bool custody_hex64_valid(const char *s);

/*
 * Read the regular file at path, at most max bytes, into a malloc'd
 * NUL-terminated buffer. With st_out, its fstat is returned too. Symlinks
 * are followed (users point at keys through them), FIFOs and devices refused.
 */
int custody_read_file(const char *path, size_t max, char **out, size_t *len, struct stat *st_out,
                      struct moat_err *err);

/*
 * Write data to path through a temporary file in the same directory, with
 * `mode`, fsync'd. With exclusive, an existing path is never replaced (the
 * temp file is hard-linked into place, so the check and the create are one
 * step); otherwise it is renamed over path.
 */
int custody_write_file(const char *path, const void *data, size_t len, mode_t mode, bool exclusive,
                       struct moat_err *err);

#endif
