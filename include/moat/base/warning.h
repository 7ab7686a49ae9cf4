/*
 * warning.h - what limited an answer. A scan that could not look at
 * something (no OS detected, no advisories for the image's release, a
 * stale database, an unreadable file) still answers, but says so: a
 * warning has a stable code for machines and a one-line message for
 * people. The library collects them; cli/ prints them and report/ writes
 * them (JSON "warnings", SARIF notifications).
 */
#ifndef MOAT_BASE_WARNING_H
#define MOAT_BASE_WARNING_H

#include <stddef.h>

#include "moat/base/error.h"

#define MOAT_MAX_WARNINGS 1000u /* kept per answer; the rest are counted in dropped */

struct moat_warning {
    char *code;    /* stable, kebab-case: "os-not-detected", "db-stale", ... */
    char *message; /* one line, names the input */
};

struct moat_warnings {
    struct moat_warning *v;
    size_t n, cap;
    size_t dropped; /* warnings past MOAT_MAX_WARNINGS */
};

/*
 * Append a warning (the message is formatted, newlines flattened). Past
 * MOAT_MAX_WARNINGS it is counted in dropped and 0 is returned. Returns 0 or
 * -MOAT_E_NOMEM (err set).
 */
int moat_warnings_add(struct moat_warnings *w, struct moat_err *err, const char *code,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Number of warnings with this code. */
size_t moat_warnings_count(const struct moat_warnings *w, const char *code);
void moat_warnings_free(struct moat_warnings *w);

#endif
