/*
 * dbcache.h - the compiled Hyperscan database of the secret rules, cached on disk: compiling
 * the built-in rules costs about 130 ms per run, loading them back a few. The cache file is
 * keyed by a SHA-256 of everything the database depends on (moat's cache format, the
 * Hyperscan version, the host platform Hyperscan tunes for, the mode, and every expression
 * with its flags and id: built-in and user rules alike), and is never trusted blindly: it
 * must be a regular file of this user, writable by nobody else, carry the full key and a
 * SHA-256 of its payload, and deserialise; anything else is compiled afresh and the file
 * replaced (atomically, 0600). A cache that cannot be read or written only costs the compile.
 */
#ifndef MOAT_SECRET_DBCACHE_H
#define MOAT_SECRET_DBCACHE_H

#include <stddef.h>

#include <hs.h>

#include "moat/secret/secret.h"

#define MOAT_SECRET_DBCACHE_MAX (64u << 20) /* bytes of a cache file read */

/*
 * A streaming database of the n expressions (as hs_compile_multi takes them) in *db, through
 * the cache in dir (NULL: no cache). Returns HS_SUCCESS, or the compile error with *cerr set
 * (the caller frees it). *how says what the cache did.
 */
hs_error_t secret_db_build(const char *const *pats, const unsigned *flags, const unsigned *ids,
                           size_t n, unsigned mode, const char *dir, hs_database_t **db,
                           hs_compile_error_t **cerr, enum moat_secret_cache *how);

#endif
