/*
 * engine.c - the Engine API client (see engine.h) with libcurl
 * (CURLOPT_UNIX_SOCKET_PATH): one GET per call, HTTP only, a time limit, the
 * answer collected into a bounded buffer and parsed as hostile JSON. Idle
 * easy handles are kept in a small pool so their connections stay open
 * (keep-alive): a lookup then costs the engine's answer, not a connect.
 */
#include "moat/engine/engine.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "moat/base/buf.h"
#include "moat/base/json.h"

#define POOL 16 /* idle handles kept */

struct moat_engine {
    char *socket_path;
    pthread_mutex_t lock;
    CURL *idle[POOL];
    size_t n_idle;
};

int moat_engine_new(const char *url, struct moat_engine **out, struct moat_err *err)
{
    struct moat_engine *e;

    *out = NULL;
    e = calloc(1, sizeof *e);
    if (e == NULL ||
        (e->socket_path = strdup(strncmp(url, "unix://", 7) == 0 ? url + 7 : url)) == NULL) {
        free(e);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    pthread_mutex_init(&e->lock, NULL);
    *out = e;
    return 0;
}

void moat_engine_free(struct moat_engine *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n_idle; i++)
        curl_easy_cleanup(e->idle[i]);
    pthread_mutex_destroy(&e->lock);
    free(e->socket_path);
    free(e);
}

const char *moat_engine_socket(const struct moat_engine *e)
{
    return e->socket_path;
}

static CURL *take(struct moat_engine *e)
{
    CURL *h = NULL;

    pthread_mutex_lock(&e->lock);
    if (e->n_idle > 0)
        h = e->idle[--e->n_idle];
    pthread_mutex_unlock(&e->lock);
    if (h != NULL)
        curl_easy_reset(h); /* options cleared, the open connection kept */
    return h != NULL ? h : curl_easy_init();
}

static void give_back(struct moat_engine *e, CURL *h)
{
    pthread_mutex_lock(&e->lock);
    if (e->n_idle < POOL) {
        e->idle[e->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&e->lock);
    if (h != NULL)
        curl_easy_cleanup(h);
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct moat_buf *b = arg;

    if (n != 0 && size > SIZE_MAX / n)
        return 0;
    return moat_buf_append(b, p, size * n) == 0 ? size * n : 0; /* 0 aborts over the cap */
}

static char **str_list(const json_t *arr, size_t *n)
{
    size_t i, k = 0, cnt = json_is_array(arr) ? json_array_size(arr) : 0;
    char **v;
    json_t *e;

    *n = 0;
    if (cnt > MOAT_ENGINE_MAX_LIST)
        cnt = MOAT_ENGINE_MAX_LIST;
    v = calloc(cnt + 1, sizeof *v);
    if (v == NULL)
        return NULL;
    json_array_foreach(arr, i, e)
    {
        if (i >= cnt)
            break;
        if (json_is_string(e) && (v[k] = strdup(json_string_value(e))) != NULL)
            k++;
    }
    *n = k;
    return v;
}

void moat_engine_image_free(struct moat_engine_image *im)
{
    for (size_t i = 0; i < im->n_tags; i++)
        free(im->tags[i]);
    for (size_t i = 0; i < im->n_digests; i++)
        free(im->digests[i]);
    free(im->tags);
    free(im->digests);
    free(im->id);
    free(im->user);
    memset(im, 0, sizeof *im);
}

int moat_engine_get(struct moat_engine *e, const char *path, json_t **out, struct moat_err *err)
{
    const char *socket_path = e->socket_path;
    struct moat_buf body = {NULL, 0, 0, MOAT_ENGINE_MAX_RESPONSE};
    char *url = NULL;
    long status = 0;
    CURLcode cc;
    CURL *h;
    int rc = 0;

    *out = NULL;
    h = take(e);
    if (h == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "engine: cannot start libcurl");
    if (asprintf(&url, "http://engine%s", path) < 0) {
        url = NULL;
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket_path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, MOAT_ENGINE_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        rc = moat_err_set(err, cc == CURLE_WRITE_ERROR ? MOAT_E_LIMIT : MOAT_E_IO, "engine %s: %s",
                          socket_path,
                          cc == CURLE_WRITE_ERROR ? "answer too large" : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status == 404) {
        rc = moat_err_set(err, MOAT_E_NOTFOUND, "engine: GET %.200s: not found", path);
        goto out;
    }
    if (status != 200) {
        rc = moat_err_set(err, MOAT_E_IO, "engine: GET %.200s answered %ld", path, status);
        goto out;
    }
    if ((rc = moat_json_parse(body.data != NULL ? body.data : "", body.len,
                              MOAT_ENGINE_MAX_RESPONSE, "engine answer", out, err)) < 0)
        goto out;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = moat_err_set(err, MOAT_E_FORMAT, "engine: GET %.200s: not a JSON object", path);
    }
out:
    free(url);
    moat_buf_free(&body);
    if (rc == 0 || rc == -MOAT_E_NOTFOUND)
        give_back(e, h); /* a failed transfer's connection is not reused */
    else
        curl_easy_cleanup(h);
    return rc;
}

int moat_engine_get_obj(struct moat_engine *e, const char *kind, const char *name, json_t **out,
                        struct moat_err *err)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name), o = 0;
    char *path;
    int rc;

    *out = NULL;
    if (n == 0 || n > 4096)
        return moat_err_set(err, MOAT_E_NOTFOUND, "engine: no %s named '%.200s'", kind, name);
    path = malloc(strlen(kind) + 3 * n + 8);
    if (path == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    path[o++] = '/';
    memcpy(path + o, kind, strlen(kind));
    o += strlen(kind);
    path[o++] = '/';
    for (size_t i = 0; i < n; i++) { /* unreserved bytes and '/' stay, the rest is %XX */
        unsigned char c = (unsigned char)name[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            path[o++] = (char)c;
        } else {
            path[o++] = '%';
            path[o++] = hex[c >> 4];
            path[o++] = hex[c & 15];
        }
    }
    memcpy(path + o, strcmp(kind, "volumes") == 0 ? "" : "/json",
           strcmp(kind, "volumes") == 0 ? 1 : 6);
    rc = moat_engine_get(e, path, out, err);
    free(path);
    return rc;
}

int moat_engine_image_inspect(struct moat_engine *e, const char *ref, struct moat_engine_image *out,
                              struct moat_err *err)
{
    json_t *doc = NULL, *id, *user;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = moat_engine_get_obj(e, "images", ref, &doc, err)) < 0)
        return rc;
    id = json_object_get(doc, "Id");
    user = json_object_get(json_object_get(doc, "Config"), "User");
    if (!json_is_string(id) || strncmp(json_string_value(id), "sha256:", 7) != 0 ||
        json_string_length(id) != 71) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "engine: image inspect has no sha256 Id");
        goto out;
    }
    out->id = strdup(json_string_value(id));
    out->user = strdup(json_is_string(user) ? json_string_value(user) : "");
    out->tags = str_list(json_object_get(doc, "RepoTags"), &out->n_tags);
    out->digests = str_list(json_object_get(doc, "RepoDigests"), &out->n_digests);
    if (out->id == NULL || out->user == NULL || out->tags == NULL || out->digests == NULL) {
        moat_engine_image_free(out);
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
out:
    json_decref(doc);
    return rc;
}
