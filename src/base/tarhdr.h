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
 * field's end; or base-256 (first byte 0x80 and up, big-endian, positive only). -1 when
 * malformed, negative or over 64 bits.
 */
int moat_tar_number(const unsigned char *f, size_t n, uint64_t *out);

/*
 * Whether the header's checksum field (bytes 148-155: octal digits, spaces and NULs only)
 * holds the sum of the header's bytes with that field counted as spaces: the unsigned sum
 * POSIX specifies, or the signed one old BSD, Solaris and HP-UX tars wrote, which GNU tar
 * and libarchive accept too. The two differ only for headers holding bytes >= 0x80.
 */
int moat_tar_checksum_ok(const unsigned char h[MOAT_TAR_BLOCK]);

#endif
