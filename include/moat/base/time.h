/*
 * time.h - RFC 3339 timestamps, the one parser and formatter every room uses
 * (attestations, admission evidence, VEX documents, image configs, events).
 *
 * The parser takes exactly RFC 3339 section 5.6 "date-time":
 *   YYYY-MM-DD ("T" | "t") HH:MM:SS [ "." 1*DIGIT ] ( "Z" | "z" | ("+" | "-") HH:MM )
 * with a real calendar day (no 31 April, 29 February only in leap years),
 * hours 00-23, minutes 00-59 and an offset of at most 23:59 either way.
 * Second 60 is a leap second and is accepted only where RFC 3339 section
 * 5.7 allows it: 23:59:60 UTC (after the offset is applied) on the last day
 * of a month; it counts as 23:59:59 UTC, since unix time has no leap seconds.
 * A space instead of "T", a missing offset, an empty fraction and trailing
 * bytes are refused. Fractional seconds are checked and dropped.
 */
#ifndef MOAT_BASE_TIME_H
#define MOAT_BASE_TIME_H

#include <stdint.h>

/* Bytes for "YYYY-MM-DDTHH:MM:SSZ" and "YYYY-MM-DDTHH:MM:SS.mmmZ" with their NUL. */
#define MOAT_TIME_LEN 21
#define MOAT_TIME_MS_LEN 25

/*
 * Unix seconds of the RFC 3339 date-time s (NUL-terminated). 0, or
 * -MOAT_E_FORMAT without a message (the caller names the field); *out is
 * only written on success.
 */
int moat_time_parse(const char *s, int64_t *out);

/*
 * "YYYY-MM-DDTHH:MM:SSZ" of unix seconds t. 0, or -MOAT_E_ARG when t is
 * outside years 0000-9999 (out then holds "1970-01-01T00:00:00Z").
 */
int moat_time_format(int64_t t, char out[MOAT_TIME_LEN]);

/* The same with milliseconds, from unix milliseconds: "YYYY-MM-DDTHH:MM:SS.mmmZ". */
int moat_time_format_ms(int64_t ms, char out[MOAT_TIME_MS_LEN]);

#endif
