/*
 * tar_header.h - the pieces of the tar format both tar readers of this room
 * share: the outer-archive index (tar_index.c) and the layer stream
 * (layer_tar.c). Pure functions over bytes; nothing here reads a file.
 */
#ifndef MOAT_SOURCE_TAR_HEADER_H
#define MOAT_SOURCE_TAR_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "../base/error.h"

#define TAR_BLOCK 512u

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

/*
 * A numeric field: octal (leading spaces, ended by NUL, space or the field's
 * end) or GNU base-256 (first byte 0x80, or 0xff for a negative value). 0,
 * or -1 when malformed or out of range. The unsigned form refuses negatives.
 */
int source_tar_num(const unsigned char *f, size_t n, uint64_t *out);
int source_tar_snum(const unsigned char *f, size_t n, int64_t *out);
/* The header checksum holds (unsigned or, as some old tars wrote it, signed sum). */
int source_tar_checksum_ok(const unsigned char *h);
int source_tar_zero_block(const unsigned char *h);

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
