/*
 * admit_mounts.c - the host's files a container would get: Binds
 * ("src:dst[:mode]" parsed as moby's linuxParser does), Mounts, volumes whose
 * local driver binds a device path, and the mounts of VolumesFrom containers.
 * A host path is judged twice: cleaned lexically, and resolved on this host
 * (symlinks followed, at most MOAT_MAX_LINK_HOPS) because the kernel follows
 * them when the daemon mounts it - a directory a container could write to can
 * hold a symlink to /run.
 */
#include "admit_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/base/limits.h"
#include "moat/policy/gosem.h"

/* Engine API sockets; binding any of them, or a directory above them, hands over the host. */
static const char *const engine_sockets[] = {
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/run/docker/containerd/containerd.sock",
    "/run/docker/plugins",
};
static const char *const socket_names[] = {"docker.sock", "podman.sock", "containerd.sock",
                                           "crio.sock"};

/* deny_host_mounts (CIS Docker Benchmark 5.5): the path and everything below it. */
static const char *const host_subtrees[] = {"/proc",
                                            "/sys",
                                            "/dev",
                                            "/boot",
                                            "/root",
                                            "/var/lib/docker",
                                            "/var/lib/containerd",
                                            "/run/docker",
                                            "/run/containerd",
                                            "/etc/shadow",
                                            "/etc/gshadow",
                                            "/etc/sudoers",
                                            "/etc/sudoers.d"};
/* ... the directory itself (and any directory above it); below it only read-only. */
static const char *const host_dirs[] = {"/etc", "/usr", "/lib", "/lib64", "/bin", "/sbin"};
/* ... the directory itself (and above): it holds others' state */
static const char *const host_parents[] = {"/var/lib", "/run"};

/* p is s, or a directory above s. */
static bool at_or_above(const char *p, const char *s)
{
    size_t n = strlen(p);

    return strcmp(p, "/") == 0 || (strncmp(s, p, n) == 0 && (s[n] == '\0' || s[n] == '/'));
}

/*
 * Lexically clean an absolute host path into out (no "//", ".", "..", trailing
 * "/"; /var/run is read as /run, the usual symlink). 0, or -1 when not absolute
 * or too long.
 */
static int clean_path(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0, i = 0;

    if (len == 0 || in[0] != '/' || len >= cap)
        return -1;
    while (i < len) {
        size_t start, n;

        while (i < len && in[i] == '/')
            i++;
        start = i;
        while (i < len && in[i] != '/')
            i++;
        n = i - start;
        if (n == 0 || (n == 1 && in[start] == '.'))
            continue;
        if (n == 2 && in[start] == '.' && in[start + 1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, in + start, n);
        o += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    if (strncmp(out, "/var/run", 8) == 0 && (out[8] == '/' || out[8] == '\0')) {
        memmove(out, out + 4, o - 4 + 1);
        if (out[0] == '\0')
            memcpy(out, "/", 2);
    }
    return 0;
}

/*
 * Resolve a clean absolute path on this host as the kernel would when the
 * daemon mounts it: each existing component's symlink is followed; the first
 * missing component ends the walk (the daemon creates the rest as directories).
 * 0, or -1 for a loop or an over-long result.
 */
static int resolve_host(const char *path, char *out, size_t cap)
{
    char cur[PATH_MAX] = "", rest[PATH_MAX], link[PATH_MAX], cand[PATH_MAX];
    unsigned hops = 0;

    if (strlen(path) >= sizeof rest)
        return -1;
    memcpy(rest, path, strlen(path) + 1);
    for (;;) {
        char *r = rest;
        size_t n, cl = strlen(cur);
        struct stat st;
        ssize_t ln;

        while (*r == '/')
            r++;
        if ((n = strcspn(r, "/")) == 0)
            break;
        if (n == 2 && r[0] == '.' && r[1] == '.') {
            char *up = strrchr(cur, '/');

            if (up != NULL)
                *up = '\0';
        } else if (!(n == 1 && r[0] == '.')) {
            if (cl + 1 + n >= sizeof cand)
                return -1;
            memcpy(cand, cur, cl);
            cand[cl] = '/';
            memcpy(cand + cl + 1, r, n);
            cand[cl + 1 + n] = '\0';
            if (lstat(cand, &st) != 0) { /* missing: the daemon creates the rest as written */
                if (strlen(cand) + strlen(r + n) >= sizeof link)
                    return -1;
                memcpy(link, cand, strlen(cand));
                memcpy(link + strlen(cand), r + n, strlen(r + n) + 1);
                return clean_path(link, strlen(link), out, cap);
            }
            if (S_ISLNK(st.st_mode)) {
                if (++hops > MOAT_MAX_LINK_HOPS ||
                    (ln = readlink(cand, link, sizeof link - 1)) <= 0)
                    return -1;
                link[ln] = '\0';
                if (link[0] == '/')
                    cur[0] = '\0';
                if ((size_t)ln + 1 + strlen(r + n) >= sizeof rest)
                    return -1;
                memmove(rest + ln + 1, r + n, strlen(r + n) + 1);
                memcpy(rest, link, (size_t)ln);
                rest[ln] = '/';
                continue;
            }
            memcpy(cur, cand, strlen(cand) + 1);
        }
        memmove(rest, r + n, strlen(r + n) + 1);
    }
    return clean_path(cur[0] != '\0' ? cur : "/", cur[0] != '\0' ? strlen(cur) : 1, out, cap);
}

/* The reasons for one clean host path (as written: shown; clean: judged). */
static int judge_path(struct admit_ctx *c, const char *where, const char *shown, const char *p,
                      bool ro, const char *via)
{
    const char *base = strrchr(p, '/');
    int rc = 0;

    if (c->p->deny_socket_mounts) {
        const char *sock = NULL;

        for (size_t i = 0; i < sizeof socket_names / sizeof socket_names[0]; i++)
            if (base != NULL && strcmp(base + 1, socket_names[i]) == 0)
                sock = p;
        for (size_t i = 0; sock == NULL && i < sizeof engine_sockets / sizeof engine_sockets[0];
             i++)
            if (at_or_above(p, engine_sockets[i]))
                sock = engine_sockets[i];
        if (sock != NULL && strcmp(sock, p) == 0)
            rc = moat_decision_add(
                c->d, c->err,
                "deny_socket_mounts: engine socket mounted: %.300s%s%.300s (%s, CIS 5.31)", shown,
                via, via[0] ? p : "", where);
        else if (sock != NULL)
            rc = moat_decision_add(
                c->d, c->err,
                "deny_socket_mounts: engine socket mounted: %.300s%s%.300s holds %s (%s, CIS 5.31)",
                shown, via, via[0] ? p : "", sock, where);
        else if (at_or_above("/proc", p))
            rc = moat_decision_add(
                c->d, c->err,
                "deny_socket_mounts: %.300s%s%.300s is under /proc, which reaches "
                "every host file and socket (/proc/1/root) (%s)",
                shown, via, via[0] ? p : "", where);
        if (rc < 0 || sock != NULL || at_or_above("/proc", p))
            return rc;
    }
    if (c->p->deny_host_mounts) {
        const char *hit = NULL, *how = "";

        for (size_t i = 0; hit == NULL && i < sizeof host_subtrees / sizeof host_subtrees[0]; i++)
            if (at_or_above(host_subtrees[i], p) || at_or_above(p, host_subtrees[i]))
                hit = host_subtrees[i];
        for (size_t i = 0; hit == NULL && i < sizeof host_dirs / sizeof host_dirs[0]; i++) {
            if (at_or_above(p, host_dirs[i]))
                hit = host_dirs[i];
            else if (!ro && at_or_above(host_dirs[i], p)) {
                hit = host_dirs[i];
                how = " writable";
            }
        }
        for (size_t i = 0; hit == NULL && i < sizeof host_parents / sizeof host_parents[0]; i++)
            if (at_or_above(p, host_parents[i]))
                hit = host_parents[i];
        if (hit != NULL)
            return moat_decision_add(c->d, c->err,
                                     "deny_host_mounts:%s host path %.300s%s%.300s (%s is "
                                     "sensitive, CIS 5.5) (%s)",
                                     how, shown, via, via[0] ? p : "", hit, where);
    }
    return 0;
}

/* A host path from a request: judged as written (cleaned) and as this host resolves it. */
static int check_host_path(struct admit_ctx *c, const char *where, const char *src, size_t len,
                           bool ro)
{
    char clean[MOAT_MAX_PATH_LEN + 1], real[MOAT_MAX_PATH_LEN + 1], shown[MOAT_MAX_PATH_LEN + 1];
    size_t before = c->d->n_reasons;
    int rc;

    if (len > MOAT_MAX_PATH_LEN || clean_path(src, len, clean, sizeof clean) < 0)
        return moat_decision_add(c->d, c->err, "%s: host path too long", where);
    memcpy(shown, src, len);
    shown[len] = '\0';
    if ((rc = judge_path(c, where, shown, clean, ro, "")) < 0 || c->d->n_reasons > before)
        return rc;
    if (!c->p->deny_socket_mounts && !c->p->deny_host_mounts)
        return 0;
    if (resolve_host(clean, real, sizeof real) < 0)
        return moat_decision_add(c->d, c->err,
                                 "%s: host path %.300s cannot be resolved (a symlink loop?)", where,
                                 shown);
    if (strcmp(real, clean) != 0)
        return judge_path(c, where, shown, real, ro, " -> ");
    return 0;
}

/* Whether a comma-separated option list holds word. */
static bool has_opt(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *s = list; s != NULL && *s != '\0';) {
        size_t l = strcspn(s, ",");

        if (l == n && memcmp(s, word, n) == 0)
            return true;
        s += l + (s[l] == ',');
    }
    return false;
}

int admit_check_volume_opts(struct admit_ctx *c, const char *where, const char *driver,
                            const json_t *opts)
{
    /* the local driver's options are a map: its keys are exact */
    const json_t *dev = json_object_get(opts, "device"), *o = json_object_get(opts, "o");
    const char *ov = json_is_string(o) ? json_string_value(o) : "";
    bool bind = has_opt(ov, "bind") || has_opt(ov, "rbind");

    if ((driver != NULL && driver[0] != '\0' && strcmp(driver, "local") != 0) ||
        (!c->p->deny_socket_mounts && !c->p->deny_host_mounts) || dev == NULL || json_is_null(dev))
        return 0;
    if (!json_is_string(dev) || strlen(json_string_value(dev)) != json_string_length(dev))
        return moat_decision_add(c->d, c->err, "%s: device is not a string", where);
    if (json_string_value(dev)[0] == '/')
        return check_host_path(c, where, json_string_value(dev), json_string_length(dev),
                               has_opt(ov, "ro"));
    if (bind)
        return moat_decision_add(c->d, c->err,
                                 "%s: relative device path '%.200s' in a bind: the daemon resolves "
                                 "it against its own working directory (%s)",
                                 c->p->deny_socket_mounts ? "deny_socket_mounts"
                                                          : "deny_host_mounts",
                                 json_string_value(dev), where);
    return 0; /* nfs, cifs, tmpfs: not a host path */
}

/* A named volume: what the engine says its driver options are. */
static int check_named_volume(struct admit_ctx *c, const char *where, const char *name)
{
    struct moat_err e2 = MOAT_ERR_INIT;
    json_t *v = NULL;
    char w[300];
    int rc;

    if (c->lk == NULL || c->lk->get == NULL ||
        (!c->p->deny_socket_mounts && !c->p->deny_host_mounts))
        return 0; /* created through moat, it was judged then (docs/admission.md) */
    rc = c->lk->get(c->lk->ctx, "volumes", name, &v, &e2);
    if (rc == -MOAT_E_NOTFOUND) { /* the daemon creates it empty */
        moat_err_clear(&e2);
        return 0;
    }
    if (rc < 0) {
        rc = rc == -MOAT_E_NOMEM
                 ? moat_err_set(c->err, MOAT_E_NOMEM, "out of memory")
                 : moat_decision_add(c->d, c->err, "%s: cannot look up volume '%.200s': %s", where,
                                     name, moat_err_msg(&e2));
        moat_err_clear(&e2);
        return rc;
    }
    snprintf(w, sizeof w, "%s: volume %.200s", where, name);
    rc = admit_check_volume_opts(c, w, json_string_value(json_object_get(v, "Driver")),
                                 json_object_get(v, "Options"));
    json_decref(v);
    return rc;
}

/* One Binds entry, as moby's linuxParser.ParseMountRaw splits it. */
static int check_bind(struct admit_ctx *c, const char *where, const char *s)
{
    const char *c1 = strchr(s, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
    size_t src_len;
    bool ro;

    if (c1 == NULL || (c2 == NULL && c1[1] != '/'))
        return 0; /* "dst" or "dst:mode": an anonymous volume */
    if (c2 != NULL && strchr(c2 + 1, ':') != NULL)
        return 0; /* more than three parts: the daemon refuses it */
    src_len = (size_t)(c1 - s);
    ro = c2 != NULL && has_opt(c2 + 1, "ro");
    if (src_len > 0 && s[0] == '/')
        return check_host_path(c, where, s, src_len, ro);
    if (src_len > 0 && src_len < 256) {
        char name[256];

        memcpy(name, s, src_len);
        name[src_len] = '\0';
        return check_named_volume(c, where, name);
    }
    return 0;
}

int admit_check_mounts(struct admit_ctx *c, const json_t *hc, const char *where)
{
    char w[128], wb[140], wm[140];
    const json_t *binds, *mounts, *from;
    size_t i;
    json_t *v;
    int rc = 0;

    snprintf(w, sizeof w, "%s", where);
    snprintf(wb, sizeof wb, "%s.Binds", where);
    snprintf(wm, sizeof wm, "%s.Mounts", where);
    binds = admit_field(c, hc, w, "Binds");
    mounts = admit_field(c, hc, w, "Mounts");
    from = admit_field(c, hc, w, "VolumesFrom");
    if (binds != NULL && !json_is_null(binds)) {
        if (!json_is_array(binds))
            return moat_decision_add(c->d, c->err, "%s.Binds is not a list", where);
        json_array_foreach(binds, i, v)
        {
            if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                rc = moat_decision_add(c->d, c->err, "%s.Binds[%zu] is not a string", where, i);
            else
                rc = check_bind(c, wb, json_string_value(v));
            if (rc < 0)
                return rc;
        }
    }
    if (mounts != NULL && !json_is_null(mounts)) {
        if (!json_is_array(mounts))
            return moat_decision_add(c->d, c->err, "%s.Mounts is not a list", where);
        json_array_foreach(mounts, i, v)
        {
            const json_t *src = admit_field(c, v, "HostConfig.Mounts[]", "Source");
            const json_t *type = admit_field(c, v, "HostConfig.Mounts[]", "Type");
            const json_t *ro = admit_field(c, v, "HostConfig.Mounts[]", "ReadOnly");
            const json_t *vo = admit_field(c, v, "HostConfig.Mounts[]", "VolumeOptions");
            const json_t *dc =
                admit_field(c, vo, "HostConfig.Mounts[].VolumeOptions", "DriverConfig");
            const json_t *dn =
                admit_field(c, dc, "HostConfig.Mounts[].VolumeOptions.DriverConfig", "Name");
            const json_t *opts =
                admit_field(c, dc, "HostConfig.Mounts[].VolumeOptions.DriverConfig", "Options");
            const char *t = json_is_string(type) ? json_string_value(type) : "";
            const char *s = json_is_string(src) ? json_string_value(src) : "";

            if (!json_is_object(v) || (src != NULL && !json_is_string(src) && !json_is_null(src)) ||
                (type != NULL && !json_is_string(type)))
                rc = moat_decision_add(c->d, c->err, "%s.Mounts[%zu] is malformed", where, i);
            else if (strcmp(t, "volume") == 0 && s[0] != '\0' && s[0] != '/')
                rc = check_named_volume(c, wm, s);
            else if (strcmp(t, "tmpfs") != 0 && strcmp(t, "volume") != 0 && s[0] == '/')
                rc = check_host_path(c, wm, s, strlen(s), json_is_true(ro));
            /* a volume created on the fly takes these driver options */
            if (rc == 0 && json_is_object(opts))
                rc = admit_check_volume_opts(c, "HostConfig.Mounts volume device",
                                             json_is_string(dn) ? json_string_value(dn) : "", opts);
            if (rc < 0)
                return rc;
        }
    }
    if (from != NULL && !json_is_null(from)) {
        if (!json_is_array(from))
            return moat_decision_add(c->d, c->err, "%s.VolumesFrom is not a list", where);
        json_array_foreach(from, i, v)
        {
            char name[256];
            size_t n;

            if (!json_is_string(v)) {
                rc = moat_decision_add(c->d, c->err, "%s.VolumesFrom[%zu] is not a string", where,
                                       i);
            } else if ((n = strcspn(json_string_value(v), ":")) < sizeof name) {
                memcpy(name, json_string_value(v), n); /* "name[:ro|rw]" */
                name[n] = '\0';
                rc = admit_check_other_container(c, "VolumesFrom ", name, true);
            }
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}
