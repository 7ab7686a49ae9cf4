/*
 * tarhdr.h - the two checks every reader of a 512-byte tar header needs, once: its numeric
 * fields (octal, or GNU base-256 for values octal cannot hold) and its checksum. Used by
 * the outer-tar index (source/tar_index.c) and the reader of tar archives inside layers
 * (secret/tar.c); layers themselves go through libarchive, which checks the same way.
 */
#ifndef MOAT_BASE_TARHDR_H
#define MOAT_BASE_TARHDR_H

#include <stddef.h>
#include <stdint.h>

#define MOAT_TAR_BLOCK 512u

/*
 * A numeric field of n bytes: octal digits after optional spaces, ended by NUL, space or the
 * field's end; or GNU base-256 (first byte 0x80, or 0xff for a negative value, big-endian).
 * -1 when malformed, negative or over 63 bits.
 */
int moat_tar_number(const unsigned char *f, size_t n, uint64_t *out);
/* The same, signed: base-256 may be negative (0xff first: an mtime before 1970). */
int moat_tar_snumber(const unsigned char *f, size_t n, int64_t *out);
/* Whether the 512 bytes are all zero (the end-of-archive marker). */
int moat_tar_zero_block(const unsigned char h[MOAT_TAR_BLOCK]);

/*
 * Whether the header's checksum field (bytes 148-155: octal digits, spaces and NULs only)
 * holds the sum of the header's bytes with that field counted as spaces: the unsigned sum
 * POSIX specifies, or the signed one old BSD, Solaris and HP-UX tars wrote, which GNU tar
 * and libarchive accept too. The two differ only for headers holding bytes >= 0x80.
 */
int moat_tar_checksum_ok(const unsigned char h[MOAT_TAR_BLOCK]);

#endif
