/*
 * warning.c - the list of what limited an answer (warning.h).
 */
#include "moat/base/warning.h"

#include "moat/base/array.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int moat_warnings_add(struct moat_warnings *w, struct moat_err *err, const char *code,
                      const char *fmt, ...)
{
    struct moat_warning nw = {NULL, NULL};
    va_list ap;
    int n;

    if (w->n >= MOAT_MAX_WARNINGS) {
        w->dropped++;
        return 0;
    }
    if (moat_array_grow((void **)&w->v, &w->cap, w->n, sizeof(*w->v)) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    va_start(ap, fmt);
    n = vasprintf(&nw.message, fmt, ap);
    va_end(ap);
    if (n < 0 || (nw.code = strdup(code)) == NULL) {
        if (n >= 0)
            free(nw.message);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    for (char *p = nw.message; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    w->v[w->n++] = nw;
    return 0;
}

size_t moat_warnings_count(const struct moat_warnings *w, const char *code)
{
    size_t c = 0;

    for (size_t i = 0; i < w->n; i++)
        c += strcmp(w->v[i].code, code) == 0;
    return c;
}

void moat_warnings_free(struct moat_warnings *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->v[i].code);
        free(w->v[i].message);
    }
    free(w->v);
    memset(w, 0, sizeof(*w));
}
