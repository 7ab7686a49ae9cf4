/*
 * custody_int.h - helpers shared inside custody/ (not part of the public
 * contract): hex.
 */
#ifndef MOAT_CUSTODY_INT_H
#define MOAT_CUSTODY_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Lowercase hex of n bytes into out (2n + 1 chars). */
void custody_hex(const unsigned char *p, size_t n, char *out);
/* 64 lowercase hex digits exactly. */
bool custody_hex64_valid(const char *s);

#endif
