/*
 * admit.h - admission decisions: may this image run, and may this container
 * be created? Inputs are the admission policy (admit.yaml, format in
 * docs/admission.md), what custody verification concluded, scan results
 * (an attested scan summary or findings the caller produced) and the
 * container settings Docker was asked for. The output is a decision: allow,
 * or deny with every reason, one line each, always in the same order.
 *
 * Must not: scan, open images, or print. Callers gather the evidence
 * (admit_evidence.c verifies attestations, cli/ runs fresh scans) and hand
 * it in.
 */
#ifndef MOAT_POLICY_ADMIT_H
#define MOAT_POLICY_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"

#define MOAT_ADMIT_MAX_POLICY (1u << 20) /* bytes of admit.yaml */
#define MOAT_ADMIT_MAX_LIST 256u         /* entries in one list of the policy */
#define MOAT_ADMIT_MAX_NAME 1024u        /* bytes of one image name or prefix */
#define MOAT_DECISION_MAX_REASONS 512u   /* reasons kept in one decision */

struct moat_admit_policy {
    char *path;        /* as loaded, for messages */
    char *base_dir;    /* relative paths in the policy are resolved against it */
    char **registries; /* trusted prefixes, as written */
    size_t n_registries;
    bool has_registries;
    char *custody_path;  /* resolved path of custody.yaml, or NULL */
    char **attestations; /* resolved bundle files or directories of them */
    size_t n_attestations;
    bool has_scan; /* a scan: block is present */
    bool has_max_severity;
    enum moat_severity max_severity; /* nothing above it */
    int64_t max_age;                 /* seconds; 0 = any age */
    int64_t max_secrets;             /* -1 = not limited */
    bool fresh_scan;
    bool non_root;
    bool no_secrets;
    bool deny_privileged;
    bool deny_host_namespaces;
    bool deny_socket_mounts;
    bool deny_host_mounts;
    char **deny_cap_add; /* upper case, without "CAP_"; "ALL" allowed */
    size_t n_deny_cap_add;
    bool allow_unknown_endpoints; /* unknown_endpoints: allow (default deny) */
};

/* Parse admit.yaml (strict: unknown keys, duplicates, wrong types and aliases are errors,
 * "admit.yaml: line N: problem"). Free with moat_admit_policy_free(). */
int moat_admit_policy_load(const char *path, struct moat_admit_policy **out, struct moat_err *err);
int moat_admit_policy_parse(const char *where, const char *yaml, size_t len, const char *base_dir,
                            struct moat_admit_policy **out, struct moat_err *err);
void moat_admit_policy_free(struct moat_admit_policy *p);

/* Whether the policy needs evidence about the image beyond its name and user. */
bool moat_admit_policy_needs_scan(const struct moat_admit_policy *p);

/* ---- decisions ---- */

struct moat_decision {
    bool allow;     /* true exactly when n_reasons == 0 */
    char **reasons; /* one line each, no two alike; grown only by moat_decision_add */
    size_t n_reasons;
};

/* Add a reason (allow becomes false) through moat_reason_add (base/strv.h): one line, a
 * repeated line is not added twice, at most MOAT_DECISION_MAX_REASONS (the first kept). */
int moat_decision_add(struct moat_decision *d, struct moat_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append every reason of src prefixed with prefix (may be ""). */
int moat_decision_merge(struct moat_decision *d, const char *prefix, char *const *reasons, size_t n,
                        struct moat_err *err);
/* The reasons joined by "; " (caller frees); "" when allowed. NULL when out of memory. */
char *moat_decision_summary(const struct moat_decision *d);
void moat_decision_free(struct moat_decision *d);

/* The summary of a scan, from a verified scan attestation or a fresh scan. */
struct moat_scan_summary {
    bool present;
    int64_t time;            /* unix seconds of the scan */
    uint64_t by_severity[5]; /* indexed by enum moat_severity */
    uint64_t secrets;        /* findings of kind secret; meaningful only with MOAT_SCANNER_SECRET */
    unsigned
        scanners; /* MOAT_SCANNER_* (base/finding.h) that ran; 0 = not recorded (an older scan) */
    const char *source; /* "attested scan" or "fresh scan" (static) */
};

/* From the scan predicate (docs/attestations.md). -MOAT_E_FORMAT when malformed. */
int moat_scan_summary_from_predicate(const json_t *pred, struct moat_scan_summary *out,
                                     struct moat_err *err);
/* From findings produced now by the scanners given (MOAT_SCANNER_* bits); VEX-suppressed
 * findings do not count. */
void moat_scan_summary_from_findings(const struct moat_findings *fs, int64_t now, unsigned scanners,
                                     struct moat_scan_summary *out);

/* Custody as verified for the image (see admit_evidence.c). */
struct moat_admit_custody {
    bool checked; /* false: the policy names no custody */
    bool ok;
    char *const *reasons; /* why it failed */
    size_t n_reasons;
};

struct moat_admit_image {
    const char *const *names; /* names the image is known by (checked against registries) */
    size_t n_names;
    const char *user; /* the user the container would run as; NULL = unknown */
    struct moat_admit_custody custody;
    struct moat_scan_summary scan;
    int64_t now; /* unix seconds */
};

/*
 * The image checks in order: registries, custody, scan thresholds, non_root,
 * no_secrets. Adds a reason per failure to d. scan.secrets and no_secrets
 * need a scan that ran the secret scanner: a summary without it (or that
 * does not say which scanners ran) is a reason, never "0 secrets".
 */
int moat_admit_check_image(const struct moat_admit_policy *p, const struct moat_admit_image *img,
                           struct moat_decision *d, struct moat_err *err);

/*
 * What the engine says about objects a request refers to: kind "containers"
 * (GET /containers/{name}/json) or "volumes" (GET /volumes/{name}). 0 and
 * *out (caller decrefs), -MOAT_E_NOTFOUND, or another error. NULL get: no
 * engine, and a setting that needs one is denied.
 */
struct moat_admit_lookup {
    int (*get)(void *ctx, const char *kind, const char *name, json_t **out, struct moat_err *err);
    void *ctx;
};

/*
 * The container checks on a parsed POST /containers/create body, read as the
 * daemon reads it (runconfig.ContainerConfigWrapper: the HostConfig object, or
 * when it is absent or null, HostConfig fields at the top level):
 * deny_privileged (privileged mode and every setting with the same effect),
 * deny_host_namespaces, deny_socket_mounts, deny_host_mounts, deny_cap_add,
 * and namespaces or volumes taken from other containers (looked up through lk,
 * judged by the same rules). Adds a reason per failure, each naming its rule;
 * a body that is not an object is a reason, not an error. lk may be NULL.
 */
int moat_admit_check_create(const struct moat_admit_policy *p, const json_t *body,
                            const struct moat_admit_lookup *lk, struct moat_decision *d,
                            struct moat_err *err);

/* The same checks on a HostConfig object alone (a start body before API 1.24, an inspect). */
int moat_admit_check_host_config(const struct moat_admit_policy *p, const json_t *hc,
                                 const char *where, const struct moat_admit_lookup *lk,
                                 struct moat_decision *d, struct moat_err *err);

/*
 * The same checks on a container as the engine reports it (GET
 * /containers/{id}/json): what it will run with when started. Values the
 * daemon filled in by default (CgroupnsMode host on cgroup v1) are not reasons.
 */
int moat_admit_check_container(const struct moat_admit_policy *p, const json_t *inspect,
                               const struct moat_admit_lookup *lk, struct moat_decision *d,
                               struct moat_err *err);

/* POST /volumes/create: a local volume whose device binds a host path is a bind of that path. */
int moat_admit_check_volume_create(const struct moat_admit_policy *p, const json_t *body,
                                   struct moat_decision *d, struct moat_err *err);

/* POST /containers/{id}/update (container.UpdateConfig) under deny_privileged. */
int moat_admit_check_update(const struct moat_admit_policy *p, const json_t *body,
                            struct moat_decision *d, struct moat_err *err);

/* Whether the policy has any container rule (the create, start, exec ... checks do anything). */
bool moat_admit_policy_has_container_rules(const struct moat_admit_policy *p);

/* ---- users ---- */

/*
 * Whether a User string means root as the engine reads it (runc's
 * GetExecUser): the part before the first ':' is empty, "root", or a number
 * strconv.Atoi reads as 0 ("0", "00", "+0", "-0"). Other names are looked up
 * in the image's /etc/passwd, which a plugin does not see.
 */
bool moat_user_is_root(const char *user);

#endif
