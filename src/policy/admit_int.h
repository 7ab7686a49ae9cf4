/*
 * admit_int.h - shared by admit_create.c (container settings) and
 * admit_mounts.c (host paths, volumes): the state of one container check.
 */
#ifndef MOAT_POLICY_ADMIT_INT_H
#define MOAT_POLICY_ADMIT_INT_H

#include "moat/policy/admit.h"

#define ADMIT_MAX_HOPS 3 /* containers followed through container:<name> and VolumesFrom */

struct admit_ctx {
    const struct moat_admit_policy *p;
    const struct moat_admit_lookup *lk;
    struct moat_decision *d;
    struct moat_err *err;
    int hops;         /* containers followed so far */
    bool from_engine; /* judging what the engine reports (defaults filled in), not a request */
};

/* moat_go_field, with ambiguity as a reason (then NULL). */
const json_t *admit_field(struct admit_ctx *c, const json_t *obj, const char *where,
                          const char *name);

/* Binds, Mounts and VolumesFrom of a HostConfig (deny_socket_mounts, deny_host_mounts). */
int admit_check_mounts(struct admit_ctx *c, const json_t *hc, const char *where);

/* A local volume's driver options (type, o, device): its device is a host path when bound. */
int admit_check_volume_opts(struct admit_ctx *c, const char *where, const char *driver,
                            const json_t *opts);

/* Judge the HostConfig of another container (container:<name>, VolumesFrom) found through lk. */
int admit_check_other_container(struct admit_ctx *c, const char *why, const char *name,
                                bool mounts_only);

#endif
