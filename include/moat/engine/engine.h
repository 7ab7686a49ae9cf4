/*
 * engine.h - the one Docker Engine API client: GET requests over the
 * engine's unix socket (Docker, or `podman system service`, which serves a
 * Docker-compatible API), answers bounded and parsed as hostile JSON. It
 * reports what the engine says - images, containers, volumes - and decides
 * nothing.
 */
#ifndef MOAT_ENGINE_ENGINE_H
#define MOAT_ENGINE_ENGINE_H

#include <stddef.h>

#include <jansson.h>

#include "moat/base/error.h"

#define MOAT_ENGINE_MAX_RESPONSE (4u << 20) /* bytes of one answer */
#define MOAT_ENGINE_TIMEOUT_MS 5000L
#define MOAT_ENGINE_MAX_LIST 4096u /* entries kept of one list in an answer */

struct moat_engine_image {
    char *id;    /* "sha256:<hex>" of the config: the image id */
    char **tags; /* RepoTags as the engine reports them */
    size_t n_tags;
    char **digests; /* RepoDigests: "repo@sha256:..." for each registry it came from */
    size_t n_digests;
    char *user; /* Config.User, "" when unset */
};

/* A client of one engine. Thread-safe; keeps a few idle keep-alive connections. */
struct moat_engine;

/* url: "unix:///run/docker.sock" or a plain socket path. Free with moat_engine_free(). */
int moat_engine_new(const char *url, struct moat_engine **out, struct moat_err *err);
void moat_engine_free(struct moat_engine *e);
/* The socket path, for messages. */
const char *moat_engine_socket(const struct moat_engine *e);

/*
 * GET path (its parts already escaped, e.g. by moat_engine_get_obj) and parse
 * the answer. 0 and *out (a JSON object, caller decrefs) for 200;
 * -MOAT_E_NOTFOUND for 404; -MOAT_E_IO when the engine cannot be reached or
 * answers another status; -MOAT_E_LIMIT over MOAT_ENGINE_MAX_RESPONSE;
 * -MOAT_E_FORMAT when the answer is not a JSON object.
 */
int moat_engine_get(struct moat_engine *e, const char *path, json_t **out, struct moat_err *err);

/*
 * GET /<kind>/<name>/json for kind "images", "containers" or "volumes"
 * ("volumes" has no "/json"). name is escaped except for '/': the engine's
 * routes take names with slashes ("parent/alias" container links).
 */
int moat_engine_get_obj(struct moat_engine *e, const char *kind, const char *name, json_t **out,
                        struct moat_err *err);

/* GET /images/{ref}/json, reduced to what admission needs. Errors as moat_engine_get. */
int moat_engine_image_inspect(struct moat_engine *e, const char *ref, struct moat_engine_image *out,
                              struct moat_err *err);
void moat_engine_image_free(struct moat_engine_image *im);

#endif
