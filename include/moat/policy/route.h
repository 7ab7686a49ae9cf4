/*
 * route.h - which Engine API endpoint a plugin request is for, read the way
 * the daemon routes it: Go's net/http takes the request-target (origin form
 * "/v1.41/containers/create?x", or absolute form
 * "http://docker/v1.41/containers/create") and routes on its path,
 * percent-decoded once; gorilla/mux matches the path against moby's route
 * table, with or without a "/v{version:[0-9.]+}" prefix, names matching
 * {name:.*} across '/' ("parent/alias" link names). The daemon calls the
 * plugin only for requests that matched a route.
 */
#ifndef MOAT_POLICY_ROUTE_H
#define MOAT_POLICY_ROUTE_H

#include <stddef.h>

#define MOAT_ROUTE_MAX_PATH 4096u

enum moat_route {
    MOAT_ROUTE_UNKNOWN = 0,    /* no route of the Engine API this moat knows */
    MOAT_ROUTE_OTHER,          /* a known endpoint no rule is about */
    MOAT_ROUTE_CREATE,         /* POST /containers/create */
    MOAT_ROUTE_EXEC,           /* POST /containers/{name}/exec */
    MOAT_ROUTE_START,          /* POST /containers/{name}/start */
    MOAT_ROUTE_RESTART,        /* POST /containers/{name}/restart (starts a stopped one) */
    MOAT_ROUTE_UPDATE,         /* POST /containers/{name}/update */
    MOAT_ROUTE_VOLUME_CREATE,  /* POST /volumes/create */
    MOAT_ROUTE_BUILD,          /* POST /build */
    MOAT_ROUTE_PLUGIN_INSTALL, /* POST /plugins/pull, /plugins/create, /plugins/{name}/upgrade */
    MOAT_ROUTE_PLUGIN_SET,     /* POST /plugins/{name}/set */
    MOAT_ROUTE_SERVICE,        /* POST /services/create, /services/{id}/update */
};

struct moat_route_match {
    enum moat_route route;
    char path[MOAT_ROUTE_MAX_PATH]; /* decoded path without the version prefix */
    char version[32];               /* "1.41"; "" when the path had none (the daemon's default) */
    const char *query;              /* raw query (points into the uri), "" when none */
    char name[MOAT_ROUTE_MAX_PATH]; /* {name} or {id} of the route, "" when it has none */
};

/*
 * Classify method + request-target. -1 when the target is not one Go's
 * net/http would accept (bad %-escape, no path, over-long): such a request
 * never reaches a route, and a plugin asked about it denies it.
 */
int moat_route_parse(const char *method, const char *uri, struct moat_route_match *out);

/* A short name for a route ("container create"), for messages. */
const char *moat_route_name(enum moat_route r);

#endif
