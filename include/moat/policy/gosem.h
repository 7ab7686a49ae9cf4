/*
 * gosem.h - how the Docker daemon, a Go program, reads the strings of a
 * request, so that a policy compares the value the daemon will use and not
 * its spelling: encoding/json's case-insensitive field names, strings.ToUpper
 * (Unicode simple case mapping), strconv.Atoi, net/url's request-target and
 * query parsing, and moby's API version comparison. Pure functions.
 */
#ifndef MOAT_POLICY_GOSEM_H
#define MOAT_POLICY_GOSEM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * obj[name] as Go's encoding/json fills a struct field: keys match
 * case-insensitively (U+212A KELVIN SIGN and U+017F LONG S match k and s).
 * NULL when absent or obj is not an object; when two keys match, NULL and
 * *ambiguous = true (Go would merge or take the last one; a policy must not
 * guess).
 */
json_t *moat_go_field(const json_t *obj, const char *name, bool *ambiguous);

/*
 * strings.ToUpper(s) where the result is ASCII: a-z, U+0131 (dotless i -> I)
 * and U+017F (long s -> S) - the only code points outside ASCII whose simple
 * upper case (Go's unicode.CaseRanges) is ASCII. Writes the upper-cased string
 * to out; false when s holds any other non-ASCII byte (then its upper case
 * cannot equal an ASCII name) or does not fit in cap.
 */
bool moat_go_upper_ascii(const char *s, size_t len, char *out, size_t cap);

/* strconv.Atoi(s[0..len)) for a decimal int64: one optional sign, then digits. */
bool moat_go_atoi(const char *s, size_t len, long long *out);

/*
 * moby's versions.Compare: dotted parts compared as integers (a part Atoi
 * cannot read counts as 0). <0, 0, >0.
 */
int moat_go_version_cmp(const char *a, const char *b);

/* The value of one hex digit of a %XX escape, or -1. */
int moat_go_hexval(char c);

/*
 * The first value of key in a raw query string, as Go's url.ParseQuery and
 * Request.FormValue read it: pairs split on '&', a pair holding ';' or a bad
 * %-escape is skipped, '+' is a space. 1 when found (out holds it, NUL-terminated),
 * 0 when absent, -1 when the value does not fit in cap.
 */
int moat_go_query_get(const char *query, const char *key, char *out, size_t cap);

#endif
