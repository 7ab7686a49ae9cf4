/*
 * authz.c - the authorization plugin's decisions (see authz.h); the HTTP
 * side is authz_server.c, the routes route.c, the container settings
 * admit_create.c. Every request is routed as the daemon routes it; the
 * requests that can give a container host-level power are judged, and
 * endpoints moat does not know follow unknown_endpoints.
 *
 * Images are judged by what the engine resolves the name to, asked afresh for
 * every request (a tag can move at any time); the expensive evidence about an
 * image - custody verification, the attested scan - is cached by image id,
 * never by name, so a retag cannot ride a cached "allow". A registry rule is
 * met by the image's RepoDigests (the engine records them when it pulls from
 * or pushes to a registry) or by a verified custody chain, never by the name
 * a request uses: `docker tag`, `commit -r` and `build -t` give any image any
 * name.
 */
#include "moat/policy/authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "moat/base/base64.h"
#include "moat/base/json.h"
#include "moat/engine/engine.h"
#include "moat/source/docker_name.h"
#include "moat/source/image.h"
#include "moat/policy/cache.h"
#include "moat/policy/gosem.h"
#include "moat/policy/route.h"

struct moat_authz {
    struct moat_authz_opts o;
    struct moat_admit_policy image_policy; /* without registries and non_root (judged here) */
    struct moat_cache *cache;
    struct moat_engine *engine; /* NULL without --engine */
    uint64_t hits, misses;
};

/* One request being decided. */
struct req {
    struct moat_authz *az;
    const json_t *json; /* the plugin request */
    struct moat_route_match m;
    const char *method, *uri;
    struct moat_decision *d;
    struct moat_err *err;
    char *image; /* for the audit subject */
};

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
    az->image_policy.has_registries = false;
    if ((rc = moat_cache_new(opts->cache_size ? opts->cache_size : 1024, opts->cache_ttl_ms,
                             &az->cache, err)) < 0 ||
        (opts->engine_socket != NULL &&
         (rc = moat_engine_new(opts->engine_socket, &az->engine, err)) < 0)) {
        moat_cache_free(az->cache);
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
    moat_engine_free(az->engine);
    free(az);
}

void moat_authz_stats(struct moat_authz *az, uint64_t *hits, uint64_t *misses)
{
    *hits = __atomic_load_n(&az->hits, __ATOMIC_RELAXED);
    *misses = __atomic_load_n(&az->misses, __ATOMIC_RELAXED);
}

/* ---- the engine ---- */

static int engine_get(void *ctx, const char *kind, const char *name, json_t **out,
                      struct moat_err *err)
{
    struct moat_authz *az = ctx;

    return moat_engine_get_obj(az->engine, kind, name, out, err);
}

static const struct moat_admit_lookup *lookup(struct req *r, struct moat_admit_lookup *lk)
{
    lk->get = r->az->engine != NULL ? engine_get : NULL;
    lk->ctx = r->az;
    return lk;
}

/* An engine failure as a reason (the request is denied), or -MOAT_E_NOMEM. */
static int engine_reason(struct req *r, int rc, struct moat_err *e2, const char *what,
                         const char *name)
{
    if (rc == -MOAT_E_NOMEM)
        rc = moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
    else
        rc = moat_decision_add(r->d, r->err, "%s: cannot resolve '%.200s': %s", what, name,
                               moat_err_msg(e2));
    moat_err_clear(e2);
    return rc;
}

/* ---- images ---- */

/* Evidence about an image id as JSON (cached by id: the only image cache). */
static json_t *id_evidence(struct moat_authz *az, const struct moat_engine_image *im,
                           struct moat_err *err)
{
    struct moat_admit_evidence ev = {0};
    struct moat_image_meta meta = {0};
    char key[128];
    json_t *e, *scan = json_null(), *reasons;
    int rc;

    snprintf(key, sizeof key, "id:%s", im->id);
    if ((e = moat_cache_get(az->cache, key)) != NULL) {
        __atomic_fetch_add(&az->hits, 1, __ATOMIC_RELAXED);
        return e;
    }
    __atomic_fetch_add(&az->misses, 1, __ATOMIC_RELAXED);
    if (az->o.evidence == NULL)
        return json_pack("{s:b, s:b, s:[s], s:n}", "checked", 1, "ok", 0, "reasons",
                         "moat authz runs without attestation support", "scan");
    meta.transport = "docker-archive"; /* the engine's id is the config digest */
    meta.ref = im->id;
    meta.name = im->id;
    meta.config_digest = im->id;
    meta.tags = im->tags;
    meta.n_tags = im->n_tags;
    meta.user = im->user;
    rc = az->o.evidence(az->o.policy, &meta, (int64_t)time(NULL), &ev, err);
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

/* registries: the image's RepoDigests, or its verified custody; never the name it was asked by. */
static int check_registry_trust(struct req *r, const char *ref, const struct moat_engine_image *im,
                                bool custody_ok)
{
    const struct moat_admit_policy *p = r->az->o.policy;
    char list[512] = "";
    size_t o = 0;

    if (!p->has_registries)
        return 0;
    for (size_t i = 0; i < im->n_digests; i++) {
        char *norm = NULL;
        bool ok = false;

        if (moat_docker_name_normalize(im->digests[i], &norm, NULL) == 0)
            for (size_t j = 0; j < p->n_registries && !ok; j++)
                ok = moat_docker_name_under(p->registries[j], norm);
        free(norm);
        if (ok)
            return 0;
        if (o < sizeof list - 1)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%.200s", o ? ", " : "",
                                  im->digests[i]);
    }
    if (custody_ok)
        return 0; /* a verified signature vouches for the image, wherever it came from */
    if (o >= sizeof list)
        memcpy(list + sizeof list - 4, "...", 4);
    return moat_decision_add(r->d, r->err,
                             "registry: image %.19s (asked for as '%.200s') was not pulled from a "
                             "trusted registry (RepoDigests: %s) and has no verified custody; a "
                             "name given by tag, commit, build or load is not trust",
                             im->id, ref, im->n_digests ? list : "none");
}

/* The reasons about the image ref resolves to; *user gets its Config.User (owned copy). */
static int check_image(struct req *r, const char *ref, char **user)
{
    struct moat_authz *az = r->az;
    const struct moat_admit_policy *p = az->o.policy;
    bool needs_evidence = p->custody_path != NULL || moat_admit_policy_needs_scan(p);
    struct moat_admit_image img = {0};
    struct moat_engine_image im;
    struct moat_err e2 = MOAT_ERR_INIT;
    const char *one[1] = {ref};
    json_t *ev = NULL, *v;
    char **reasons = NULL;
    size_t i;
    int rc;

    img.now = (int64_t)time(NULL);
    if (!p->has_registries && !needs_evidence && !p->non_root)
        return 0; /* nothing about the image matters: no engine round trip */
    if (az->engine == NULL) {
        struct moat_admit_policy names_only = az->image_policy;

        /* without an engine only the name can be judged: a retag defeats it (docs) */
        names_only.has_registries = p->has_registries;
        img.names = one;
        img.n_names = 1;
        if (needs_evidence &&
            (rc = moat_decision_add(r->d, r->err,
                                    "image: no engine (--engine) to resolve '%.200s' to an "
                                    "image id, so its attestations cannot be found",
                                    ref)) < 0)
            return rc;
        return moat_admit_check_image(&names_only, &img, r->d, r->err);
    }
    /* asked afresh every time: the name may point at another image than a minute ago */
    if ((rc = moat_engine_image_inspect(az->engine, ref, &im, &e2)) < 0)
        return engine_reason(r, rc, &e2, "image", ref);
    if ((*user = strdup(im.user)) == NULL) {
        rc = moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    if (needs_evidence) {
        json_t *rs, *s;

        if ((ev = id_evidence(az, &im, r->err)) == NULL) {
            rc = -MOAT_E_NOMEM;
            goto out;
        }
        rs = json_object_get(ev, "reasons");
        s = json_object_get(ev, "scan");
        img.custody.checked = json_is_true(json_object_get(ev, "checked"));
        img.custody.ok = json_is_true(json_object_get(ev, "ok"));
        reasons = calloc(json_array_size(rs) + 1, sizeof *reasons);
        if (reasons == NULL) {
            rc = moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
            goto out;
        }
        json_array_foreach(rs, i, v) reasons[img.custody.n_reasons++] =
            (char *)json_string_value(v);
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
    if ((rc = check_registry_trust(
             r, ref, &im, p->custody_path != NULL && img.custody.checked && img.custody.ok)) < 0)
        goto out;
    rc = moat_admit_check_image(&az->image_policy, &img, r->d, r->err);
out:
    free(reasons);
    json_decref(ev);
    moat_engine_image_free(&im);
    return rc;
}

/* non_root on the user a process will run as ("" = the image's, root when unset). */
static int check_user(struct req *r, const char *what, const char *user)
{
    if (!r->az->o.policy->non_root)
        return 0;
    if (user == NULL)
        return moat_decision_add(r->d, r->err,
                                 "non_root: %s: the user is unknown (no User in the request and "
                                 "no engine to read the image's)",
                                 what);
    if (!moat_user_is_root(user))
        return 0;
    if (user[0] == '\0')
        return moat_decision_add(r->d, r->err, "non_root: %s runs as root (no USER set)", what);
    return moat_decision_add(r->d, r->err,
                             "non_root: %s runs as root (user '%.64s', which the daemon reads as "
                             "uid 0)",
                             what, user);
}

/* ---- requests ---- */

/* The decoded request body as JSON, or NULL and a reason in d (fail closed). */
static json_t *request_body(struct req *r)
{
    const json_t *b = json_object_get(r->json, "RequestBody");
    const json_t *hdrs = json_object_get(r->json, "RequestHeaders");
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    json_t *body = NULL;
    struct moat_err e2 = MOAT_ERR_INIT;
    int rc;

    if (b == NULL || json_is_null(b)) {
        moat_decision_add(r->d, r->err,
                          "request body missing (Docker forwards none when Content-Length is "
                          "0 or unknown, the body is 1 MiB or more, or it is not "
                          "application/json): denied, fail closed");
        return NULL;
    }
    if (!json_is_string(b)) {
        moat_decision_add(r->d, r->err, "RequestBody is not a base64 string");
        return NULL;
    }
    if (json_string_length(b) == 0) {
        moat_decision_add(r->d, r->err, "request body is empty: denied, fail closed");
        return NULL;
    }
    rc = moat_base64_decode(json_string_value(b), json_string_length(b), 0, MOAT_AUTHZ_MAX_BODY,
                            &raw, &raw_len);
    if (rc == -MOAT_E_NOMEM) {
        moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
        return NULL;
    }
    if (rc < 0) {
        moat_decision_add(r->d, r->err, "RequestBody is not valid base64 (truncated?)");
        return NULL;
    }
    if (json_is_object(hdrs)) { /* a body that is not what the client declared */
        const json_t *cl = json_object_get(hdrs, "Content-Length");
        char *end;
        unsigned long long n;

        if (json_is_string(cl)) {
            n = strtoull(json_string_value(cl), &end, 10);
            if (*end != '\0' || n != raw_len) {
                moat_decision_add(r->d, r->err,
                                  "request body is %zu bytes but Content-Length says %.20s",
                                  raw_len, json_string_value(cl));
                free(raw);
                return NULL;
            }
        }
    }
    if (moat_json_parse((const char *)raw, raw_len, MOAT_AUTHZ_MAX_BODY, "request body", &body,
                        &e2) < 0 ||
        !json_is_object(body)) {
        moat_decision_add(r->d, r->err,
                          "request body is not a complete JSON object (truncated?): %s",
                          e2.code != 0 ? moat_err_msg(&e2) : "not an object");
        json_decref(body);
        body = NULL;
    }
    moat_err_clear(&e2);
    free(raw);
    return body;
}

/* A header the daemon received (RequestHeaders holds canonical names, one value each). */
static const char *header(struct req *r, const char *name)
{
    return json_string_value(json_object_get(json_object_get(r->json, "RequestHeaders"), name));
}

static int no_body(struct req *r)
{
    return r->err->code == MOAT_E_NOMEM ? -MOAT_E_NOMEM : 0;
}

static int decide_create(struct req *r)
{
    const struct moat_admit_policy *p = r->az->o.policy;
    struct moat_admit_lookup lk;
    json_t *body = request_body(r), *img, *u;
    char *image_user = NULL;
    const char *user = NULL;
    bool amb = false;
    int rc = 0;

    if (body == NULL)
        return no_body(r);
    img = moat_go_field(body, "Image", &amb);
    if (amb)
        rc = moat_decision_add(r->d, r->err, "Image is given twice (keys differing only in case)");
    else if (!json_is_string(img) || json_string_length(img) == 0 ||
             json_string_length(img) > MOAT_ADMIT_MAX_NAME ||
             strlen(json_string_value(img)) != json_string_length(img)) {
        rc = moat_decision_add(r->d, r->err, "create request names no valid image (Image)");
    } else {
        r->image = strdup(json_string_value(img));
        rc = check_image(r, json_string_value(img), &image_user);
    }
    if (rc == 0 && p->non_root) {
        amb = false;
        u = moat_go_field(body, "User", &amb);
        if (amb)
            rc = moat_decision_add(r->d, r->err,
                                   "User is given twice (keys differing only in case)");
        else if (u != NULL && !json_is_string(u) && !json_is_null(u))
            rc = moat_decision_add(r->d, r->err, "non_root: User is not a string");
        else if (json_is_string(u) && json_string_length(u) > 0) /* overrides the image's */
            user = json_string_value(u);
        else
            user = image_user;
        if (rc == 0)
            rc = check_user(r, "the container", user);
    }
    if (rc == 0)
        rc = moat_admit_check_create(p, body, lookup(r, &lk), r->d, r->err);
    free(image_user);
    json_decref(body);
    return rc;
}

/* The container a request names, as the engine reports it; NULL with a reason (or no engine). */
static json_t *container(struct req *r, int *rc)
{
    struct moat_err e2 = MOAT_ERR_INIT;
    json_t *c = NULL;

    *rc = moat_engine_get_obj(r->az->engine, "containers", r->m.name, &c, &e2);
    if (*rc < 0) {
        *rc = engine_reason(r, *rc, &e2, "container", r->m.name);
        return NULL;
    }
    return c;
}

static int decide_exec(struct req *r)
{
    const struct moat_admit_policy *p = r->az->o.policy;
    json_t *body, *priv, *u, *ctr;
    const char *user = NULL;
    bool amb = false;
    int rc = 0;

    if (!p->deny_privileged && !p->non_root)
        return 0;
    if ((body = request_body(r)) == NULL)
        return no_body(r);
    priv = moat_go_field(body, "Privileged", &amb);
    if (amb)
        rc = moat_decision_add(r->d, r->err,
                               "exec: Privileged is given twice (keys differing only in case)");
    else if (priv != NULL && !json_is_boolean(priv) && !json_is_null(priv))
        rc = moat_decision_add(r->d, r->err, "exec: Privileged is not a boolean");
    else if (p->deny_privileged && json_is_true(priv))
        rc = moat_decision_add(r->d, r->err,
                               "deny_privileged: privileged exec (Privileged, CIS 5.22)");
    if (rc == 0 && p->non_root) {
        amb = false;
        u = moat_go_field(body, "User", &amb);
        if (amb || (u != NULL && !json_is_string(u) && !json_is_null(u)))
            rc = moat_decision_add(r->d, r->err, "exec: User is given twice or not a string");
        else if (json_is_string(u) && json_string_length(u) > 0)
            rc = check_user(r, "exec (CIS 5.23)", json_string_value(u));
        else if (r->az->engine != NULL) { /* the daemon uses the container's user */
            if ((ctr = container(r, &rc)) != NULL) {
                user = json_string_value(json_object_get(json_object_get(ctr, "Config"), "User"));
                rc = check_user(r, "exec as the container's user (CIS 5.23)",
                                user != NULL ? user : "");
                json_decref(ctr);
            }
        } else {
            rc = check_user(r, "exec", NULL);
        }
    }
    json_decref(body);
    return rc;
}

/* start, restart: what the container was created with, as the engine stored it. */
static int decide_start(struct req *r)
{
    const struct moat_admit_policy *p = r->az->o.policy;
    struct moat_admit_lookup lk;
    const char *cl = header(r, "Content-Length");
    json_t *ctr, *body;
    char *image_user = NULL;
    const char *image, *user;
    int rc = 0;

    /* before API 1.24 a start body is a HostConfig the daemon applies (postContainersStart) */
    if (r->m.route == MOAT_ROUTE_START && r->m.version[0] != '\0' &&
        moat_go_version_cmp(r->m.version, "1.24") < 0 &&
        (json_object_get(r->json, "RequestBody") != NULL || cl == NULL ||
         strtoull(cl, NULL, 10) > 7)) {
        if ((body = request_body(r)) == NULL)
            return no_body(r);
        rc = moat_admit_check_host_config(p, body, "start HostConfig (API < 1.24)", lookup(r, &lk),
                                          r->d, r->err);
        json_decref(body);
        if (rc < 0)
            return rc;
    }
    if (r->az->engine == NULL ||
        (!moat_admit_policy_has_container_rules(p) && !p->non_root && !p->has_registries &&
         p->custody_path == NULL && !moat_admit_policy_needs_scan(p)))
        return rc; /* judged at create (docs: what a plugin cannot see) */
    if ((ctr = container(r, &rc)) == NULL)
        return rc;
    image = json_string_value(json_object_get(ctr, "Image"));
    r->image = image != NULL ? strdup(image) : NULL;
    if (image == NULL)
        rc = moat_decision_add(r->d, r->err, "container %.200s: the engine names no image",
                               r->m.name);
    else
        rc = check_image(r, image, &image_user);
    if (rc == 0 && p->non_root) {
        user = json_string_value(json_object_get(json_object_get(ctr, "Config"), "User"));
        rc = check_user(r, "the container", user != NULL && user[0] != '\0' ? user : image_user);
    }
    if (rc == 0)
        rc = moat_admit_check_container(p, ctr, lookup(r, &lk), r->d, r->err);
    free(image_user);
    json_decref(ctr);
    return rc;
}

static int decide_body(struct req *r, int (*check)(const struct moat_admit_policy *, const json_t *,
                                                   struct moat_decision *, struct moat_err *))
{
    json_t *body;
    int rc;

    if ((body = request_body(r)) == NULL)
        return no_body(r);
    rc = check(r->az->o.policy, body, r->d, r->err);
    json_decref(body);
    return rc;
}

/* A form body the daemon would read query values from (Request.FormValue), unseen by plugins. */
static bool form_body(struct req *r)
{
    const char *ct = header(r, "Content-Type");
    size_t n = ct != NULL ? strcspn(ct, "; \t") : 0;

    return ct != NULL &&
           ((n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0) ||
            (n == 19 && strncasecmp(ct, "multipart/form-data", n) == 0));
}

static int decide_build(struct req *r)
{
    const struct moat_admit_policy *p = r->az->o.policy;
    struct moat_admit_lookup lk;
    char mode[512];
    int found;

    if (!p->deny_host_namespaces && !moat_admit_policy_has_container_rules(p))
        return 0;
    if (form_body(r))
        return moat_decision_add(r->d, r->err,
                                 "build: a form body (%.60s) carries build options the plugin "
                                 "cannot see: denied, fail closed",
                                 header(r, "Content-Type"));
    found = moat_go_query_get(r->m.query, "networkmode", mode, sizeof mode);
    if (found < 0)
        return moat_decision_add(r->d, r->err, "build: networkmode is too long");
    if (found == 0)
        return 0;
    if (strcmp(mode, "host") == 0 && (p->deny_host_namespaces || p->deny_privileged))
        return moat_decision_add(r->d, r->err, "%s: build with networkmode=host (CIS 5.9)",
                                 p->deny_host_namespaces ? "deny_host_namespaces"
                                                         : "deny_privileged");
    if (strncmp(mode, "container:", 10) == 0) {
        json_t *hc = json_pack("{s:s}", "NetworkMode", mode);
        int rc;

        if (hc == NULL)
            return moat_err_set(r->err, MOAT_E_NOMEM, "out of memory");
        rc = moat_admit_check_host_config(p, hc, "build networkmode", lookup(r, &lk), r->d, r->err);
        json_decref(hc);
        return rc;
    }
    return 0;
}

static int decide(struct req *r)
{
    const struct moat_admit_policy *p = r->az->o.policy;

    switch (r->m.route) {
    case MOAT_ROUTE_CREATE:
        return decide_create(r);
    case MOAT_ROUTE_EXEC:
        return decide_exec(r);
    case MOAT_ROUTE_START:
    case MOAT_ROUTE_RESTART:
        return decide_start(r);
    case MOAT_ROUTE_UPDATE:
        return p->deny_privileged ? decide_body(r, moat_admit_check_update) : 0;
    case MOAT_ROUTE_VOLUME_CREATE:
        return p->deny_socket_mounts || p->deny_host_mounts
                   ? decide_body(r, moat_admit_check_volume_create)
                   : 0;
    case MOAT_ROUTE_BUILD:
        return decide_build(r);
    case MOAT_ROUTE_PLUGIN_INSTALL:
    case MOAT_ROUTE_PLUGIN_SET:
        return p->deny_privileged
                   ? moat_decision_add(r->d, r->err,
                                       "deny_privileged: %s (%s %.200s): a managed plugin runs "
                                       "with the host privileges it asks for",
                                       moat_route_name(r->m.route), r->method, r->m.path)
                   : 0;
    case MOAT_ROUTE_SERVICE:
        return p->deny_privileged
                   ? moat_decision_add(r->d, r->err,
                                       "deny_privileged: swarm service (%s %.200s): its containers "
                                       "are created by the swarm executor, which never asks the "
                                       "authorization plugin",
                                       r->method, r->m.path)
                   : 0;
    case MOAT_ROUTE_OTHER:
        return 0;
    default:
        return p->allow_unknown_endpoints
                   ? 0
                   : moat_decision_add(r->d, r->err,
                                       "unknown_endpoints: %.16s %.300s is not an endpoint this "
                                       "moat knows (unknown_endpoints: deny)",
                                       r->method, r->m.path);
    }
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
    struct req *r = NULL;
    const char *user = NULL;
    char *subject = NULL;
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
    if ((r = calloc(1, sizeof *r)) == NULL) {
        rc = -MOAT_E_NOMEM;
        goto out;
    }
    r->az = az;
    r->d = &d;
    r->err = &err;
    if (moat_json_parse(body != NULL ? body : "", len, MOAT_AUTHZ_MAX_REQUEST, "plugin request",
                        &req, &e2) < 0 ||
        !json_is_object(req)) {
        rc = moat_decision_add(&d, &err, "malformed plugin request: %s",
                               e2.code != 0 ? moat_err_msg(&e2) : "not a JSON object");
        goto decided;
    }
    r->json = req;
    r->method = opt_str(req, "RequestMethod", &bad);
    r->uri = opt_str(req, "RequestUri", &bad);
    user = opt_str(req, "User", &bad);
    if (bad || r->method == NULL || r->uri == NULL || *r->method == '\0' || *r->uri == '\0') {
        rc = moat_decision_add(&d, &err,
                               "malformed plugin request: RequestMethod and RequestUri must be "
                               "non-empty strings");
        goto decided;
    }
    if (!is_req)
        goto decided; /* responses pass: moat decides before the daemon acts */
    if (moat_route_parse(r->method, r->uri, &r->m) < 0) {
        rc = moat_decision_add(&d, &err,
                               "RequestUri '%.300s' is not a request-target the daemon would "
                               "route: denied, fail closed",
                               r->uri);
        goto decided;
    }
    rc = decide(r);
decided:
    moat_err_clear(&e2);
    if (rc < 0) { /* out of memory while deciding: deny, and still try to record it */
        moat_decision_free(&d);
        d.allow = false;
        moat_decision_add(&d, &err, "moat: out of memory while deciding");
        rc = 0;
    }
    if (asprintf(&subject, "%.16s %.2048s%s%.1024s",
                 r != NULL && r->method != NULL ? r->method : "?",
                 r != NULL && r->uri != NULL ? r->uri : "?",
                 r != NULL && r->image != NULL ? " image=" : "",
                 r != NULL && r->image != NULL ? r->image : "") < 0) {
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
    if (r != NULL)
        free(r->image);
    free(r);
    json_decref(req);
    moat_decision_free(&d);
    moat_err_clear(&err);
    return *resp != NULL ? 0 : -MOAT_E_NOMEM;
}
