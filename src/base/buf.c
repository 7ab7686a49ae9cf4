/* buf.c - growable, capped byte buffer (see buf.h). */
#include "moat/base/buf.h"
#include "moat/base/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int moat_buf_append(struct moat_buf *b, const void *p, size_t n)
{
    size_t max = b->max ? b->max : SIZE_MAX / 2;
    size_t need;
    char *nd;

    if (n > max || b->len > max - n)
        return -MOAT_E_LIMIT;
    need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 4 ? need : cap * 2;
        nd = realloc(b->data, cap);
        if (nd == NULL)
            return -MOAT_E_NOMEM;
        b->data = nd;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int moat_buf_appendf(struct moat_buf *b, const char *fmt, ...)
{
    char small[256];
    char *big = NULL;
    va_list ap;
    int n, r;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -MOAT_E_FORMAT;
    if ((size_t)n < sizeof(small))
        return moat_buf_append(b, small, (size_t)n);
    va_start(ap, fmt);
    n = vasprintf(&big, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -MOAT_E_NOMEM;
    r = moat_buf_append(b, big, (size_t)n);
    free(big);
    return r;
}

char *moat_buf_steal(struct moat_buf *b, size_t *len)
{
    char *d = b->data;

    if (d == NULL)
        d = calloc(1, 1);
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void moat_buf_free(struct moat_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
