/*
 * hash.h - keyed SipHash for hash tables whose keys come from hostile input
 * (file names in layers, package names in SBOMs): with a random key per
 * table nobody can pick names that all collide. The values only have to be
 * stable within one process; they are never stored or compared across runs.
 */
#ifndef MOAT_BASE_HASH_H
#define MOAT_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Fill key with random bytes; without entropy, with values that still vary per process. */
void moat_hash_key(uint64_t key[2]);

/* SipHash-1-3 of the n bytes at p: for tables on hot paths. */
uint64_t moat_siphash13(const uint64_t key[2], const void *p, size_t n);

/* SipHash-2-4 of the n bytes at p. */
uint64_t moat_siphash24(const uint64_t key[2], const void *p, size_t n);

#endif
