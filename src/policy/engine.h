/*
 * engine.h - the few Docker Engine API calls admission needs, over the
 * engine's unix socket (Docker, or `podman system service`, which serves a
 * Docker-compatible API): what image a name resolves to.
 */
#ifndef MOAT_POLICY_ENGINE_H
#define MOAT_POLICY_ENGINE_H

#include <stddef.h>

#include "../base/error.h"

#define MOAT_ENGINE_MAX_RESPONSE (4u << 20)
#define MOAT_ENGINE_TIMEOUT_MS 5000L

struct moat_engine_image {
    char *id;    /* "sha256:<hex>" of the config: the image id */
    char **tags; /* RepoTags as the engine reports them */
    size_t n_tags;
    char **digests; /* RepoDigests */
    size_t n_digests;
    char *user; /* Config.User, "" when unset */
};

/* "unix:///run/podman/podman.sock" or a plain path -> the socket path (borrowed into s). */
const char *moat_engine_socket_path(const char *url);

/*
 * GET /images/{ref}/json. -MOAT_E_NOTFOUND when the engine has no such image,
 * -MOAT_E_IO when it cannot be reached, -MOAT_E_FORMAT for an odd answer.
 */
int moat_engine_image_inspect(const char *socket_path, const char *ref,
                              struct moat_engine_image *out, struct moat_err *err);
void moat_engine_image_free(struct moat_engine_image *im);

#endif
