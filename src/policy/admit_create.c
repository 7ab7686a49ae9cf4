/*
 * admit_create.c - the container settings of a POST /containers/create body
 * (Docker Engine API ContainerConfig + HostConfig) that the policy can deny:
 * privileged mode, host namespaces, the engine's socket mounted into the
 * container, added capabilities. A field of the wrong type is a reason, not a
 * pass: Docker would reject it, and a plugin must not guess.
 */
#include "admit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/limits.h"

/* Engine API sockets; binding any of them, or a directory above them, hands over the host. */
static const char *const engine_sockets[] = {
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/run/docker/containerd/containerd.sock",
};
static const char *const socket_names[] = {"docker.sock", "podman.sock", "containerd.sock",
                                           "crio.sock"};

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

/* Whether a host path (already clean) is an engine socket or a directory holding one. */
static const char *exposes_socket(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t n = strlen(path);

    for (size_t i = 0; i < sizeof socket_names / sizeof socket_names[0]; i++)
        if (base != NULL && strcmp(base + 1, socket_names[i]) == 0)
            return path;
    for (size_t i = 0; i < sizeof engine_sockets / sizeof engine_sockets[0]; i++) {
        const char *s = engine_sockets[i];

        if (strcmp(path, "/") == 0 || (strncmp(s, path, n) == 0 && (s[n] == '\0' || s[n] == '/')))
            return s;
    }
    return NULL;
}

static int check_source(struct moat_decision *d, struct moat_err *err, const char *where,
                        const char *src, size_t len)
{
    char clean[MOAT_MAX_PATH_LEN + 1];
    const char *sock;

    if (len == 0 || src[0] != '/')
        return 0; /* a named volume, not a host path */
    if (clean_path(src, len, clean, sizeof clean) < 0)
        return moat_decision_add(d, err, "%s: host path too long", where);
    sock = exposes_socket(clean);
    if (sock == NULL)
        return 0;
    if (strcmp(sock, clean) == 0)
        return moat_decision_add(d, err, "engine socket mounted: %.*s (%s)", (int)len, src, where);
    return moat_decision_add(d, err, "engine socket mounted: %.*s holds %s (%s)", (int)len, src,
                             sock, where);
}

static int check_mounts(const json_t *hc, struct moat_decision *d, struct moat_err *err)
{
    const json_t *binds = json_object_get(hc, "Binds"), *mounts = json_object_get(hc, "Mounts");
    size_t i;
    json_t *v;
    int rc = 0;

    if (binds != NULL && !json_is_null(binds)) {
        if (!json_is_array(binds))
            return moat_decision_add(d, err, "HostConfig.Binds is not a list");
        json_array_foreach(binds, i, v)
        {
            const char *s = json_string_value(v);

            if (!json_is_string(v))
                rc = moat_decision_add(d, err, "HostConfig.Binds[%zu] is not a string", i);
            else /* "src:dst[:opts]"; src is a host path when it starts with '/' */
                rc = check_source(d, err, "HostConfig.Binds", s, strcspn(s, ":"));
            if (rc < 0)
                return rc;
        }
    }
    if (mounts != NULL && !json_is_null(mounts)) {
        if (!json_is_array(mounts))
            return moat_decision_add(d, err, "HostConfig.Mounts is not a list");
        json_array_foreach(mounts, i, v)
        {
            const json_t *src = json_object_get(v, "Source");
            const json_t *dev =
                json_object_get(json_object_get(json_object_get(json_object_get(v, "VolumeOptions"),
                                                                "DriverConfig"),
                                                "Options"),
                                "device");

            if (!json_is_object(v) || (src != NULL && !json_is_string(src) && !json_is_null(src)))
                rc = moat_decision_add(d, err, "HostConfig.Mounts[%zu] is malformed", i);
            if (rc == 0 && json_is_string(src))
                rc = check_source(d, err, "HostConfig.Mounts", json_string_value(src),
                                  json_string_length(src));
            /* a local volume can bind any host directory through its driver options */
            if (rc == 0 && json_is_string(dev))
                rc = check_source(d, err, "HostConfig.Mounts volume device", json_string_value(dev),
                                  json_string_length(dev));
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static bool cap_eq(const char *policy_cap, const char *req)
{
    if (strncasecmp(req, "CAP_", 4) == 0)
        req += 4;
    return strcasecmp(policy_cap, req) == 0;
}

static int check_caps(const struct moat_admit_policy *p, const json_t *hc, struct moat_decision *d,
                      struct moat_err *err)
{
    const json_t *caps = json_object_get(hc, "CapAdd");
    size_t i;
    json_t *v;
    int rc = 0;

    if (caps == NULL || json_is_null(caps))
        return 0;
    if (!json_is_array(caps))
        return moat_decision_add(d, err, "HostConfig.CapAdd is not a list");
    json_array_foreach(caps, i, v)
    {
        const char *c = json_string_value(v);
        bool denied = false;

        if (c == NULL) {
            rc = moat_decision_add(d, err, "HostConfig.CapAdd[%zu] is not a string", i);
        } else {
            for (size_t j = 0; j < p->n_deny_cap_add && !denied; j++)
                denied = cap_eq(p->deny_cap_add[j], c) || strcmp(p->deny_cap_add[j], "ALL") == 0 ||
                         cap_eq("ALL", c);
            if (denied)
                rc = moat_decision_add(d, err, "capability added: %.64s (HostConfig.CapAdd)", c);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int moat_admit_check_create(const struct moat_admit_policy *p, const json_t *body,
                            struct moat_decision *d, struct moat_err *err)
{
    static const char *const modes[] = {"NetworkMode", "PidMode", "IpcMode", "UTSMode",
                                        "UsernsMode"};
    const json_t *hc;
    int rc = 0;

    if (!json_is_object(body))
        return moat_decision_add(d, err, "create request body is not a JSON object");
    hc = json_object_get(body, "HostConfig");
    if (hc == NULL || json_is_null(hc))
        return 0; /* all defaults: unprivileged, private namespaces, no mounts */
    if (!json_is_object(hc))
        return moat_decision_add(d, err, "HostConfig is not an object");
    if (p->deny_privileged) {
        const json_t *v = json_object_get(hc, "Privileged");

        if (v != NULL && !json_is_boolean(v) && !json_is_null(v))
            rc = moat_decision_add(d, err, "HostConfig.Privileged is not a boolean");
        else if (json_is_true(v))
            rc = moat_decision_add(d, err, "privileged container (HostConfig.Privileged)");
        if (rc < 0)
            return rc;
    }
    if (p->deny_host_namespaces)
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            const json_t *v = json_object_get(hc, modes[i]);

            if (v != NULL && !json_is_string(v) && !json_is_null(v))
                rc = moat_decision_add(d, err, "HostConfig.%s is not a string", modes[i]);
            else if (json_is_string(v) && strcmp(json_string_value(v), "host") == 0)
                rc = moat_decision_add(d, err, "host namespace: HostConfig.%s is host", modes[i]);
            if (rc < 0)
                return rc;
        }
    if (p->deny_socket_mounts && (rc = check_mounts(hc, d, err)) < 0)
        return rc;
    if (p->n_deny_cap_add > 0 && (rc = check_caps(p, hc, d, err)) < 0)
        return rc;
    return 0;
}
