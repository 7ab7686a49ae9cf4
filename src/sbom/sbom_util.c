/*
 * sbom_util.c - what the writers share: the per-write context (timestamp,
 * uuid), JSON string helpers that never fail on hostile bytes, and small
 * lookups. Package fields come from image contents, so any string may
 * hold invalid UTF-8: it is repaired (U+FFFD) rather than dropped.
 */
#include "sbom_int.h"

#include "moat/base/time.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "moat/base/buf.h"
#include "moat/base/error.h"

static int uuid_ok(const char *u)
{
    size_t i;

    if (strlen(u) != 36)
        return 0;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (u[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)u[i])) {
            return 0;
        }
    }
    return 1;
}

static int uuid_random(char out[37], struct moat_err *err)
{
    unsigned char r[16];
    size_t got = 0;

    while (got < sizeof(r)) {
        ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return moat_err_set(err, MOAT_E_IO, "getrandom: %s", strerror(errno));
        }
        got += (size_t)n;
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
    return 0;
}

int sbom_ctx_init(struct sbom_ctx *ctx, const struct moat_sbom_opts *opts, struct moat_err *err)
{
    size_t i;

    memset(ctx, 0, sizeof(*ctx));
    ctx->tool_version =
        (opts != NULL && opts->tool_version != NULL) ? opts->tool_version : MOAT_VERSION;
    ctx->with_files = opts != NULL && opts->with_files;
    if (opts != NULL && opts->timestamp != NULL) {
        if (strlen(opts->timestamp) >= sizeof(ctx->timestamp))
            return moat_err_set(err, MOAT_E_ARG, "sbom: timestamp too long: %s", opts->timestamp);
        snprintf(ctx->timestamp, sizeof(ctx->timestamp), "%s", opts->timestamp);
    } else {
        char now[MOAT_TIME_LEN];
        time_t t = time(NULL);

        if (t == (time_t)-1 || moat_time_format((int64_t)t, now) < 0)
            return moat_err_set(err, MOAT_E_IO, "sbom: cannot read the clock");
        snprintf(ctx->timestamp, sizeof(ctx->timestamp), "%s", now);
    }
    if (opts != NULL && opts->uuid != NULL) {
        if (!uuid_ok(opts->uuid))
            return moat_err_set(err, MOAT_E_ARG, "sbom: not a UUID: %s", opts->uuid);
        for (i = 0; i < 36; i++)
            ctx->uuid[i] = (char)tolower((unsigned char)opts->uuid[i]);
        ctx->uuid[36] = '\0';
        return 0;
    }
    return uuid_random(ctx->uuid, err);
}

const char *sbom_layer_diff_id(const struct moat_image_meta *meta, const struct moat_pkg *p)
{
    if (meta == NULL || p->layer < 0 || (size_t)p->layer >= meta->n_layers)
        return NULL;
    return meta->layers[p->layer].diff_id;
}

const char *sbom_pkg_type_name(enum moat_pkg_type t)
{
    switch (t) {
    case MOAT_PKG_DEB:
        return "deb";
    case MOAT_PKG_APK:
        return "apk";
    case MOAT_PKG_RPM:
        return "rpm";
    }
    return "unknown";
}

int sbom_split_maintainer(const char *m, char **name, char **email)
{
    const char *lt, *gt, *end;

    *name = NULL;
    *email = NULL;
    if (m == NULL)
        return 0;
    while (*m == ' ')
        m++;
    lt = strchr(m, '<');
    gt = lt != NULL ? strchr(lt, '>') : NULL;
    end = (lt != NULL && gt != NULL) ? lt : m + strlen(m);
    while (end > m && end[-1] == ' ')
        end--;
    if (end > m && (*name = strndup(m, (size_t)(end - m))) == NULL)
        return -1;
    if (lt != NULL && gt != NULL && gt > lt + 1 &&
        (*email = strndup(lt + 1, (size_t)(gt - lt - 1))) == NULL) {
        free(*name);
        *name = NULL;
        return -1;
    }
    return 0;
}
