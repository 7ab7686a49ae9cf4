/*
 * event.c - the event model's JSON form (see event.h).
 */
#include "moat/event/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "moat/base/json.h"
#include "moat/base/time.h"

int64_t moat_event_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void moat_event_time_str(int64_t ms, char out[32])
{
    /* outside years 0000-9999 this gives the epoch, so the field stays fixed-width */
    (void)moat_time_format_ms(ms, out);
}

/* A JSON string of s cut to MOAT_EVENT_MAX_FIELD bytes; json null for NULL. */
static json_t *field(const char *s)
{
    size_t n;
    char *cut;
    json_t *j;

    if (s == NULL)
        return json_null();
    n = strnlen(s, MOAT_EVENT_MAX_FIELD + 1);
    if (n <= MOAT_EVENT_MAX_FIELD)
        return moat_json_str(s);
    cut = strndup(s, MOAT_EVENT_MAX_FIELD); /* a cut sequence is repaired to U+FFFD */
    if (cut == NULL)
        return NULL;
    j = moat_json_str(cut);
    free(cut);
    return j;
}

static int put(json_t *o, const char *key, json_t *v)
{
    return v != NULL && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

json_t *moat_event_to_json(const struct moat_event *ev)
{
    json_t *o = json_object(), *reasons = json_array();
    char when[32];
    size_t n = ev->n_reasons < MOAT_EVENT_MAX_REASONS ? ev->n_reasons : MOAT_EVENT_MAX_REASONS;
    int rc = 0;

    if (o == NULL || reasons == NULL)
        goto fail;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (json_array_append_new(reasons, field(ev->reasons[i])) != 0)
            rc = -1;
    if (rc == 0 && ev->n_reasons > n) {
        char more[64];

        snprintf(more, sizeof more, "... %zu more", ev->n_reasons - n);
        rc = json_array_append_new(reasons, json_string(more));
    }
    moat_event_time_str(ev->time_ms != 0 ? ev->time_ms : moat_event_now_ms(), when);
    if (rc != 0 || put(o, "time", json_string(when)) < 0 || put(o, "kind", field(ev->kind)) < 0 ||
        put(o, "subject", field(ev->subject)) < 0 || put(o, "decision", field(ev->decision)) < 0)
        goto fail;
    rc = json_object_set_new(o, "reasons", reasons);
    reasons = NULL;
    if (rc != 0 || put(o, "actor", field(ev->actor)) < 0)
        goto fail;
    return o;
fail:
    json_decref(reasons);
    json_decref(o);
    return NULL;
}
