/*
 * strv.h - a vector of owned strings that grows geometrically (base/array.h),
 * and on top of it the list of reasons every verdict carries (admission,
 * custody verification, AuthZ): one line each, no duplicates, bounded.
 *
 * v is NULL-terminated whenever it is not NULL, so v can be handed to code
 * that wants a char *const * list. Zero-initialised is empty.
 */
#ifndef MOAT_BASE_STRV_H
#define MOAT_BASE_STRV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct moat_strv {
    char **v; /* v[0..n) owned, v[n] == NULL */
    size_t n;
    size_t cap; /* slots allocated, the terminating NULL's included */
};

#define MOAT_STRV_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Append a copy of s. 0 or -MOAT_E_NOMEM (sv unchanged). */
int moat_strv_push(struct moat_strv *sv, const char *s);
/* Append a copy of the n bytes at s (need not be NUL-terminated). */
int moat_strv_pushn(struct moat_strv *sv, const char *s, size_t n);
/* Append s itself (malloc'd); the vector owns it from now on, and frees it on failure. */
int moat_strv_push_owned(struct moat_strv *sv, char *s);
/* Append a formatted string. */
int moat_strv_pushf(struct moat_strv *sv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int moat_strv_vpushf(struct moat_strv *sv, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * The vector behind a struct that shows only (char **v, size_t n), such as
 * moat_decision's reasons: v must have been built by the moat_strv_push*
 * functions alone (or be NULL with n 0), so its capacity follows from n.
 */
struct moat_strv moat_strv_view(char **v, size_t n);
/* Whether some element equals s. */
bool moat_strv_contains(const struct moat_strv *sv, const char *s);
/* Free every element and the vector; sv is empty afterwards. */
void moat_strv_free(struct moat_strv *sv);

/* ---- reasons ---- */

enum moat_reason_result {
    MOAT_REASON_ADDED = 0,
    MOAT_REASON_DUPLICATE = 1, /* the same line is already there */
    MOAT_REASON_FULL = 2,      /* max lines already: the first ones are kept */
};

/*
 * Append a formatted reason to sv: CR and LF become spaces (one line each,
 * whatever the input held), a line already present is not added again, and
 * once sv holds max lines nothing more is. Returns enum moat_reason_result
 * (>= 0; callers that count dropped lines look for MOAT_REASON_FULL), or
 * -MOAT_E_NOMEM.
 */
int moat_reason_add(struct moat_strv *sv, size_t max, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int moat_reason_vadd(struct moat_strv *sv, size_t max, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
