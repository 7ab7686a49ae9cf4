/*
 * version_int.h - the per-ecosystem comparators behind moat_version_cmp().
 * Room-internal: *_valid() returns 1 or 0; *_cmp() returns <0, 0, >0 and may
 * assume both inputs passed *_valid() (except ver_apk_cmp, which, like
 * apk-tools, also orders invalid versions). Plus the small shared helpers.
 */
#ifndef MOAT_VERSION_INT_H
#define MOAT_VERSION_INT_H

#include <stddef.h>

int ver_dpkg_valid(const char *v, size_t n);
int ver_dpkg_cmp(const char *a, size_t an, const char *b, size_t bn);
int ver_rpm_valid(const char *v, size_t n);
int ver_rpm_cmp(const char *a, size_t an, const char *b, size_t bn);
int ver_apk_valid(const char *v, size_t n);
int ver_apk_cmp(const char *a, size_t an, const char *b, size_t bn);
int ver_semver_valid(const char *v, size_t n);
int ver_semver_cmp(const char *a, size_t an, const char *b, size_t bn);
/*
 * Shared by semver.c and go.c. ver_semver_idents: length of the
 * dot-separated [0-9A-Za-z-]+ identifiers at s (numeric ones without leading
 * zeros when strict), or 0. ver_semver_precmp: compare two pre-release
 * lists (NULL = none, which sorts last); js selects npm's number semantics.
 */
size_t ver_semver_idents(const char *s, size_t n, int strict);
int ver_semver_precmp(const char *a, size_t an, const char *b, size_t bn, int js);
/*
 * MAJOR.MINOR.PATCH[-pre][+build] split into its parts (pointers into the
 * input). ver_semver_core parses all of s[0..n) (no 'v', no spaces) and
 * returns 1 or 0. Flags: VER_SEMVER_SAFE_INT caps each number at 2^53-1;
 * VER_SEMVER_SHORTHAND accepts "1" and "1.2" (missing numbers are "0", and
 * nothing may follow). ver_semver_order compares two parsed versions;
 * js as for ver_semver_precmp.
 */
struct ver_semver {
    const char *num[3];
    size_t numn[3];
    const char *pre; /* without the '-'; NULL when absent */
    size_t pren;
};
#define VER_SEMVER_SAFE_INT 1
#define VER_SEMVER_SHORTHAND 2
int ver_semver_core(const char *s, size_t n, int flags, struct ver_semver *out);
int ver_semver_order(const struct ver_semver *x, const struct ver_semver *y, int js);
int ver_go_valid(const char *v, size_t n);
int ver_go_cmp(const char *a, size_t an, const char *b, size_t bn);
int ver_pep440_valid(const char *v, size_t n);
int ver_pep440_cmp(const char *a, size_t an, const char *b, size_t bn);
int ver_maven_valid(const char *v, size_t n);
int ver_maven_cmp(const char *a, size_t an, const char *b, size_t bn);

/* ASCII-only classification (no locale). */
static inline int ver_isdigit(int c) { return c >= '0' && c <= '9'; }
static inline int ver_isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline int ver_isalnum(int c) { return ver_isdigit(c) || ver_isalpha(c); }
static inline int ver_tolower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }
static inline int ver_sign(int x) { return (x > 0) - (x < 0); }

/*
 * Compare two unsigned decimal digit strings by value, of any length:
 * leading zeros are skipped, then the longer wins, then memcmp.
 */
int ver_numcmp(const char *a, size_t an, const char *b, size_t bn);

/* memcmp-then-length comparison of two byte strings (strcmp order). */
int ver_bytecmp(const char *a, size_t an, const char *b, size_t bn);

#endif
