/*
 * docker_name.h - Docker image names as the engine reads them: the
 * distribution/reference grammar (github.com/distribution/reference,
 * vendored in moby 20.10) and its normalisation (ParseNormalizedNamed):
 *
 *   name      := [domain '/'] component ('/' component)*
 *   domain    := label ('.' label)* [':' port]   (a first part with '.' or ':', or "localhost")
 *   component := [a-z0-9]+ (('.' | '_' | '__' | '-'+) [a-z0-9]+)*
 *   reference := name [':' tag] ['@' digest],  tag := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * "ubuntu" is docker.io/library/ubuntu, "me/app" docker.io/me/app, and
 * "index.docker.io" and "registry-1.docker.io" (the Hub's API host) are
 * docker.io. The repository must be lower case; the domain is compared
 * case-insensitively (DNS), so it is lower-cased. A name over 255 bytes or a
 * bare 64-hex string (an image id) is not a name. The one copy of these rules,
 * used by `moat lint` (trusted base images) and admission (trusted registries).
 */
#ifndef MOAT_SOURCE_DOCKER_NAME_H
#define MOAT_SOURCE_DOCKER_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "moat/base/error.h"

#define MOAT_DOCKER_NAME_MAX 255u /* bytes of domain '/' path (NameTotalLengthMax) */

struct moat_docker_name {
    char domain[MOAT_DOCKER_NAME_MAX + 1]; /* "docker.io", lower case */
    char path[MOAT_DOCKER_NAME_MAX + 1];   /* "library/ubuntu" */
    char tag[129];                         /* "" when none */
    char digest[160];                      /* "sha256:<hex>", "" when none */
};

/* Parse and normalise s. -MOAT_E_FORMAT (with the reason) when s is not a valid reference. */
int moat_docker_name_parse(const char *s, struct moat_docker_name *out, struct moat_err *err);

/* "domain/path[:tag][@digest]" of s, normalised; caller frees. -MOAT_E_FORMAT, -MOAT_E_NOMEM. */
int moat_docker_name_normalize(const char *s, char **out, struct moat_err *err);

/*
 * Whether the normalised name lies under prefix, a registry or repository
 * prefix as written in a policy ("registry.example.com/team/",
 * "docker.io/library", "ghcr.io/acme"): the prefix's domain is normalised as
 * above, and the match ends at a component boundary ('/', ':', '@' or the end;
 * "registry.example.com/team" does not cover "registry.example.com/teamevil").
 * A Hub prefix of one component ("docker.io/nginx") also covers the official
 * image it names (docker.io/library/nginx), as Docker reads that name.
 */
bool moat_docker_name_under(const char *prefix, const char *normalized);

#endif
