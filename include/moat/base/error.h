/*
 * error.h - error codes and the error context every fallible call fills.
 *
 * Library functions return 0 on success or a negative -MOAT_E_* code, and
 * describe the failure in a struct moat_err owned by the caller. Only cli/
 * prints messages or chooses exit codes. The message is heap-allocated so it
 * is never truncated; moat_err_clear() frees it.
 */
#ifndef MOAT_BASE_ERROR_H
#define MOAT_BASE_ERROR_H

#include <stdarg.h>

enum moat_errcode {
    MOAT_OK = 0,
    MOAT_E_NOMEM = 1,   /* allocation failed */
    MOAT_E_IO,          /* read/write/open failed */
    MOAT_E_FORMAT,      /* input is malformed */
    MOAT_E_LIMIT,       /* input exceeds a safety bound */
    MOAT_E_DIGEST,      /* content does not match its digest */
    MOAT_E_UNSAFE,      /* input tries to escape the image root */
    MOAT_E_UNSUPPORTED, /* valid, but not something moat handles */
    MOAT_E_NOTFOUND,    /* a named thing does not exist */
    MOAT_E_ARG,         /* caller passed a bad argument */
    MOAT_E_VERIFY,      /* a signature, chain or policy check failed */
    MOAT_E_AUTH,        /* wrong passphrase or key */
    MOAT_E__COUNT
};

struct moat_err {
    int code;  /* positive MOAT_E_* or 0 */
    char *msg; /* owned; NULL when no message */
};

#define MOAT_ERR_INIT                                                                              \
    {                                                                                              \
        0, NULL                                                                                    \
    }

/* Short text for a code (positive or negative); never NULL. */
const char *moat_strerror(int code);

/*
 * Record an error and return -code, so callers can write
 *   return moat_err_set(err, MOAT_E_FORMAT, "%s: bad header", name);
 * A NULL err is allowed (the message is dropped). If err already holds a
 * message the new one replaces it.
 */
int moat_err_set(struct moat_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int moat_err_vset(struct moat_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prefix the existing message with "prefix: " (context as errors bubble up). Returns -err->code. */
int moat_err_prefix(struct moat_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message, or moat_strerror(code) when there is none. */
const char *moat_err_msg(const struct moat_err *err);

void moat_err_clear(struct moat_err *err);

#endif
