/*
 * json.h - JSON from strangers, bounded: a size cap, nesting depth checked
 * on the raw bytes before jansson sees them (jansson has no depth option),
 * duplicate keys refused. Every room that parses untrusted JSON (image
 * configs, SBOMs, advisories, VEX, policies) goes through here.
 */
#ifndef MOAT_BASE_JSON_H
#define MOAT_BASE_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "moat/base/error.h"

/* Deepest nesting of arrays/objects in data, strings skipped. */
size_t moat_json_depth(const char *data, size_t len);

/*
 * Parse data (len bytes, at most max_bytes) into an object or array. On
 * error *out is NULL and the message starts with `what` (a file name).
 */
int moat_json_parse(const char *data, size_t len, size_t max_bytes, const char *what, json_t **out,
                    struct moat_err *err);

/* Read the regular file at path (at most max_bytes) and parse it as above. */
int moat_json_load_file(const char *path, size_t max_bytes, json_t **out, struct moat_err *err);

/*
 * Writing strings from images into documents. moat_json_str: a new JSON
 * string for s with invalid UTF-8 replaced by U+FFFD, json null for NULL;
 * NULL only when out of memory. moat_json_set_str: set o[key] to that, 0 or
 * -MOAT_E_NOMEM; moat_json_set_str_opt: the same, but nothing for NULL or "".
 * moat_json_str_array: a new array of the n strings, NULL when out of memory.
 */
json_t *moat_json_str(const char *s);
int moat_json_set_str(json_t *o, const char *key, const char *s);
int moat_json_set_str_opt(json_t *o, const char *key, const char *s);
json_t *moat_json_str_array(char *const *v, size_t n);

#endif
