/*
 * buf.h - a growable byte buffer with a hard size cap. Used for captured
 * file contents and for building output; every append checks the cap before
 * any arithmetic so hostile sizes cannot overflow.
 */
#ifndef MOAT_BASE_BUF_H
#define MOAT_BASE_BUF_H

#include <stddef.h>

struct moat_buf {
    char *data; /* owned; always NUL-terminated after a successful append */
    size_t len;
    size_t cap;
    size_t max; /* 0 = no cap beyond SIZE_MAX/2 */
};

#define MOAT_BUF_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* 0, -MOAT_E_NOMEM, or -MOAT_E_LIMIT when len would pass b->max. */
int moat_buf_append(struct moat_buf *b, const void *p, size_t n);
int moat_buf_appendf(struct moat_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Detach the data (caller frees) and reset the buffer. */
char *moat_buf_steal(struct moat_buf *b, size_t *len);
void moat_buf_free(struct moat_buf *b);

#endif
