/*
 * json.c - bounded JSON parsing shared by every room (see json.h).
 */
#include "moat/base/json.h"
#include "moat/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/base/limits.h"
#include "moat/base/text.h"

size_t moat_json_depth(const char *data, size_t len)
{
    size_t depth = 0, max = 0;
    int in_str = 0;

    for (size_t i = 0; i < len; i++) {
        char c = data[i];

        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                max = depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}

int moat_json_parse(const char *data, size_t len, size_t max_bytes, const char *what, json_t **out,
                    struct moat_err *err)
{
    json_error_t je;

    *out = NULL;
    if (len > max_bytes)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: %zu bytes of JSON, more than the %zu allowed",
                            what, len, max_bytes);
    if (moat_json_depth(data, len) > MOAT_MAX_JSON_DEPTH)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: JSON nested more than %u deep", what,
                            MOAT_MAX_JSON_DEPTH);
    *out = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (*out == NULL)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: invalid JSON at line %d column %d: %s", what,
                            je.line, je.column, je.text);
    if (!json_is_object(*out) && !json_is_array(*out)) {
        json_decref(*out);
        *out = NULL;
        return moat_err_set(err, MOAT_E_FORMAT, "%s: JSON is not an object or array", what);
    }
    return 0;
}

int moat_json_load_file(const char *path, size_t max_bytes, json_t **out, struct moat_err *err)
{
    char *data = NULL;
    size_t got = 0;
    int rc;

    *out = NULL;
    rc = moat_file_read(path, max_bytes, &data, &got, err);
    if (rc < 0)
        return rc;
    rc = moat_json_parse(data, got, max_bytes, path, out, err);
    free(data);
    return rc;
}

json_t *moat_json_str(const char *s)
{
    json_t *v;
    char *fixed;

    if (s == NULL)
        return json_null();
    v = json_string(s);
    if (v != NULL)
        return v;
    fixed = moat_utf8_repair(s); /* json_string refuses invalid UTF-8 */
    if (fixed == NULL)
        return NULL;
    v = json_string(fixed);
    free(fixed);
    return v;
}

int moat_json_set_str(json_t *o, const char *key, const char *s)
{
    json_t *v = moat_json_str(s);

    if (v == NULL || json_object_set_new(o, key, v) < 0)
        return -MOAT_E_NOMEM;
    return 0;
}

int moat_json_set_str_opt(json_t *o, const char *key, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return 0;
    return moat_json_set_str(o, key, s);
}

json_t *moat_json_str_array(char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, moat_json_str(v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}
