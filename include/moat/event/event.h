/*
 * event.h - the one event model: something that happened (an admission
 * decision, an authorization request, later a runtime alert) with when, what
 * kind, about what, the verdict, every reason and who asked. Sinks (the
 * hash-chained audit log in audit.h, later syslog, CEF, HTTP) take this
 * struct; nothing else crosses into event/.
 *
 * Must not: drop an event silently - a sink that cannot write says so.
 */
#ifndef MOAT_EVENT_EVENT_H
#define MOAT_EVENT_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "moat/base/error.h"

#define MOAT_EVENT_MAX_FIELD 4096u  /* bytes kept of one string field (longer is cut) */
#define MOAT_EVENT_MAX_REASONS 256u /* reasons kept in one event */

/* One event of the shared model (ARCHITECTURE.md): every field is borrowed; NULL
 * strings are written as null. */
struct moat_event {
    int64_t time_ms;     /* unix milliseconds; 0 = now when written */
    const char *kind;    /* "admit", "authz.request", "authz.response", ... */
    const char *subject; /* what it is about: an image reference, "POST /v1.47/containers/create" */
    const char *decision; /* "allow", "deny", or NULL when the event is no verdict */
    const char *const *reasons;
    size_t n_reasons;
    const char *actor; /* who asked: the Docker user, a local uid, or NULL */
};

/* Unix milliseconds now (CLOCK_REALTIME). */
int64_t moat_event_now_ms(void);

/* "2026-12-01T01:02:03.456Z" for unix milliseconds into out (at least 32 bytes). */
void moat_event_time_str(int64_t ms, char out[32]);

/*
 * The event as a JSON object with the keys in a fixed order: time, kind,
 * subject, decision, reasons, actor. Strings are repaired to valid UTF-8 and
 * cut to MOAT_EVENT_MAX_FIELD bytes; at most MOAT_EVENT_MAX_REASONS reasons are
 * kept (then one "... N more" line). New reference; NULL when out of memory.
 */
json_t *moat_event_to_json(const struct moat_event *ev);

#endif
