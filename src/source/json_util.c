/*
 * json_util.c - JSON from images, bounded and typed: size capped by
 * MOAT_MAX_JSON_BYTES, nesting depth checked on the raw bytes before
 * jansson sees them (jansson has no depth option), duplicate keys refused,
 * and getters that turn a wrong type into an error naming the field.
 * Must not know what the documents mean (config.c, oci.c, docker_archive.c).
 */
#include "source_internal.h"

#include <stdlib.h>
#include <string.h>

#include "../base/limits.h"

size_t source_json_depth(const char *data, size_t len)
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

int source_json_parse(const char *data, size_t len, const char *what, json_t **out,
                      struct moat_err *err)
{
    json_error_t je;
    size_t depth;

    *out = NULL;
    if (len > MOAT_MAX_JSON_BYTES)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: %zu bytes of JSON, more than %u allowed", what,
                            len, MOAT_MAX_JSON_BYTES);
    depth = source_json_depth(data, len);
    if (depth > MOAT_MAX_JSON_DEPTH)
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

static int wrong(const char *what, const char *key, const char *want, struct moat_err *err)
{
    return moat_err_set(err, MOAT_E_FORMAT, "%s.%s: expected %s", what, key, want);
}

int source_json_str(const json_t *obj, const char *key, const char *what, char **out,
                    struct moat_err *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return wrong(what, key, "a string", err);
    *out = strndup(json_string_value(v), json_string_length(v));
    if (*out == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s.%s: out of memory", what, key);
    return 0;
}

int source_json_strv(const json_t *obj, const char *key, const char *what, char ***out, size_t *n,
                     struct moat_err *err)
{
    json_t *v = json_object_get(obj, key), *it;
    char **arr = NULL;
    size_t i, cnt = 0;
    int rc = 0;

    *out = NULL;
    *n = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        /* Docker accepts a bare string for Cmd/Entrypoint; keep it as one element */
        arr = calloc(1, sizeof(*arr));
        if (arr == NULL || (arr[0] = strdup(json_string_value(v))) == NULL) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "%s.%s: out of memory", what, key);
            goto out;
        }
        cnt = 1;
        goto done;
    }
    if (!json_is_array(v))
        return wrong(what, key, "an array of strings", err);
    arr = calloc(json_array_size(v) + 1, sizeof(*arr));
    if (arr == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s.%s: out of memory", what, key);
        goto out;
    }
    json_array_foreach(v, i, it)
    {
        if (!json_is_string(it)) {
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s.%s[%zu]: expected a string", what, key, i);
            goto out;
        }
        arr[cnt] = strndup(json_string_value(it), json_string_length(it));
        if (arr[cnt] == NULL) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "%s.%s: out of memory", what, key);
            goto out;
        }
        cnt++;
    }
done:
    *out = arr;
    *n = cnt;
    arr = NULL;
out:
    source_strv_free(arr, cnt);
    return rc;
}

int source_json_u64(const json_t *obj, const char *key, const char *what, int required,
                    uint64_t *out, struct moat_err *err)
{
    json_t *v = json_object_get(obj, key);

    *out = 0;
    if (v == NULL || json_is_null(v)) {
        if (required)
            return moat_err_set(err, MOAT_E_FORMAT, "%s.%s: missing", what, key);
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return wrong(what, key, "a non-negative integer", err);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int source_json_obj(const json_t *obj, const char *key, const char *what, json_t **out,
                    struct moat_err *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return wrong(what, key, "an object", err);
    *out = v;
    return 0;
}

int source_json_arr(const json_t *obj, const char *key, const char *what, json_t **out,
                    struct moat_err *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return wrong(what, key, "an array", err);
    *out = v;
    return 0;
}

void source_strv_free(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
