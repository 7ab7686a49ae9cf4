/*
 * authz.h - the Docker Engine authorization plugin protocol
 * (docs.docker.com/engine/extend/plugins_authorization/): requests from the
 * daemon are JSON with the fields Docker actually sends - User,
 * UserAuthNMethod, RequestMethod, RequestUri, RequestHeaders, RequestBody
 * (base64), ResponseStatusCode, ResponseHeaders, ResponseBody - and answers
 * are {"Allow":bool,"Msg":"...","Err":""}.
 *
 * Requests are routed as the daemon routes them (route.h); container create,
 * start and restart, exec, update, volume create, build, plugin installs and
 * swarm services are decided against the admission policy, endpoints moat
 * does not know follow its unknown_endpoints. Bodies fail closed: a body that
 * is missing (Docker forwards none when Content-Length is 0 or absent, 1 MiB
 * and above, or the Content-Type is not application/json - CVE-2024-41110),
 * empty, not base64, not JSON or truncated is denied. Malformed plugin
 * requests are denied. Every decision is appended to the audit log before it
 * is answered.
 */
#ifndef MOAT_POLICY_AUTHZ_H
#define MOAT_POLICY_AUTHZ_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/event/audit.h"
#include "moat/policy/admit.h"
#include "moat/policy/evidence.h"

#define MOAT_AUTHZ_MAX_REQUEST (4u << 20) /* bytes of one plugin request */
#define MOAT_AUTHZ_MAX_BODY (1u << 20)    /* decoded RequestBody: Docker forwards less */

struct moat_authz_opts {
    const struct moat_admit_policy *policy;
    const char *engine_socket;       /* NULL: images, containers and volumes are not looked up */
    moat_admit_evidence_fn evidence; /* NULL: custody and scan cannot be satisfied */
    struct moat_audit *audit;        /* NULL: no audit log */
    size_t cache_size;               /* entries; 0 = 1024 */
    uint64_t cache_ttl_ms;           /* 0 = no caching */
};

struct moat_authz;

int moat_authz_new(const struct moat_authz_opts *opts, struct moat_authz **out,
                   struct moat_err *err);
void moat_authz_free(struct moat_authz *az);

/*
 * One plugin call: endpoint is the HTTP path ("/Plugin.Activate",
 * "/AuthZPlugin.AuthZReq", "/AuthZPlugin.AuthZRes"), body the request bytes.
 * Always fills *resp (JSON, caller frees) and *status; returns <0 only when
 * out of memory.
 */
int moat_authz_handle(struct moat_authz *az, const char *endpoint, const char *body, size_t len,
                      char **resp, unsigned *status);

/* Image evidence cache hits and misses so far (for tests and the benchmark). */
void moat_authz_stats(struct moat_authz *az, uint64_t *hits, uint64_t *misses);

/* ---- the server (authz_server.c) ---- */

struct moat_authz_server;

/*
 * Listen on a new unix socket at socket_path (mode 0660; a stale socket file
 * is replaced, a live one refused) and serve az, one thread per connection
 * (at most 256 connections).
 */
int moat_authz_server_start(struct moat_authz *az, const char *socket_path,
                            struct moat_authz_server **out, struct moat_err *err);
void moat_authz_server_stop(struct moat_authz_server *s);

#endif
