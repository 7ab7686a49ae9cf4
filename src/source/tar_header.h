/*
 * tar_header.h - the pieces of the tar format both tar readers of this room
 * share: the outer-archive index (tar_index.c) and the layer stream
 * (layer_tar.c). Pure functions over bytes; nothing here reads a file.
 */
#ifndef MOAT_SOURCE_TAR_HEADER_H
#define MOAT_SOURCE_TAR_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/tarhdr.h"

#define TAR_BLOCK MOAT_TAR_BLOCK

/* Offsets of the ustar header fields. */
#define TAR_NAME 0u       /* 100 */
#define TAR_MODE 100u     /* 8 */
#define TAR_UID 108u      /* 8 */
#define TAR_GID 116u      /* 8 */
#define TAR_SIZE 124u     /* 12 */
#define TAR_MTIME 136u    /* 12 */
#define TAR_CHKSUM 148u   /* 8 */
#define TAR_TYPE 156u     /* 1 */
#define TAR_LINKNAME 157u /* 100 */
#define TAR_MAGIC 257u    /* 6 + 2 version */
#define TAR_PREFIX 345u   /* 155, POSIX ustar only */

/* What pax 'x' records (and GNU 'L'/'K' long names) say about the next entry. */
struct source_tar_pax {
    char *path, *link; /* malloc'd, NUL-free */
    int have_size, have_uid, have_gid, have_mtime;
    uint64_t size, uid, gid;
    int64_t mtime; /* whole seconds (fractions dropped) */
    int sparse;    /* GNU.sparse.* keys: a sparse file */
};

/*
 * Parse pax records ("LEN key=value\n" repeated) from d[0..n) into x
 * (later records win). Unknown keys are ignored. -MOAT_E_FORMAT (naming
 * label) on a malformed record or value, -MOAT_E_NOMEM.
 */
int source_tar_pax_parse(const char *d, size_t n, struct source_tar_pax *x, const char *label,
                         struct moat_err *err);
void source_tar_pax_reset(struct source_tar_pax *x);

#endif
