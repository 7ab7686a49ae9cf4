/*
 * authz.c - the authorization plugin's decisions (see authz.h); the HTTP
 * side is authz_server.c. Image facts are cached in two steps: the name
 * Docker was given -> the engine's answer (id, tags, user), and the image id
 * -> the verified custody and scan evidence. The decision itself is
 * recomputed on every request from those facts, the request and the clock.
 */
#include "authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/json.h"
#include "../source/image.h"
#include "cache.h"
#include "engine.h"

struct moat_authz {
    struct moat_authz_opts o;
    struct moat_admit_policy image_policy; /* the policy without non_root (checked per request) */
    struct moat_cache *cache;
    uint64_t hits, misses;
};

/* ---- routes ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The path of uri as the engine's router sees it: decoded, cleaned, without query or version. */
static int clean_uri_path(const char *uri, char *out, size_t cap)
{
    size_t o = 0, n = strcspn(uri, "?#");
    char *p, *seg;

    if (n == 0 || n >= cap || uri[0] != '/')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (uri[i] == '%' && i + 2 < n + 1 && hexval(uri[i + 1]) >= 0 && hexval(uri[i + 2]) >= 0) {
            out[o++] = (char)(hexval(uri[i + 1]) * 16 + hexval(uri[i + 2]));
            i += 2;
        } else {
            out[o++] = uri[i];
        }
    }
    out[o] = '\0';
    if (memchr(out, '\0', o) != NULL)
        return -1;
    /* collapse "//", "/./" and "/x/../" */
    p = out;
    o = 0;
    for (seg = p; *seg != '\0';) {
        size_t len;

        while (*seg == '/')
            seg++;
        len = strcspn(seg, "/");
        if (len == 0)
            break;
        if (len == 1 && seg[0] == '.') {
        } else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else {
            out[o++] = '/';
            memmove(out + o, seg, len);
            o += len;
        }
        seg += len;
        if (seg < out + o) /* never happens: writes trail reads */
            return -1;
    }
    out[o] = '\0';
    /* the API version prefix: /v1.47, /v1 */
    if (out[0] == '/' && out[1] == 'v' && out[2] >= '0' && out[2] <= '9') {
        size_t i = 2;

        while ((out[i] >= '0' && out[i] <= '9') || out[i] == '.')
            i++;
        if (out[i] == '/' || out[i] == '\0') {
            memmove(out, out + i, strlen(out + i) + 1);
            if (out[0] == '\0')
                memcpy(out, "/", 2);
        }
    }
    return 0;
}

enum moat_authz_route moat_authz_route(const char *method, const char *uri)
{
    char path[4096];
    size_t n;

    if (method == NULL || uri == NULL || strcmp(method, "POST") != 0 ||
        clean_uri_path(uri, path, sizeof path) < 0)
        return MOAT_AUTHZ_ROUTE_OTHER;
    if (strcmp(path, "/containers/create") == 0)
        return MOAT_AUTHZ_ROUTE_CREATE;
    n = strlen(path);
    if (strncmp(path, "/containers/", 12) == 0 && n > 17 && strcmp(path + n - 5, "/exec") == 0 &&
        memchr(path + 12, '/', n - 17) == NULL)
        return MOAT_AUTHZ_ROUTE_EXEC;
    return MOAT_AUTHZ_ROUTE_OTHER;
}

/* ---- base64 ---- */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int moat_base64_decode(const char *in, size_t len, size_t max_out, unsigned char **out,
                       size_t *out_len)
{
    unsigned char *buf;
    size_t o = 0;

    *out = NULL;
    *out_len = 0;
    if (len % 4 != 0 || len / 4 * 3 > max_out + 2)
        return -MOAT_E_FORMAT;
    buf = malloc(len / 4 * 3 + 1);
    if (buf == NULL)
        return -MOAT_E_NOMEM;
    for (size_t i = 0; i < len; i += 4) {
        int v[4], pad = 0;

        for (size_t k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];

            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad > 0 || (v[k] = b64val(c)) < 0) {
                free(buf);
                return -MOAT_E_FORMAT;
            }
        }
        if (pad == 1 && in[i + 2] == '=') {
            free(buf);
            return -MOAT_E_FORMAT;
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        /* canonical: the bits under the padding are zero */
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff))) {
            free(buf);
            return -MOAT_E_FORMAT;
        }
        buf[o++] = (unsigned char)(w >> 16);
        if (pad < 2)
            buf[o++] = (unsigned char)(w >> 8);
        if (pad < 1)
            buf[o++] = (unsigned char)w;
    }
    if (o > max_out) {
        free(buf);
        return -MOAT_E_FORMAT;
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return 0;
}

/* ---- setup ---- */

int moat_authz_new(const struct moat_authz_opts *opts, struct moat_authz **out,
                   struct moat_err *err)
{
    struct moat_authz *az;
    int rc;

    *out = NULL;
    az = calloc(1, sizeof *az);
    if (az == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    az->o = *opts;
    az->image_policy = *opts->policy;
    az->image_policy.non_root = false;
    if ((rc = moat_cache_new(opts->cache_size ? opts->cache_size : 1024, opts->cache_ttl_ms,
                             &az->cache, err)) < 0) {
        free(az);
        return rc;
    }
    *out = az;
    return 0;
}

void moat_authz_free(struct moat_authz *az)
{
    if (az == NULL)
        return;
    moat_cache_free(az->cache);
    free(az);
}

void moat_authz_stats(struct moat_authz *az, uint64_t *hits, uint64_t *misses)
{
    *hits = __atomic_load_n(&az->hits, __ATOMIC_RELAXED);
    *misses = __atomic_load_n(&az->misses, __ATOMIC_RELAXED);
}

/* ---- image facts ---- */

static bool looks_like_id(const char *ref)
{
    size_t n = strlen(ref), i = 0;

    if (strncmp(ref, "sha256:", 7) == 0)
        return true;
    while (i < n && hexval(ref[i]) >= 0 && !(ref[i] >= 'A' && ref[i] <= 'F'))
        i++;
    return i == n && n == 64;
}

/* "docker.io/library/x" -> "docker.io/library/x:latest" unless tagged or pinned. */
static char *with_tag(const char *norm)
{
    const char *last = strrchr(norm, '/');
    char *s = NULL;

    last = last != NULL ? last : norm;
    if (strchr(last, ':') != NULL || strchr(norm, '@') != NULL)
        return strdup(norm);
    return asprintf(&s, "%s:latest", norm) < 0 ? NULL : s;
}

/* Whether ref (as Docker was asked) is one of the names the engine lists for the image. */
static bool ref_names_image(const char *ref, json_t *facts)
{
    char *want = NULL, *want_t = NULL;
    bool found = false;
    size_t i;
    json_t *v;
    const char *lists[] = {"tags", "digests"};

    if (moat_image_name_normalize(ref, &want, NULL) < 0)
        return false;
    want_t = with_tag(want);
    for (size_t l = 0; l < 2 && !found && want_t != NULL; l++)
        json_array_foreach(json_object_get(facts, lists[l]), i, v)
        {
            char *have = NULL, *have_t = NULL;

            if (moat_image_name_normalize(json_string_value(v), &have, NULL) == 0 &&
                (have_t = with_tag(have)) != NULL && strcmp(have_t, want_t) == 0)
                found = true;
            free(have);
            free(have_t);
            if (found)
                break;
        }
    free(want);
    free(want_t);
    return found;
}

static json_t *strs_json(char **v, size_t n)
{
    json_t *a = moat_json_str_array(v, n);

    return a != NULL ? a : json_array();
}

/* The engine's facts about ref, cached by name. NULL and a reason in d when unknown. */
static json_t *name_facts(struct moat_authz *az, const char *ref, struct moat_decision *d,
                          struct moat_err *err)
{
    struct moat_engine_image im;
    struct moat_err e2 = MOAT_ERR_INIT;
    char key[MOAT_CACHE_MAX_KEY + 8];
    json_t *f;
    int rc;

    snprintf(key, sizeof key, "name:%s", ref);
    if ((f = moat_cache_get(az->cache, key)) != NULL) {
        __atomic_fetch_add(&az->hits, 1, __ATOMIC_RELAXED);
        return f;
    }
    __atomic_fetch_add(&az->misses, 1, __ATOMIC_RELAXED);
    rc = moat_engine_image_inspect(moat_engine_socket_path(az->o.engine_socket), ref, &im, &e2);
    if (rc < 0) {
        if (rc == -MOAT_E_NOMEM)
            moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        else
            moat_decision_add(d, err, "image: cannot resolve '%.200s': %s", ref, moat_err_msg(&e2));
        moat_err_clear(&e2);
        return NULL;
    }
    f = json_pack("{s:s, s:s, s:o, s:o}", "id", im.id, "user", im.user, "tags",
                  strs_json(im.tags, im.n_tags), "digests", strs_json(im.digests, im.n_digests));
    moat_engine_image_free(&im);
    if (f == NULL) {
        moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        return NULL;
    }
    moat_cache_put(az->cache, key, f);
    return f;
}

/* Evidence about an image id as JSON (cached by id). */
static json_t *id_evidence(struct moat_authz *az, const char *ref, json_t *facts,
                           struct moat_err *err)
{
    const char *id = json_string_value(json_object_get(facts, "id"));
    struct moat_admit_evidence ev = {0};
    struct moat_image_meta meta = {0};
    char key[128], **tags = NULL;
    size_t n_tags = 0, i;
    json_t *e, *v, *scan = json_null(), *reasons;
    int rc;

    snprintf(key, sizeof key, "id:%s", id);
    if ((e = moat_cache_get(az->cache, key)) != NULL)
        return e;
    if (az->o.evidence == NULL)
        return json_pack("{s:b, s:b, s:[s], s:n}", "checked", 1, "ok", 0, "reasons",
                         "moat authz runs without attestation support", "scan");
    tags = calloc(json_array_size(json_object_get(facts, "tags")) + 1, sizeof *tags);
    if (tags == NULL) {
        moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        return NULL;
    }
    json_array_foreach(json_object_get(facts, "tags"), i, v) tags[n_tags++] =
        (char *)json_string_value(v);
    meta.transport = "docker-archive"; /* the engine's id is the config digest */
    meta.ref = (char *)ref;
    meta.name = (char *)ref;
    meta.config_digest = (char *)id;
    meta.tags = tags;
    meta.n_tags = n_tags;
    meta.user = (char *)json_string_value(json_object_get(facts, "user"));
    rc = az->o.evidence(&az->o.policy[0], &meta, (int64_t)time(NULL), &ev, err);
    free(tags);
    if (rc < 0) {
        moat_admit_evidence_free(&ev);
        return NULL;
    }
    if (ev.scan.present)
        scan = json_pack("{s:I, s:[I,I,I,I,I], s:I, s:I}", "time", (json_int_t)ev.scan.time, "sev",
                         (json_int_t)ev.scan.by_severity[0], (json_int_t)ev.scan.by_severity[1],
                         (json_int_t)ev.scan.by_severity[2], (json_int_t)ev.scan.by_severity[3],
                         (json_int_t)ev.scan.by_severity[4], "secrets", (json_int_t)ev.scan.secrets,
                         "scanners", (json_int_t)ev.scan.scanners);
    reasons = moat_json_str_array((char **)ev.custody.reasons, ev.custody.n_reasons);
    e = json_pack("{s:b, s:b, s:o*, s:o*}", "checked", ev.custody.checked, "ok", ev.custody.ok,
                  "reasons", reasons, "scan", scan);
    moat_admit_evidence_free(&ev);
    if (e == NULL) {
        moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        return NULL;
    }
    moat_cache_put(az->cache, key, e);
    return e;
}

/* Reasons about the image named ref; *user gets the image's user (owned copy) when known. */
static int check_image(struct moat_authz *az, const char *ref, struct moat_decision *d, char **user,
                       struct moat_err *err)
{
    const struct moat_admit_policy *p = az->o.policy;
    bool needs_evidence = p->custody_path != NULL || moat_admit_policy_needs_scan(p);
    struct moat_admit_image img = {0};
    const char *one[1] = {ref};
    const char **names = NULL;
    json_t *facts = NULL, *ev = NULL, *v;
    char **reasons = NULL;
    size_t i;
    int rc = 0;

    img.now = (int64_t)time(NULL);
    if (!p->has_registries && !needs_evidence && !p->non_root)
        return 0; /* nothing about the image matters: no engine round trip */
    if (az->o.engine_socket == NULL) {
        if (!looks_like_id(ref)) {
            img.names = one;
            img.n_names = 1;
        }
        if (needs_evidence &&
            (rc = moat_decision_add(d, err,
                                    "image: no engine (--engine) to resolve '%.200s' to an "
                                    "image id, so its attestations cannot be found",
                                    ref)) < 0)
            return rc;
        img.custody.checked = false;
        return moat_admit_check_image(&az->image_policy, &img, d, err);
    }
    if ((facts = name_facts(az, ref, d, err)) == NULL)
        return err->code == MOAT_E_NOMEM ? -MOAT_E_NOMEM : 0;
    *user = strdup(json_string_value(json_object_get(facts, "user")));
    if (ref_names_image(ref, facts)) {
        img.names = one;
        img.n_names = 1;
    } else { /* run by id (or an id prefix): every name the image has must be trusted */
        json_t *tags = json_object_get(facts, "tags");

        names = calloc(json_array_size(tags) + 1, sizeof *names);
        if (names == NULL) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
            goto out;
        }
        json_array_foreach(tags, i, v) names[img.n_names++] = json_string_value(v);
        img.names = names;
    }
    if (needs_evidence) {
        if ((ev = id_evidence(az, ref, facts, err)) == NULL) {
            rc = -MOAT_E_NOMEM;
            goto out;
        }
        json_t *r = json_object_get(ev, "reasons"), *s = json_object_get(ev, "scan");

        img.custody.checked = json_is_true(json_object_get(ev, "checked"));
        img.custody.ok = json_is_true(json_object_get(ev, "ok"));
        reasons = calloc(json_array_size(r) + 1, sizeof *reasons);
        if (reasons == NULL) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
            goto out;
        }
        json_array_foreach(r, i, v) reasons[img.custody.n_reasons++] = (char *)json_string_value(v);
        img.custody.reasons = reasons;
        if (json_is_object(s)) {
            img.scan.present = true;
            img.scan.source = "attested scan";
            img.scan.time = json_integer_value(json_object_get(s, "time"));
            img.scan.secrets = (uint64_t)json_integer_value(json_object_get(s, "secrets"));
            img.scan.scanners = (unsigned)json_integer_value(json_object_get(s, "scanners"));
            for (size_t k = 0; k < 5; k++)
                img.scan.by_severity[k] =
                    (uint64_t)json_integer_value(json_array_get(json_object_get(s, "sev"), k));
        }
    }
    rc = moat_admit_check_image(&az->image_policy, &img, d, err);
out:
    free(reasons);
    free(names);
    json_decref(ev);
    json_decref(facts);
    return rc;
}

/* ---- requests ---- */

/* The decoded create/exec body as JSON, or NULL and a reason in d (fail closed). */
static json_t *request_body(const json_t *req, struct moat_decision *d, struct moat_err *err)
{
    const json_t *b = json_object_get(req, "RequestBody");
    const json_t *hdrs = json_object_get(req, "RequestHeaders");
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    json_t *body = NULL;
    struct moat_err e2 = MOAT_ERR_INIT;
    int rc;

    if (b == NULL || json_is_null(b)) {
        moat_decision_add(d, err,
                          "request body missing (Docker forwards none when Content-Length is "
                          "0 or unknown, the body is 1 MiB or more, or it is not "
                          "application/json): denied, fail closed");
        return NULL;
    }
    if (!json_is_string(b)) {
        moat_decision_add(d, err, "RequestBody is not a base64 string");
        return NULL;
    }
    if (json_string_length(b) == 0) {
        moat_decision_add(d, err, "request body is empty: denied, fail closed");
        return NULL;
    }
    rc = moat_base64_decode(json_string_value(b), json_string_length(b), MOAT_AUTHZ_MAX_BODY, &raw,
                            &raw_len);
    if (rc == -MOAT_E_NOMEM) {
        moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        return NULL;
    }
    if (rc < 0) {
        moat_decision_add(d, err, "RequestBody is not valid base64 (truncated?)");
        return NULL;
    }
    if (json_is_object(hdrs)) { /* a body that is not what the client declared */
        const json_t *cl = json_object_get(hdrs, "Content-Length");
        char *end;
        unsigned long long n;

        if (json_is_string(cl)) {
            n = strtoull(json_string_value(cl), &end, 10);
            if (*end != '\0' || n != raw_len) {
                moat_decision_add(d, err, "request body is %zu bytes but Content-Length says %.20s",
                                  raw_len, json_string_value(cl));
                free(raw);
                return NULL;
            }
        }
    }
    if (moat_json_parse((const char *)raw, raw_len, MOAT_AUTHZ_MAX_BODY, "request body", &body,
                        &e2) < 0 ||
        !json_is_object(body)) {
        moat_decision_add(d, err, "request body is not a complete JSON object (truncated?): %s",
                          e2.code != 0 ? moat_err_msg(&e2) : "not an object");
        json_decref(body);
        body = NULL;
    }
    moat_err_clear(&e2);
    free(raw);
    return body;
}

static int decide_create(struct moat_authz *az, const json_t *req, struct moat_decision *d,
                         char **image, struct moat_err *err)
{
    const struct moat_admit_policy *p = az->o.policy;
    json_t *body = request_body(req, d, err), *img;
    char *image_user = NULL;
    const char *user = NULL;
    bool amb = false;
    int rc = 0;

    if (body == NULL)
        return err->code == MOAT_E_NOMEM ? -MOAT_E_NOMEM : 0;
    img = moat_go_field(body, "Image", &amb);
    if (amb)
        rc = moat_decision_add(d, err, "Image is given twice (keys differing only in case)");
    else if (!json_is_string(img) || json_string_length(img) == 0 ||
             json_string_length(img) > MOAT_ADMIT_MAX_NAME ||
             strlen(json_string_value(img)) != json_string_length(img)) {
        rc = moat_decision_add(d, err, "create request names no valid image (Image)");
    } else {
        *image = strdup(json_string_value(img));
        rc = check_image(az, json_string_value(img), d, &image_user, err);
    }
    if (rc == 0 && p->non_root) {
        json_t *u = moat_go_field(body, "User", &amb);

        if (amb)
            rc = moat_decision_add(d, err, "User is given twice (keys differing only in case)");
        else if (u != NULL && !json_is_string(u) && !json_is_null(u))
            rc = moat_decision_add(d, err, "non_root: User is not a string");
        else if (json_is_string(u) && json_string_length(u) > 0) /* overrides the image's */
            user = json_string_value(u);
        else
            user = image_user;
        if (rc == 0 && user == NULL)
            rc = moat_decision_add(d, err,
                                   "non_root: the user is unknown (no User in the request and "
                                   "no engine to read the image's)");
        else if (rc == 0 && moat_user_is_root(user))
            rc = user[0] == '\0'
                     ? moat_decision_add(d, err, "non_root: runs as root (no USER set)")
                     : moat_decision_add(d, err, "non_root: runs as root (user '%.64s')", user);
    }
    if (rc == 0)
        rc = moat_admit_check_create(p, body, d, err);
    free(image_user);
    json_decref(body);
    return rc;
}

static int decide_exec(struct moat_authz *az, const json_t *req, struct moat_decision *d,
                       struct moat_err *err)
{
    json_t *body, *priv;
    bool amb = false;
    int rc = 0;

    if (!az->o.policy->deny_privileged)
        return 0;
    if ((body = request_body(req, d, err)) == NULL)
        return err->code == MOAT_E_NOMEM ? -MOAT_E_NOMEM : 0;
    priv = moat_go_field(body, "Privileged", &amb);
    if (amb)
        rc = moat_decision_add(d, err,
                               "exec: Privileged is given twice (keys differing only in case)");
    else if (priv != NULL && !json_is_boolean(priv) && !json_is_null(priv))
        rc = moat_decision_add(d, err, "exec: Privileged is not a boolean");
    else if (json_is_true(priv))
        rc = moat_decision_add(d, err, "privileged exec (Privileged)");
    json_decref(body);
    return rc;
}

static const char *opt_str(const json_t *o, const char *key, bool *bad)
{
    const json_t *v = json_object_get(o, key);

    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

static char *make_response(const struct moat_decision *d, const char *errtext)
{
    char *msg = moat_decision_summary(d), *out = NULL;
    json_t *o;

    if (msg == NULL)
        return NULL;
    o = json_pack("{s:b, s:o, s:s}", "Allow", d->allow, "Msg", moat_json_str(msg), "Err",
                  errtext != NULL ? errtext : "");
    free(msg);
    if (o != NULL)
        out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

int moat_authz_handle(struct moat_authz *az, const char *endpoint, const char *body, size_t len,
                      char **resp, unsigned *status)
{
    struct moat_err err = MOAT_ERR_INIT, e2 = MOAT_ERR_INIT;
    struct moat_decision d = {true, NULL, 0};
    struct moat_event ev = {0};
    const char *method = NULL, *uri = NULL, *user = NULL;
    char *subject = NULL, *image = NULL;
    bool is_req, bad = false;
    json_t *req = NULL;
    int rc = 0;

    *resp = NULL;
    *status = 200;
    if (strcmp(endpoint, "/Plugin.Activate") == 0) {
        *resp = strdup("{\"Implements\":[\"authz\"]}");
        return *resp != NULL ? 0 : -MOAT_E_NOMEM;
    }
    is_req = strcmp(endpoint, "/AuthZPlugin.AuthZReq") == 0;
    if (!is_req && strcmp(endpoint, "/AuthZPlugin.AuthZRes") != 0) {
        *status = 404;
        *resp = strdup("{\"Allow\":false,\"Msg\":\"\",\"Err\":\"unknown plugin endpoint\"}");
        return *resp != NULL ? 0 : -MOAT_E_NOMEM;
    }
    if (moat_json_parse(body != NULL ? body : "", len, MOAT_AUTHZ_MAX_REQUEST, "plugin request",
                        &req, &e2) < 0 ||
        !json_is_object(req)) {
        rc = moat_decision_add(&d, &err, "malformed plugin request: %s",
                               e2.code != 0 ? moat_err_msg(&e2) : "not a JSON object");
        goto decided;
    }
    method = opt_str(req, "RequestMethod", &bad);
    uri = opt_str(req, "RequestUri", &bad);
    user = opt_str(req, "User", &bad);
    if (bad || method == NULL || uri == NULL || *method == '\0' || *uri == '\0') {
        rc = moat_decision_add(&d, &err,
                               "malformed plugin request: RequestMethod and RequestUri must be "
                               "non-empty strings");
        goto decided;
    }
    if (!is_req)
        goto decided; /* responses pass: moat decides before the daemon acts */
    switch (moat_authz_route(method, uri)) {
    case MOAT_AUTHZ_ROUTE_CREATE:
        rc = decide_create(az, req, &d, &image, &err);
        break;
    case MOAT_AUTHZ_ROUTE_EXEC:
        rc = decide_exec(az, req, &d, &err);
        break;
    default:
        break;
    }
decided:
    moat_err_clear(&e2);
    if (rc < 0) { /* out of memory while deciding: deny, and still try to record it */
        moat_decision_free(&d);
        d.allow = false;
        moat_decision_add(&d, &err, "moat: out of memory while deciding");
        rc = 0;
    }
    if (asprintf(&subject, "%.16s %.2048s%s%.1024s", method != NULL ? method : "?",
                 uri != NULL ? uri : "?", image != NULL ? " image=" : "",
                 image != NULL ? image : "") < 0) {
        subject = NULL;
        rc = -MOAT_E_NOMEM;
        goto out;
    }
    if (az->o.audit != NULL) {
        ev.kind = is_req ? "authz.request" : "authz.response";
        ev.subject = subject;
        ev.decision = d.allow ? "allow" : "deny";
        ev.reasons = (const char *const *)d.reasons;
        ev.n_reasons = d.n_reasons;
        ev.actor = user;
        if (moat_audit_append(az->o.audit, &ev, &e2) < 0) { /* unrecorded means denied */
            moat_decision_free(&d);
            moat_decision_add(&d, &err, "audit log unavailable: %s", moat_err_msg(&e2));
            moat_err_clear(&e2);
        }
    }
    *resp = make_response(&d, NULL);
    if (*resp == NULL)
        rc = -MOAT_E_NOMEM;
out:
    if (rc < 0 && *resp == NULL) /* out of memory: still answer, and deny */
        *resp = strdup("{\"Allow\":false,\"Msg\":\"moat: out of memory\",\"Err\":\"\"}");
    free(subject);
    free(image);
    json_decref(req);
    moat_decision_free(&d);
    moat_err_clear(&err);
    return *resp != NULL ? 0 : -MOAT_E_NOMEM;
}
