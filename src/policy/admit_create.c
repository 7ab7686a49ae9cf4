/*
 * admit_create.c - the container settings of a request that the policy can
 * deny, read as the daemon reads them (Go's encoding/json: field names match
 * case-insensitively; strings.ToUpper for capabilities; exact strings where
 * Go compares exactly). Each reason names its rule. A field of the wrong type,
 * or given twice, is a reason, not a pass: a plugin must not guess. What each
 * rule covers, with its CIS Docker Benchmark section, is in docs/admission.md.
 * Host paths and volumes are admit_mounts.c.
 */
#include "admit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/json.h"
#include "moat/policy/gosem.h"

const json_t *admit_field(struct admit_ctx *c, const json_t *obj, const char *where,
                          const char *name)
{
    bool amb = false;
    const json_t *v = moat_go_field(obj, name, &amb);

    if (amb)
        moat_decision_add(c->d, c->err, "%s%s%s is given twice (keys differing only in case)",
                          where, *where ? "." : "", name);
    return v;
}

/* A string field, or NULL; wrong types are a reason (*rc). */
static const char *str_field(struct admit_ctx *c, const json_t *obj, const char *where,
                             const char *name, int *rc)
{
    const json_t *v = admit_field(c, obj, where, name);

    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        *rc = moat_decision_add(c->d, c->err, "%s.%s is not a string", where, name);
        return NULL;
    }
    return json_string_value(v);
}

/* A list field that must be empty under deny_privileged. */
static int deny_nonempty(struct admit_ctx *c, const json_t *hc, const char *where, const char *name,
                         const char *what)
{
    const json_t *v = admit_field(c, hc, where, name);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return moat_decision_add(c->d, c->err, "%s.%s is not a list", where, name);
    if (json_array_size(v) == 0)
        return 0;
    return moat_decision_add(c->d, c->err, "deny_privileged: %s (%s.%s, CIS 5.17)", what, where,
                             name);
}

/* Capabilities deny_privileged refuses to add, besides the policy's deny_cap_add. */
static const char *const power_caps[] = {"ALL",       "SYS_ADMIN",  "SYS_MODULE",
                                         "SYS_RAWIO", "SYS_PTRACE", "DAC_READ_SEARCH",
                                         "NET_ADMIN", "BPF",        "PERFMON"};

static int check_caps(struct admit_ctx *c, const json_t *hc, const char *where)
{
    const json_t *caps = admit_field(c, hc, where, "CapAdd");
    size_t i;
    json_t *v;
    int rc = 0;

    if (caps == NULL || json_is_null(caps))
        return 0;
    if (!json_is_array(caps))
        return moat_decision_add(c->d, c->err, "%s.CapAdd is not a list", where);
    json_array_foreach(caps, i, v)
    {
        char up[80];
        const char *cap, *rule = NULL;

        if (!json_is_string(v)) {
            rc = moat_decision_add(c->d, c->err, "%s.CapAdd[%zu] is not a string", where, i);
        } else if (moat_go_upper_ascii(json_string_value(v), json_string_length(v), up,
                                       sizeof up)) {
            /* oci/caps.NormalizeLegacyCapabilities: strings.ToUpper, then "CAP_" is optional */
            cap = strncmp(up, "CAP_", 4) == 0 && strcmp(up, "CAP_ALL") != 0 ? up + 4 : up;
            for (size_t j = 0; rule == NULL && j < c->p->n_deny_cap_add; j++)
                if (strcmp(c->p->deny_cap_add[j], cap) == 0 ||
                    strcmp(c->p->deny_cap_add[j], "ALL") == 0 || strcmp(cap, "ALL") == 0)
                    rule = "deny_cap_add";
            for (size_t j = 0; rule == NULL && c->p->deny_privileged &&
                               j < sizeof power_caps / sizeof power_caps[0];
                 j++)
                if (strcmp(power_caps[j], cap) == 0)
                    rule = "deny_privileged";
            if (rule != NULL)
                rc = moat_decision_add(
                    c->d, c->err, "%s: capability added: %.64s%s%s (%s.CapAdd, CIS 5.3)", rule,
                    json_string_value(v),
                    strcmp(json_string_value(v), cap) != 0 ? ", which the daemon reads as " : "",
                    strcmp(json_string_value(v), cap) != 0 ? cap : "", where);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* A seccomp profile given inline (the CLI sends the file's JSON) that allows by default. */
static bool seccomp_allows_all(const char *profile)
{
    json_t *j = NULL;
    const char *act;
    bool yes;

    if (moat_json_parse(profile, strlen(profile), 1u << 20, "seccomp profile", &j, NULL) < 0)
        return false; /* the daemon refuses a profile it cannot read */
    act = json_string_value(moat_go_field(j, "defaultAction", &(bool){false}));
    yes = act != NULL && (strcmp(act, "SCMP_ACT_ALLOW") == 0 || strcmp(act, "SCMP_ACT_LOG") == 0);
    json_decref(j);
    return yes;
}

/* SecurityOpt as the daemon's parseSecurityOpt reads it ("k=v", or the old "k:v"). */
static int check_security_opts(struct admit_ctx *c, const json_t *hc, const char *where)
{
    const json_t *opts = admit_field(c, hc, where, "SecurityOpt");
    size_t i;
    json_t *v;
    int rc = 0;

    if (opts == NULL || json_is_null(opts))
        return 0;
    if (!json_is_array(opts))
        return moat_decision_add(c->d, c->err, "%s.SecurityOpt is not a list", where);
    json_array_foreach(opts, i, v)
    {
        const char *o = json_string_value(v), *val, *sep, *what = NULL;
        size_t kn;

        if (o == NULL) {
            rc = moat_decision_add(c->d, c->err, "%s.SecurityOpt[%zu] is not a string", where, i);
            if (rc < 0)
                return rc;
            continue;
        }
        sep = strchr(o, '=') != NULL ? strchr(o, '=') : strchr(o, ':');
        kn = sep != NULL ? (size_t)(sep - o) : strlen(o);
        val = sep != NULL ? sep + 1 : "";
        if (strcmp(o, "disable") == 0 ||
            (kn == 5 && memcmp(o, "label", 5) == 0 &&
             (strcmp(val, "disable") == 0 || strcmp(val, "type:spc_t") == 0 ||
              strcmp(val, "type:unconfined_t") == 0)))
            what = "SELinux labelling disabled (CIS 5.2)";
        else if (kn == 8 && memcmp(o, "apparmor", 8) == 0 && strcmp(val, "unconfined") == 0)
            what = "AppArmor unconfined (CIS 5.1)";
        else if (kn == 7 && memcmp(o, "seccomp", 7) == 0 &&
                 (strcmp(val, "unconfined") == 0 || seccomp_allows_all(val)))
            what = "seccomp unconfined (CIS 5.21)";
        else if (kn == 11 && memcmp(o, "systempaths", 11) == 0 && strcmp(val, "unconfined") == 0)
            what = "/proc and /sys paths unmasked (systempaths=unconfined)";
        if (what != NULL &&
            (rc = moat_decision_add(c->d, c->err, "deny_privileged: %s (%s.SecurityOpt: %.100s)",
                                    what, where, strlen(o) > 100 ? "<profile>" : o)) < 0)
            return rc;
    }
    return 0;
}

/* MaskedPaths/ReadonlyPaths given explicitly must keep the daemon's defaults (oci/defaults.go). */
static int check_system_paths(struct admit_ctx *c, const json_t *hc, const char *where)
{
    static const char *const masked[] = {
        "/proc/asound",        "/proc/acpi",       "/proc/kcore",       "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
        "/proc/scsi",          "/sys/firmware"};
    static const char *const ro[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                     "/proc/sysrq-trigger"};
    static const struct {
        const char *field;
        const char *const *want;
        size_t n;
    } lists[] = {{"MaskedPaths", masked, sizeof masked / sizeof masked[0]},
                 {"ReadonlyPaths", ro, sizeof ro / sizeof ro[0]}};
    int rc = 0;

    for (size_t l = 0; l < 2; l++) {
        const json_t *v = admit_field(c, hc, where, lists[l].field);

        if (v == NULL || json_is_null(v))
            continue; /* the daemon's defaults */
        if (!json_is_array(v)) {
            rc = moat_decision_add(c->d, c->err, "%s.%s is not a list", where, lists[l].field);
        } else {
            for (size_t k = 0; k < lists[l].n; k++) {
                bool found = false;
                size_t i;
                json_t *e;

                json_array_foreach(v, i, e) found |=
                    json_is_string(e) && strcmp(json_string_value(e), lists[l].want[k]) == 0;
                if (!found) {
                    rc = moat_decision_add(c->d, c->err,
                                           "deny_privileged: %s.%s leaves out %s (what "
                                           "systempaths=unconfined does)",
                                           where, lists[l].field, lists[l].want[k]);
                    break;
                }
            }
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int check_hc(struct admit_ctx *c, const json_t *hc, const char *where);

/* "container:<name>" modes: the other container's namespaces, so its settings. */
static int check_joins(struct admit_ctx *c, const json_t *hc, const char *where)
{
    static const char *const modes[] = {"NetworkMode", "PidMode", "IpcMode"};
    int rc = 0;

    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const char *m = json_string_value(moat_go_field(hc, modes[i], &(bool){false}));
        char why[64];

        if (m == NULL || strncmp(m, "container:", 10) != 0) /* types: check_hc says */
            continue;
        snprintf(why, sizeof why, "%s container:", modes[i]);
        if ((rc = admit_check_other_container(c, why, m + 10, false)) < 0)
            return rc;
    }
    return 0;
}

int admit_check_other_container(struct admit_ctx *c, const char *why, const char *name,
                                bool mounts_only)
{
    struct moat_decision sub = {true, NULL, 0};
    struct moat_err e2 = MOAT_ERR_INIT;
    struct admit_ctx k = *c;
    json_t *ctr = NULL;
    char prefix[400];
    int rc;

    if (c->lk == NULL || c->lk->get == NULL)
        return moat_decision_add(c->d, c->err,
                                 "%s%.200s: no engine (--engine) to see that container's settings",
                                 why, name);
    if (c->hops >= ADMIT_MAX_HOPS)
        return moat_decision_add(c->d, c->err, "%s%.200s: more than %d containers deep", why, name,
                                 ADMIT_MAX_HOPS);
    rc = c->lk->get(c->lk->ctx, "containers", name, &ctr, &e2);
    if (rc < 0) {
        rc = rc == -MOAT_E_NOMEM
                 ? moat_err_set(c->err, MOAT_E_NOMEM, "out of memory")
                 : moat_decision_add(c->d, c->err, "%s%.200s: %s", why, name, moat_err_msg(&e2));
        moat_err_clear(&e2);
        return rc;
    }
    k.d = &sub;
    k.hops = c->hops + 1;
    k.from_engine = true;
    if (mounts_only)
        rc = (c->p->deny_socket_mounts || c->p->deny_host_mounts)
                 ? admit_check_mounts(&k, json_object_get(ctr, "HostConfig"), "HostConfig")
                 : 0;
    else
        rc = check_hc(&k, json_object_get(ctr, "HostConfig"), "HostConfig");
    snprintf(prefix, sizeof prefix, "%s%.200s, which the policy would refuse: ", why, name);
    if (rc == 0)
        rc = moat_decision_merge(c->d, prefix, sub.reasons, sub.n_reasons, c->err);
    moat_decision_free(&sub);
    json_decref(ctr);
    return rc;
}

static int check_hc(struct admit_ctx *c, const json_t *hc, const char *where)
{
    static const char *const ns[] = {"NetworkMode", "PidMode",    "IpcMode",
                                     "UTSMode",     "UsernsMode", "CgroupnsMode"};
    const struct moat_admit_policy *p = c->p;
    int rc = 0;

    if (hc == NULL || json_is_null(hc))
        return 0; /* all defaults: unprivileged, private namespaces, no mounts */
    if (!json_is_object(hc))
        return moat_decision_add(c->d, c->err, "%s is not an object", where);
    if (p->deny_privileged) {
        const json_t *v = admit_field(c, hc, where, "Privileged");
        const char *cg;

        if (v != NULL && !json_is_boolean(v) && !json_is_null(v))
            rc = moat_decision_add(c->d, c->err, "%s.Privileged is not a boolean", where);
        else if (json_is_true(v))
            rc = moat_decision_add(c->d, c->err,
                                   "deny_privileged: privileged container (%s.Privileged, CIS 5.4)",
                                   where);
        if (rc < 0 || (rc = deny_nonempty(c, hc, where, "Devices", "host devices added")) < 0 ||
            (rc = deny_nonempty(c, hc, where, "DeviceCgroupRules", "device cgroup rules added")) <
                0 ||
            (rc = deny_nonempty(c, hc, where, "DeviceRequests", "host devices requested (GPUs)")) <
                0 ||
            (rc = check_security_opts(c, hc, where)) < 0 ||
            (rc = check_system_paths(c, hc, where)) < 0)
            return rc;
        /* the engine fills in the daemon's default (host on cgroup v1); a request sets it */
        cg = str_field(c, hc, where, "CgroupnsMode", &rc);
        if (rc == 0 && cg != NULL && strcmp(cg, "host") == 0 && !c->from_engine)
            rc = moat_decision_add(
                c->d, c->err, "deny_privileged: host cgroup namespace (%s.CgroupnsMode is host)",
                where);
        if (rc < 0)
            return rc;
    }
    if (p->deny_privileged || p->n_deny_cap_add > 0)
        if ((rc = check_caps(c, hc, where)) < 0)
            return rc;
    if (p->deny_host_namespaces)
        for (size_t i = 0; i < sizeof ns / sizeof ns[0] - 1; i++) {
            const char *m = str_field(c, hc, where, ns[i], &rc);

            /* NetworkMode.IsHost() and friends compare exactly */
            if (rc == 0 && m != NULL && strcmp(m, "host") == 0)
                rc = moat_decision_add(
                    c->d, c->err, "deny_host_namespaces: %s.%s is host (CIS 5.%s)", where, ns[i],
                    i == 0   ? "9"
                    : i == 1 ? "15"
                    : i == 2 ? "16"
                    : i == 3 ? "20"
                             : "30");
            if (rc < 0)
                return rc;
        }
    if ((rc = check_joins(c, hc, where)) < 0)
        return rc;
    if ((p->deny_socket_mounts || p->deny_host_mounts) &&
        (rc = admit_check_mounts(c, hc, where)) < 0)
        return rc;
    return 0;
}

bool moat_admit_policy_has_container_rules(const struct moat_admit_policy *p)
{
    return p->deny_privileged || p->deny_host_namespaces || p->deny_socket_mounts ||
           p->deny_host_mounts || p->n_deny_cap_add > 0;
}

int moat_admit_check_host_config(const struct moat_admit_policy *p, const json_t *hc,
                                 const char *where, const struct moat_admit_lookup *lk,
                                 struct moat_decision *d, struct moat_err *err)
{
    struct admit_ctx c = {p, lk, d, err, 0, false};

    if (!moat_admit_policy_has_container_rules(p))
        return 0;
    return check_hc(&c, hc, where);
}

int moat_admit_check_create(const struct moat_admit_policy *p, const json_t *body,
                            const struct moat_admit_lookup *lk, struct moat_decision *d,
                            struct moat_err *err)
{
    struct admit_ctx c = {p, lk, d, err, 0, false};
    const json_t *hc;

    if (!json_is_object(body))
        return moat_decision_add(d, err, "create request body is not a JSON object");
    if (!moat_admit_policy_has_container_rules(p))
        return 0;
    hc = admit_field(&c, body, "", "HostConfig");
    /* runconfig.ContainerConfigWrapper: without a HostConfig object the daemon takes the
     * HostConfig fields given at the top level (the deprecated embedded struct) */
    if (hc == NULL || json_is_null(hc))
        return check_hc(&c, body, "(top level)");
    return check_hc(&c, hc, "HostConfig");
}

int moat_admit_check_volume_create(const struct moat_admit_policy *p, const json_t *body,
                                   struct moat_decision *d, struct moat_err *err)
{
    struct admit_ctx c = {p, NULL, d, err, 0, false};
    const json_t *drv, *opts;

    if (!json_is_object(body))
        return moat_decision_add(d, err, "volume create body is not a JSON object");
    drv = admit_field(&c, body, "", "Driver");
    opts = admit_field(&c, body, "", "DriverOpts");
    if (drv != NULL && !json_is_string(drv) && !json_is_null(drv))
        return moat_decision_add(d, err, "Driver is not a string");
    if (opts != NULL && !json_is_object(opts) && !json_is_null(opts))
        return moat_decision_add(d, err, "DriverOpts is not an object");
    return admit_check_volume_opts(&c, "volume create DriverOpts device",
                                   json_is_string(drv) ? json_string_value(drv) : "", opts);
}

int moat_admit_check_update(const struct moat_admit_policy *p, const json_t *body,
                            struct moat_decision *d, struct moat_err *err)
{
    struct admit_ctx c = {p, NULL, d, err, 0, false};
    int rc;

    if (!json_is_object(body))
        return moat_decision_add(d, err, "update body is not a JSON object");
    if (!p->deny_privileged)
        return 0;
    /* the daemon applies only resource limits and the restart policy (20.10), but a device
     * asked for in an update is asked for */
    if ((rc = deny_nonempty(&c, body, "update", "Devices", "host devices added")) < 0 ||
        (rc = deny_nonempty(&c, body, "update", "DeviceCgroupRules", "device cgroup rules added")) <
            0)
        return rc;
    return deny_nonempty(&c, body, "update", "DeviceRequests", "host devices requested (GPUs)");
}

int moat_admit_check_container(const struct moat_admit_policy *p, const json_t *inspect,
                               const struct moat_admit_lookup *lk, struct moat_decision *d,
                               struct moat_err *err)
{
    struct admit_ctx c = {p, lk, d, err, 1, true};

    if (!moat_admit_policy_has_container_rules(p))
        return 0;
    return check_hc(&c, json_object_get(inspect, "HostConfig"), "HostConfig");
}
