/*
 * cache.h - the per-user cache directory and replacing a file in it atomically. The
 * directory is $MOAT_CACHE, else $XDG_CACHE_HOME/moat, else $HOME/.cache/moat (as the
 * vulnerability database's default). A write goes to a temporary file in the same directory
 * (created 0600, then given its mode), is fsynced, renamed over the target, and the directory
 * is fsynced: a reader sees the old file or the new one, never half of one, also after a
 * crash.
 */
#ifndef MOAT_BASE_CACHE_H
#define MOAT_BASE_CACHE_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The cache directory into buf. -MOAT_E_NOTFOUND when no variable names one (or MOAT_CACHE
 * is empty: caching off), -MOAT_E_LIMIT when it does not fit. Nothing is created. */
int moat_cache_dir(char *buf, size_t cap);

/* Create dir and its missing parents, each 0700 (existing ones are left as they are). */
int moat_mkdirs(const char *dir, struct moat_err *err);

/* Replace path with data[0..len) atomically, with the given mode; errors name path. */
int moat_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                           struct moat_err *err);

#endif
