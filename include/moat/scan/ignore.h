/*
 * ignore.h - accepted findings, the way Trivy users already write them: an
 * ignore file (`.moatignore` by default, the `.trivyignore` line format)
 * of ids, one per line, each optionally with `exp:YYYY-MM-DD` after which
 * it no longer applies; `#` starts a comment line. An id matches a
 * finding's rule id or one of its aliases (CVE, GHSA, DSA, secret rule,
 * MIC/MDL check, hadolint DL id), case-insensitively.
 */
#ifndef MOAT_SCAN_IGNORE_H
#define MOAT_SCAN_IGNORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"

#define MOAT_IGNORE_MAX_BYTES (4u << 20) /* an ignore file */
#define MOAT_IGNORE_MAX_ENTRIES 100000u  /* ids in one file */
#define MOAT_IGNORE_MAX_ID 256u          /* bytes of one id */

struct moat_ignore_entry {
    char *id;
    int64_t expires; /* unix seconds at which it stops applying; 0 = never */
    uint32_t line;
};

struct moat_ignore {
    char *path; /* for messages */
    struct moat_ignore_entry *v;
    size_t n, cap;
};

/*
 * Parse len bytes of the ignore file `where`. Errors name the file and line
 * ("FILE:3: exp:2024-13-01 is not a date (YYYY-MM-DD)"). *out is new.
 */
int moat_ignore_parse(const char *where, const char *data, size_t len, struct moat_ignore **out,
                      struct moat_err *err);
/* Read and parse the file at path (a regular file, at most MOAT_IGNORE_MAX_BYTES). */
int moat_ignore_load(const char *path, struct moat_ignore **out, struct moat_err *err);
/*
 * The entry that covers f at time now, or NULL. *expired (may be NULL) gets
 * an entry that would cover f but has expired, or NULL.
 */
const struct moat_ignore_entry *moat_ignore_match(const struct moat_ignore *ig,
                                                  const struct moat_finding *f, int64_t now,
                                                  const struct moat_ignore_entry **expired);
void moat_ignore_free(struct moat_ignore *ig);

#endif
