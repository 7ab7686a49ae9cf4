/*
 * cache.h - the per-user cache directory: $MOAT_CACHE, else $XDG_CACHE_HOME/moat,
 * else $HOME/.cache/moat (as the vulnerability database's default). Files in it are
 * replaced with moat_file_write_atomic (base/file.h).
 */
#ifndef MOAT_BASE_CACHE_H
#define MOAT_BASE_CACHE_H

#include <stddef.h>
#include <sys/types.h>

#include "moat/base/error.h"

/* The cache directory into buf. -MOAT_E_NOTFOUND when no variable names one (or MOAT_CACHE
 * is empty: caching off), -MOAT_E_LIMIT when it does not fit. Nothing is created. */
int moat_cache_dir(char *buf, size_t cap);

/* Create dir and its missing parents, each 0700 (existing ones are left as they are). */
int moat_mkdirs(const char *dir, struct moat_err *err);

#endif
