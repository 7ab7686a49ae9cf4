/*
 * json_util.c - JSON from images, bounded and typed: parsed by base/json.c
 * (size capped by MOAT_MAX_JSON_BYTES, depth checked, duplicate keys
 * refused), and getters that turn a wrong type into an error naming the field.
 * Must not know what the documents mean (config.c, oci.c, docker_archive.c).
 */
#include "source_internal.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/json.h"
#include "moat/base/limits.h"

int source_json_parse(const char *data, size_t len, const char *what, json_t **out,
                      struct moat_err *err)
{
    return moat_json_parse(data, len, MOAT_MAX_JSON_BYTES, what, out, err);
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
