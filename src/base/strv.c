/*
 * strv.c - vectors of owned strings and reason lists (see strv.h).
 */
#include "moat/base/strv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/array.h"
#include "moat/base/error.h"

int moat_strv_push_owned(struct moat_strv *sv, char *s)
{
    if (s == NULL)
        return -MOAT_E_NOMEM;
    /* room for s and the terminating NULL */
    if (moat_array_grow((void **)&sv->v, &sv->cap, sv->n + 1, sizeof(*sv->v)) < 0) {
        free(s);
        return -MOAT_E_NOMEM;
    }
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
    return 0;
}

int moat_strv_push(struct moat_strv *sv, const char *s)
{
    return moat_strv_push_owned(sv, strdup(s));
}

int moat_strv_pushn(struct moat_strv *sv, const char *s, size_t n)
{
    return moat_strv_push_owned(sv, strndup(s, n));
}

int moat_strv_vpushf(struct moat_strv *sv, const char *fmt, va_list ap)
{
    char *s = NULL;

    if (vasprintf(&s, fmt, ap) < 0)
        return -MOAT_E_NOMEM;
    return moat_strv_push_owned(sv, s);
}

int moat_strv_pushf(struct moat_strv *sv, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = moat_strv_vpushf(sv, fmt, ap);
    va_end(ap);
    return r;
}

struct moat_strv moat_strv_view(char **v, size_t n)
{
    /* what moat_array_grow gave, push by push: 8 slots, then doubling whenever full */
    size_t cap = 8;

    if (v == NULL)
        return (struct moat_strv)MOAT_STRV_INIT;
    while (cap <= n)
        cap *= 2;
    return (struct moat_strv){v, n, cap};
}

bool moat_strv_contains(const struct moat_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

void moat_strv_free(struct moat_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

int moat_reason_vadd(struct moat_strv *sv, size_t max, const char *fmt, va_list ap)
{
    char *line = NULL;

    if (vasprintf(&line, fmt, ap) < 0)
        return -MOAT_E_NOMEM;
    for (char *p = line; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (moat_strv_contains(sv, line)) {
        free(line);
        return MOAT_REASON_DUPLICATE;
    }
    if (sv->n >= max) {
        free(line);
        return MOAT_REASON_FULL;
    }
    return moat_strv_push_owned(sv, line);
}

int moat_reason_add(struct moat_strv *sv, size_t max, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = moat_reason_vadd(sv, max, fmt, ap);
    va_end(ap);
    return r;
}
