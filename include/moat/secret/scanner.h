/*
 * scanner.h - the secret scanner over a whole image: an fs visitor that
 * streams every regular file of every layer (also files a later layer
 * deletes or replaces) through the engine, plus the image config (Env,
 * Labels, history created_by) scanned as the "files" config:Env,
 * config:Labels and config:history (an Env or label finding names its
 * variable: match "DB_PASSWORD=****"). Binary files (a NUL in the first
 * 8 KiB) and files over max_file_size are skipped and counted. gzip and
 * zstd files (by their magic bytes, not their names) are decompressed as
 * they stream and their content scanned (the sniff and the size cap apply
 * to the decompressed bytes); the members of tar archives (.tar, .tar.gz,
 * .tgz, .tar.zst) are scanned one by one under the archive's path.
 */
#ifndef MOAT_SECRET_SCANNER_H
#define MOAT_SECRET_SCANNER_H

#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"
#include "moat/fs/fs.h"
#include "moat/source/image.h"

#define MOAT_SECRET_DEFAULT_MAX_FILE (64ull << 20)
#define MOAT_SECRET_BINARY_SNIFF 8192u
#define MOAT_SECRET_MAX_PER_IMAGE 10000u          /* findings kept before files stop being read */
#define MOAT_SECRET_MAX_UNPACK_TOTAL (1ull << 30) /* decompressed bytes, all files of an image */
#define MOAT_SECRET_MAX_WARNINGS 1000u            /* per-file warnings kept (the rest counted) */
/* Compressed files (base/decomp.h): decompressed in pieces of MOAT_SECRET_UNPACK_CHUNK, stopped
 * as a bomb once more than MOAT_SECRET_UNPACK_RATIO_AFTER bytes came out at more than
 * MOAT_SECRET_UNPACK_RATIO times the compressed bytes read; zstd windows over
 * 2^MOAT_SECRET_ZSTD_WINDOW_LOG refused. */
#define MOAT_SECRET_UNPACK_CHUNK (64u << 10)
#define MOAT_SECRET_UNPACK_RATIO 250u
#define MOAT_SECRET_UNPACK_RATIO_AFTER (1u << 20)
#define MOAT_SECRET_ZSTD_WINDOW_LOG 23 /* 8 MiB */

struct moat_secret_scanner_opts {
    uint64_t max_file_size;  /* 0 = MOAT_SECRET_DEFAULT_MAX_FILE */
    int scan_binaries;       /* 1 = do not skip files with a NUL in the first 8 KiB */
    const char *config_path; /* YAML rules and allow-lists (docs/secret-rules.md), or NULL */
    /* where the compiled rule database is cached (dbcache.h): NULL = the default directory
     * (base/cache.h: $MOAT_CACHE, else $XDG_CACHE_HOME/moat, else ~/.cache/moat), "" = none */
    const char *cache_dir;
};

struct moat_secret_scanner;

int moat_secret_scanner_new(const struct moat_secret_scanner_opts *opts,
                            struct moat_secret_scanner **out, struct moat_err *err);
void moat_secret_scanner_free(struct moat_secret_scanner *sc);

/* What the rule database cache did (secret.h). */
enum moat_secret_cache moat_secret_scanner_cache(const struct moat_secret_scanner *sc);

/* A visitor for moat_fs_opts.visitors; sc must outlive the moat_fs_build() pass. */
struct moat_fs_visitor moat_secret_scanner_visitor(struct moat_secret_scanner *sc);

/* Scan the image config strings (layer -1). */
int moat_secret_scan_config(struct moat_secret_scanner *sc, const struct moat_image_meta *meta,
                            struct moat_err *err);

/* Move the findings (de-duplicated: one per path, rule, line and redacted match) into out. */
int moat_secret_scanner_take(struct moat_secret_scanner *sc, struct moat_findings *out,
                             struct moat_err *err);

/* Files skipped because they were larger than the cap, and as binary. */
uint64_t moat_secret_scanner_skipped_large(const struct moat_secret_scanner *sc);
uint64_t moat_secret_scanner_skipped_binary(const struct moat_secret_scanner *sc);

/*
 * Compressed files not scanned to their end: the decompressed content hit
 * max_file_size, the ratio bound (a bomb) or the image-wide budget
 * MOAT_SECRET_MAX_UNPACK_TOTAL. What came out before the bound is scanned.
 */
uint64_t moat_secret_scanner_skipped_compressed(const struct moat_secret_scanner *sc);

/* Compressed files that were corrupt or truncated (a warning, not an error; the part that
 * decompressed is scanned). */
uint64_t moat_secret_scanner_corrupt_compressed(const struct moat_secret_scanner *sc);

/*
 * One "path: reason" line per file the scan could not read whole, in the order met: larger
 * than the cap, a truncated or corrupt gzip/zstd stream, a decompression bound or budget, a
 * damaged tar archive ("usr/share/doc/x/notes.gz: truncated gzip stream, scanned up to where
 * it ends"). Paths are made printable. At most MOAT_SECRET_MAX_WARNINGS; *dropped (may be
 * NULL) counts the rest. Owned by sc, valid until moat_secret_scanner_free().
 */
const char *const *moat_secret_scanner_warnings(const struct moat_secret_scanner *sc, size_t *n,
                                                uint64_t *dropped);

#endif
