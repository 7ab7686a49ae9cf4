/*
 * cache.h - a bounded LRU with a time to live, for admission decisions that
 * are expensive to make (an engine round trip, signature checks) and asked
 * for again and again. Keys are strings; values are immutable JSON values
 * shared by reference. Thread-safe.
 */
#ifndef MOAT_POLICY_CACHE_H
#define MOAT_POLICY_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "moat/base/error.h"

#define MOAT_CACHE_MAX_KEY 2048u

struct moat_cache;

/* capacity entries (>= 1), ttl_ms (0 = never stored). */
int moat_cache_new(size_t capacity, uint64_t ttl_ms, struct moat_cache **out, struct moat_err *err);
void moat_cache_free(struct moat_cache *c);

/* A new reference to the live value for key (the caller decrefs), or NULL. */
json_t *moat_cache_get(struct moat_cache *c, const char *key);
/* Store (a reference is taken); the least recently used entry goes when full. */
int moat_cache_put(struct moat_cache *c, const char *key, json_t *value);
size_t moat_cache_size(struct moat_cache *c);

/* Monotonic milliseconds, also used for expiry. */
uint64_t moat_cache_now_ms(void);

#endif
