/*
 * error.c - the error context: a code plus a heap message that is never
 * truncated. Allocation failure while formatting degrades to the bare code.
 */
#include "moat/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const texts[MOAT_E__COUNT] = {
    [MOAT_OK] = "success",
    [MOAT_E_NOMEM] = "out of memory",
    [MOAT_E_IO] = "input/output error",
    [MOAT_E_FORMAT] = "malformed input",
    [MOAT_E_LIMIT] = "safety limit exceeded",
    [MOAT_E_DIGEST] = "digest mismatch",
    [MOAT_E_UNSAFE] = "unsafe path",
    [MOAT_E_UNSUPPORTED] = "unsupported",
    [MOAT_E_NOTFOUND] = "not found",
    [MOAT_E_ARG] = "invalid argument",
    [MOAT_E_VERIFY] = "verification failed",
    [MOAT_E_AUTH] = "wrong passphrase or key",
};

const char *moat_strerror(int code)
{
    if (code < 0)
        code = -code;
    if (code >= MOAT_E__COUNT)
        return "unknown error";
    return texts[code];
}

int moat_err_vset(struct moat_err *err, int code, const char *fmt, va_list ap)
{
    char *msg = NULL;

    if (code < 0)
        code = -code;
    if (err == NULL)
        return -code;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    free(err->msg);
    err->msg = msg;
    err->code = code;
    return -code;
}

int moat_err_set(struct moat_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = moat_err_vset(err, code, fmt, ap);
    va_end(ap);
    return r;
}

int moat_err_prefix(struct moat_err *err, const char *fmt, ...)
{
    char *pre = NULL, *msg = NULL;
    va_list ap;

    if (err == NULL)
        return -MOAT_E_ARG;
    va_start(ap, fmt);
    if (vasprintf(&pre, fmt, ap) < 0)
        pre = NULL;
    va_end(ap);
    if (pre != NULL && asprintf(&msg, "%s: %s", pre, moat_err_msg(err)) >= 0) {
        free(err->msg);
        err->msg = msg;
    }
    free(pre);
    return -err->code;
}

const char *moat_err_msg(const struct moat_err *err)
{
    if (err == NULL)
        return "unknown error";
    if (err->msg != NULL)
        return err->msg;
    return moat_strerror(err->code);
}

void moat_err_clear(struct moat_err *err)
{
    if (err == NULL)
        return;
    free(err->msg);
    err->msg = NULL;
    err->code = 0;
}
