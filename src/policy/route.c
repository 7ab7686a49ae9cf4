/*
 * route.c - request-target -> Engine API route (see route.h). The table is
 * moby's router registrations (api/server/router/ * /​*.go, v20.10 and the
 * current API), one line each; '*' stands for {name:.*} (any bytes but a
 * newline, '/' included) and '%' for {id} ([^/]+).
 */
#include "moat/policy/route.h"

#include <stdbool.h>
#include <string.h>

#include "moat/policy/gosem.h"

static const struct {
    const char *method; /* NULL: any method (the debug routes) */
    const char *pattern;
    enum moat_route route;
} routes[] = {
    {"POST", "/containers/create", MOAT_ROUTE_CREATE},
    {"POST", "/containers/*/exec", MOAT_ROUTE_EXEC},
    {"POST", "/containers/*/start", MOAT_ROUTE_START},
    {"POST", "/containers/*/restart", MOAT_ROUTE_RESTART},
    {"POST", "/containers/*/update", MOAT_ROUTE_UPDATE},
    {"POST", "/volumes/create", MOAT_ROUTE_VOLUME_CREATE},
    {"POST", "/build", MOAT_ROUTE_BUILD},
    {"POST", "/plugins/pull", MOAT_ROUTE_PLUGIN_INSTALL},
    {"POST", "/plugins/create", MOAT_ROUTE_PLUGIN_INSTALL},
    {"POST", "/plugins/*/upgrade", MOAT_ROUTE_PLUGIN_INSTALL},
    {"POST", "/plugins/*/set", MOAT_ROUTE_PLUGIN_SET},
    {"POST", "/services/create", MOAT_ROUTE_SERVICE},
    {"POST", "/services/%/update", MOAT_ROUTE_SERVICE},
    /* known, and no rule is about them */
    {"GET", "/_ping", MOAT_ROUTE_OTHER},
    {"HEAD", "/_ping", MOAT_ROUTE_OTHER},
    {"GET", "/version", MOAT_ROUTE_OTHER},
    {"GET", "/info", MOAT_ROUTE_OTHER},
    {"GET", "/events", MOAT_ROUTE_OTHER},
    {"GET", "/system/df", MOAT_ROUTE_OTHER},
    {"POST", "/auth", MOAT_ROUTE_OTHER},
    {"GET", "/containers/json", MOAT_ROUTE_OTHER},
    {"POST", "/containers/prune", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/archive", MOAT_ROUTE_OTHER},
    {"HEAD", "/containers/*/archive", MOAT_ROUTE_OTHER},
    {"PUT", "/containers/*/archive", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/attach/ws", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/changes", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/checkpoints", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/export", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/json", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/logs", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/stats", MOAT_ROUTE_OTHER},
    {"GET", "/containers/*/top", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/attach", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/checkpoints", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/copy", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/kill", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/pause", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/rename", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/resize", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/stop", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/unpause", MOAT_ROUTE_OTHER},
    {"POST", "/containers/*/wait", MOAT_ROUTE_OTHER},
    {"DELETE", "/containers/*", MOAT_ROUTE_OTHER},
    {"DELETE", "/containers/%/checkpoints/%", MOAT_ROUTE_OTHER},
    {"GET", "/exec/*/json", MOAT_ROUTE_OTHER},
    {"POST", "/exec/*/resize", MOAT_ROUTE_OTHER},
    {"POST", "/exec/*/start", MOAT_ROUTE_OTHER},
    {"GET", "/images/json", MOAT_ROUTE_OTHER},
    {"GET", "/images/get", MOAT_ROUTE_OTHER},
    {"GET", "/images/search", MOAT_ROUTE_OTHER},
    {"GET", "/images/*/get", MOAT_ROUTE_OTHER},
    {"GET", "/images/*/history", MOAT_ROUTE_OTHER},
    {"GET", "/images/*/json", MOAT_ROUTE_OTHER},
    {"GET", "/images/*/attestations", MOAT_ROUTE_OTHER},
    {"POST", "/images/create", MOAT_ROUTE_OTHER},
    {"POST", "/images/load", MOAT_ROUTE_OTHER},
    {"POST", "/images/prune", MOAT_ROUTE_OTHER},
    {"POST", "/images/*/push", MOAT_ROUTE_OTHER},
    {"POST", "/images/*/tag", MOAT_ROUTE_OTHER},
    {"DELETE", "/images/*", MOAT_ROUTE_OTHER},
    {"POST", "/commit", MOAT_ROUTE_OTHER},
    {"GET", "/distribution/*/json", MOAT_ROUTE_OTHER},
    {"POST", "/build/cancel", MOAT_ROUTE_OTHER},
    {"POST", "/build/prune", MOAT_ROUTE_OTHER},
    {"POST", "/session", MOAT_ROUTE_OTHER},
    {"POST", "/grpc", MOAT_ROUTE_OTHER},
    {"GET", "/volumes", MOAT_ROUTE_OTHER},
    {"GET", "/volumes/*", MOAT_ROUTE_OTHER},
    {"PUT", "/volumes/*", MOAT_ROUTE_OTHER},
    {"DELETE", "/volumes/*", MOAT_ROUTE_OTHER},
    {"POST", "/volumes/prune", MOAT_ROUTE_OTHER},
    {"GET", "/networks", MOAT_ROUTE_OTHER},
    {"GET", "/networks/", MOAT_ROUTE_OTHER},
    {"GET", "/networks/*", MOAT_ROUTE_OTHER},
    {"POST", "/networks/create", MOAT_ROUTE_OTHER},
    {"POST", "/networks/prune", MOAT_ROUTE_OTHER},
    {"POST", "/networks/*/connect", MOAT_ROUTE_OTHER},
    {"POST", "/networks/*/disconnect", MOAT_ROUTE_OTHER},
    {"DELETE", "/networks/*", MOAT_ROUTE_OTHER},
    {"GET", "/plugins", MOAT_ROUTE_OTHER},
    {"GET", "/plugins/privileges", MOAT_ROUTE_OTHER},
    {"GET", "/plugins/*/json", MOAT_ROUTE_OTHER},
    {"POST", "/plugins/*/disable", MOAT_ROUTE_OTHER},
    {"POST", "/plugins/*/enable", MOAT_ROUTE_OTHER},
    {"POST", "/plugins/*/push", MOAT_ROUTE_OTHER},
    {"DELETE", "/plugins/*", MOAT_ROUTE_OTHER},
    {"GET", "/swarm", MOAT_ROUTE_OTHER},
    {"GET", "/swarm/unlockkey", MOAT_ROUTE_OTHER},
    {"POST", "/swarm/init", MOAT_ROUTE_OTHER},
    {"POST", "/swarm/join", MOAT_ROUTE_OTHER},
    {"POST", "/swarm/leave", MOAT_ROUTE_OTHER},
    {"POST", "/swarm/unlock", MOAT_ROUTE_OTHER},
    {"POST", "/swarm/update", MOAT_ROUTE_OTHER},
    {"GET", "/services", MOAT_ROUTE_OTHER},
    {"GET", "/services/%", MOAT_ROUTE_OTHER},
    {"GET", "/services/%/logs", MOAT_ROUTE_OTHER},
    {"DELETE", "/services/%", MOAT_ROUTE_OTHER},
    {"GET", "/tasks", MOAT_ROUTE_OTHER},
    {"GET", "/tasks/%", MOAT_ROUTE_OTHER},
    {"GET", "/tasks/%/logs", MOAT_ROUTE_OTHER},
    {"GET", "/nodes", MOAT_ROUTE_OTHER},
    {"GET", "/nodes/%", MOAT_ROUTE_OTHER},
    {"POST", "/nodes/%/update", MOAT_ROUTE_OTHER},
    {"DELETE", "/nodes/%", MOAT_ROUTE_OTHER},
    {"GET", "/secrets", MOAT_ROUTE_OTHER},
    {"GET", "/secrets/%", MOAT_ROUTE_OTHER},
    {"POST", "/secrets/create", MOAT_ROUTE_OTHER},
    {"POST", "/secrets/%/update", MOAT_ROUTE_OTHER},
    {"DELETE", "/secrets/%", MOAT_ROUTE_OTHER},
    {"GET", "/configs", MOAT_ROUTE_OTHER},
    {"GET", "/configs/%", MOAT_ROUTE_OTHER},
    {"POST", "/configs/create", MOAT_ROUTE_OTHER},
    {"POST", "/configs/%/update", MOAT_ROUTE_OTHER},
    {"DELETE", "/configs/%", MOAT_ROUTE_OTHER},
    {"OPTIONS", "*", MOAT_ROUTE_OTHER}, /* /{anyroute:.*}: CORS preflight */
    {NULL, "/debug/vars", MOAT_ROUTE_OTHER},
    {NULL, "/debug/pprof/", MOAT_ROUTE_OTHER},
    {NULL, "/debug/pprof/%", MOAT_ROUTE_OTHER},
};

const char *moat_route_name(enum moat_route r)
{
    switch (r) {
    case MOAT_ROUTE_CREATE:
        return "container create";
    case MOAT_ROUTE_EXEC:
        return "exec";
    case MOAT_ROUTE_START:
        return "container start";
    case MOAT_ROUTE_RESTART:
        return "container restart";
    case MOAT_ROUTE_UPDATE:
        return "container update";
    case MOAT_ROUTE_VOLUME_CREATE:
        return "volume create";
    case MOAT_ROUTE_BUILD:
        return "build";
    case MOAT_ROUTE_PLUGIN_INSTALL:
        return "plugin install";
    case MOAT_ROUTE_PLUGIN_SET:
        return "plugin set";
    case MOAT_ROUTE_SERVICE:
        return "swarm service";
    case MOAT_ROUTE_OTHER:
        return "other";
    default:
        return "unknown endpoint";
    }
}

/* Match s against pattern; the first variable's text goes to name (cap bytes). */
static bool match(const char *p, const char *s, char *name, size_t cap, bool *captured)
{
    for (; *p != '\0'; p++, s++) {
        if (*p == '*' || *p == '%') {
            size_t max = *p == '*' ? strcspn(s, "\n") : strcspn(s, "/\n");

            for (size_t k = max; k >= 1; k--) { /* longest first, as a greedy regexp */
                bool was = *captured;

                if (!match(p + 1, s + k, name, cap, captured))
                    continue;
                if (!was && k < cap) {
                    memcpy(name, s, k);
                    name[k] = '\0';
                    *captured = true;
                }
                return true;
            }
            return false;
        }
        if (*p != *s)
            return false;
    }
    return *s == '\0';
}

/*
 * The path of a request-target as Go's url.ParseRequestURI reads it: an
 * optional scheme ("http:"), then "//authority" when there is a scheme, then
 * the path up to '?', %XX-decoded once (a bad escape is an error).
 */
static int target_path(const char *uri, char *out, size_t cap, const char **query)
{
    const char *p = uri, *end;
    size_t o = 0, n;

    for (const char *c = uri; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return -1; /* Go refuses control bytes in a URL */
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
        const char *c = p;

        while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
               *c == '+' || *c == '-' || *c == '.')
            c++;
        if (*c != ':')
            return -1; /* neither origin nor absolute form */
        p = c + 1;
        if (p[0] == '/' && p[1] == '/')
            p += 2 + strcspn(p + 2, "/?"); /* the authority: Go routes on the path alone */
    }
    end = p + strcspn(p, "?");
    *query = *end == '?' ? end + 1 : end;
    if (*p != '/')
        return -1; /* no path: an opaque URL or an empty one */
    n = (size_t)(end - p);
    for (size_t i = 0; i < n; i++) {
        char c = p[i];

        if (c == '%') {
            if (i + 2 >= n || moat_go_hexval(p[i + 1]) < 0 || moat_go_hexval(p[i + 2]) < 0)
                return -1;
            c = (char)(moat_go_hexval(p[i + 1]) * 16 + moat_go_hexval(p[i + 2]));
            i += 2;
        }
        if (c == '\0' || o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/*
 * Collapse "//", "/./" and "/x/../" in place. gorilla/mux answers such a path
 * with a redirect and never routes it; reading it cleaned is the conservative
 * choice (it can only add a decision, never skip one).
 */
static void clean(char *path)
{
    size_t o = 0;
    char *seg = path;

    while (*seg != '\0') {
        size_t len;

        while (*seg == '/')
            seg++;
        len = strcspn(seg, "/");
        if (len == 0)
            break;
        if (len == 1 && seg[0] == '.') {
        } else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && path[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else {
            path[o++] = '/';
            memmove(path + o, seg, len);
            o += len;
        }
        seg += len;
    }
    if (o == 0)
        path[o++] = '/';
    path[o] = '\0';
}

int moat_route_parse(const char *method, const char *uri, struct moat_route_match *out)
{
    char *path = out->path;
    bool trailing;
    size_t n;

    memset(out, 0, sizeof *out);
    out->query = "";
    if (method == NULL || uri == NULL || target_path(uri, path, sizeof out->path, &out->query) < 0)
        return -1;
    n = strlen(path);
    trailing = n > 1 && path[n - 1] == '/';
    clean(path);
    if (trailing && strlen(path) + 1 < sizeof out->path) /* mux keeps a trailing slash */
        memcpy(path + strlen(path), "/", 2);
    /* "/v{version:[0-9.]+}" before the route */
    if (path[0] == '/' && path[1] == 'v') {
        size_t i = 2;

        while ((path[i] >= '0' && path[i] <= '9') || path[i] == '.')
            i++;
        if (i > 2 && path[i] == '/' && i - 2 < sizeof out->version) {
            memcpy(out->version, path + 2, i - 2);
            out->version[i - 2] = '\0';
            memmove(path, path + i, strlen(path + i) + 1);
        }
    }
    for (size_t r = 0; r < sizeof routes / sizeof routes[0]; r++) {
        bool captured = false;

        if (routes[r].method != NULL && strcmp(routes[r].method, method) != 0)
            continue;
        if (routes[r].pattern[0] == '*'
                ? path[0] != '\0'
                : match(routes[r].pattern, path, out->name, sizeof out->name, &captured)) {
            out->route = routes[r].route;
            return 0;
        }
        out->name[0] = '\0';
    }
    out->route = MOAT_ROUTE_UNKNOWN;
    return 0;
}
