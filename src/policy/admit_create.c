/*
 * admit_create.c - the container settings of a POST /containers/create body
 * (Docker Engine API ContainerConfig + HostConfig) that the policy can deny:
 * privileged mode, host namespaces, the engine's socket mounted into the
 * container, added capabilities. Fields are looked up as the daemon's Go
 * decoder does, case-insensitively ("privileged" is Privileged). A field of the
 * wrong type, or given twice, is a reason, not a pass: a plugin must not guess.
 */
#include "admit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/limits.h"

/* Length of the key prefix at k that folds to c (1 ASCII byte, or 2-3 for KELVIN SIGN / LONG S). */
static size_t fold_match(const unsigned char *k, size_t left, char c)
{
    unsigned char l = (unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);

    if (left >= 1 && k[0] < 0x80)
        return (unsigned char)(k[0] >= 'A' && k[0] <= 'Z' ? k[0] - 'A' + 'a' : k[0]) == l ? 1 : 0;
    if (l == 'k' && left >= 3 && k[0] == 0xe2 && k[1] == 0x84 && k[2] == 0xaa)
        return 3;
    if (l == 's' && left >= 2 && k[0] == 0xc5 && k[1] == 0xbf)
        return 2;
    return 0;
}

static bool go_key_eq(const char *key, size_t klen, const char *name)
{
    const unsigned char *k = (const unsigned char *)key;
    size_t i = 0;

    for (; *name != '\0'; name++) {
        size_t n = fold_match(k + i, klen - i, *name);

        if (n == 0)
            return false;
        i += n;
    }
    return i == klen;
}

json_t *moat_go_field(const json_t *obj, const char *name, bool *ambiguous)
{
    json_t *found = NULL, *v;
    const char *key;
    size_t klen;

    if (!json_is_object(obj))
        return NULL;
    json_object_keylen_foreach((json_t *)obj, key, klen, v)
    {
        if (!go_key_eq(key, klen, name))
            continue;
        if (found != NULL) {
            *ambiguous = true;
            return NULL;
        }
        found = v;
    }
    return found;
}

/* moat_go_field, with ambiguity as a reason in d (then NULL). */
static const json_t *field(const json_t *obj, const char *where, const char *name,
                           struct moat_decision *d, struct moat_err *err)
{
    bool amb = false;
    const json_t *v = moat_go_field(obj, name, &amb);

    if (amb)
        moat_decision_add(d, err, "%s%s%s is given twice (keys differing only in case)", where,
                          *where ? "." : "", name);
    return v;
}

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
    const json_t *binds = field(hc, "HostConfig", "Binds", d, err);
    const json_t *mounts = field(hc, "HostConfig", "Mounts", d, err);
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
            const json_t *src = field(v, "HostConfig.Mounts[]", "Source", d, err);
            const json_t *vo = field(v, "HostConfig.Mounts[]", "VolumeOptions", d, err);
            const json_t *dc =
                field(vo, "HostConfig.Mounts[].VolumeOptions", "DriverConfig", d, err);
            /* Options is a map: its keys are exact */
            const json_t *dev = json_object_get(
                field(dc, "HostConfig.Mounts[].VolumeOptions.DriverConfig", "Options", d, err),
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
    const json_t *caps = field(hc, "HostConfig", "CapAdd", d, err);
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
    hc = field(body, "", "HostConfig", d, err);
    if (hc == NULL || json_is_null(hc))
        return 0; /* all defaults: unprivileged, private namespaces, no mounts */
    if (!json_is_object(hc))
        return moat_decision_add(d, err, "HostConfig is not an object");
    if (p->deny_privileged) {
        const json_t *v = field(hc, "HostConfig", "Privileged", d, err);

        if (v != NULL && !json_is_boolean(v) && !json_is_null(v))
            rc = moat_decision_add(d, err, "HostConfig.Privileged is not a boolean");
        else if (json_is_true(v))
            rc = moat_decision_add(d, err, "privileged container (HostConfig.Privileged)");
        if (rc < 0)
            return rc;
    }
    if (p->deny_host_namespaces)
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            const json_t *v = field(hc, "HostConfig", modes[i], d, err);

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
