/*
 * decompress.c - turn a layer blob into tar bytes: gzip (every member of a
 * multi-member file, zlib inflate), zstd (ZSTD_decompressStream, all
 * frames) or nothing, chosen by the first bytes, never by the media type.
 * The output is bounded (bytes per layer, expansion ratio after a grace
 * amount) and hashed for the diff_id check. Uncompressed blobs pass through
 * without a copy and reuse the blob hash.
 * Must not parse tar (layer_tar.c) or know about manifests.
 */
#include "source_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "../base/limits.h"

struct source_decomp {
    struct source_blob *in;
    const char *label;
    struct source_limits lim;
    enum source_comp kind;
    z_stream zs;
    int zs_live;
    int member_done; /* gzip member ended; look for another */
    ZSTD_DStream *zd;
    unsigned char *out;
    const unsigned char *in_p; /* pending input */
    size_t in_n;
    int in_eof;
    int eof;
    uint64_t total;
    EVP_MD_CTX *md;
};

void source_limits_default(struct source_limits *l)
{
    l->max_out = MOAT_MAX_LAYER_BYTES;
    l->grace = SOURCE_RATIO_GRACE;
    l->ratio = MOAT_MAX_INFLATE_RATIO;
}

int source_limits_ok(const struct source_limits *l, uint64_t in, uint64_t out)
{
    if (out > l->max_out)
        return 0;
    if (out <= l->grace)
        return 1;
    if (l->ratio != 0 && in > UINT64_MAX / l->ratio)
        return 1;
    return out <= in * l->ratio;
}

static int refill(struct source_decomp *d, struct moat_err *err)
{
    ssize_t n;

    if (d->in_n > 0 || d->in_eof)
        return 0;
    n = source_blob_read(d->in, &d->in_p, err);
    if (n < 0)
        return (int)n;
    if (n == 0)
        d->in_eof = 1;
    d->in_n = (size_t)n;
    return 0;
}

static int detect(struct source_decomp *d, struct moat_err *err)
{
    const unsigned char *p;
    const char *other;
    int rc;

    rc = refill(d, err);
    if (rc < 0)
        return rc;
    p = d->in_p;
    if (d->in_n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8) {
        d->kind = SOURCE_COMP_GZIP;
        memset(&d->zs, 0, sizeof(d->zs));
        if (inflateInit2(&d->zs, 16 + MAX_WBITS) != Z_OK)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: cannot start gzip", d->label);
        d->zs_live = 1;
    } else if (d->in_n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
        d->kind = SOURCE_COMP_ZSTD;
        d->zd = ZSTD_createDStream();
        if (d->zd == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: cannot start zstd", d->label);
        /* the default window cap (128 MiB) bounds memory; say so explicitly */
        ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax, 27);
    } else if ((other = source_compressed_magic(p, d->in_n)) != NULL) {
        return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: %s-compressed layer is not supported",
                            d->label, other);
    } else {
        d->kind = SOURCE_COMP_NONE;
        return 0;
    }
    d->out = malloc(SOURCE_IO_CHUNK);
    if (d->out == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", d->label);
    return 0;
}

int source_decomp_new(struct source_blob *in, const struct source_limits *limits, int hash,
                      const char *label, struct source_decomp **out, struct moat_err *err)
{
    struct source_decomp *d;
    int rc;

    *out = NULL;
    d = calloc(1, sizeof(*d));
    if (d == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
    d->in = in;
    d->label = label;
    if (limits != NULL)
        d->lim = *limits;
    else
        source_limits_default(&d->lim);
    rc = detect(d, err);
    if (rc < 0)
        goto out;
    if (hash && d->kind != SOURCE_COMP_NONE) {
        d->md = EVP_MD_CTX_new();
        if (d->md == NULL || EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "%s: cannot start sha256", label);
            goto out;
        }
    }
    *out = d;
    d = NULL;
out:
    source_decomp_free(d);
    return rc;
}

/* After a gzip member: another member, zero padding, or garbage (an error). */
static int next_member(struct source_decomp *d, struct moat_err *err)
{
    int rc;

    for (;;) {
        rc = refill(d, err);
        if (rc < 0)
            return rc;
        if (d->in_n == 0) {
            d->eof = 1;
            return 0;
        }
        if (d->in_p[0] == 0x1f) {
            if (inflateReset(&d->zs) != Z_OK)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: gzip reset failed", d->label);
            d->member_done = 0;
            return 0;
        }
        for (size_t i = 0; i < d->in_n; i++)
            if (d->in_p[i] != 0)
                return moat_err_set(err, MOAT_E_FORMAT,
                                    "%s: garbage after the end of the gzip stream", d->label);
        d->in_n = 0; /* trailing zero padding: consume and keep looking */
    }
}

static ssize_t inflate_some(struct source_decomp *d, struct moat_err *err)
{
    int rc, zr;

    for (;;) {
        if (d->member_done) {
            rc = next_member(d, err);
            if (rc < 0)
                return rc;
            if (d->eof)
                return 0;
        }
        rc = refill(d, err);
        if (rc < 0)
            return rc;
        /* with no input left, inflate may still hold output: ask once more */
        d->zs.next_in = (unsigned char *)d->in_p;
        d->zs.avail_in = (uInt)d->in_n; /* in_n <= SOURCE_IO_CHUNK */
        d->zs.next_out = d->out;
        d->zs.avail_out = SOURCE_IO_CHUNK;
        zr = inflate(&d->zs, Z_NO_FLUSH);
        d->in_p = d->zs.next_in;
        d->in_n = d->zs.avail_in;
        if (zr == Z_STREAM_END)
            d->member_done = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: gzip data is corrupt (%s)", d->label,
                                d->zs.msg != NULL ? d->zs.msg : "inflate failed");
        if (d->zs.avail_out < SOURCE_IO_CHUNK)
            return (ssize_t)(SOURCE_IO_CHUNK - d->zs.avail_out);
        if (zr != Z_STREAM_END && d->in_n == 0 && d->in_eof)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: gzip stream is truncated", d->label);
    }
}

static ssize_t zstd_some(struct source_decomp *d, struct moat_err *err)
{
    int rc;

    for (;;) {
        ZSTD_inBuffer in;
        ZSTD_outBuffer out = {d->out, SOURCE_IO_CHUNK, 0};
        size_t zr;

        rc = refill(d, err);
        if (rc < 0)
            return rc;
        if (d->in_n == 0 && d->in_eof && d->member_done) {
            d->eof = 1;
            return 0;
        }
        /* with no input left, zstd may still hold output: ask once more */
        in.src = d->in_p;
        in.size = d->in_n;
        in.pos = 0;
        zr = ZSTD_decompressStream(d->zd, &out, &in);
        if (ZSTD_isError(zr))
            return moat_err_set(err, MOAT_E_FORMAT, "%s: zstd data is corrupt (%s)", d->label,
                                ZSTD_getErrorName(zr));
        d->in_p += in.pos;
        d->in_n -= in.pos;
        d->member_done = zr == 0; /* a frame is complete and flushed */
        if (out.pos > 0)
            return (ssize_t)out.pos;
        if (!d->member_done && d->in_n == 0 && d->in_eof)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: zstd stream is truncated", d->label);
    }
}

ssize_t source_decomp_read(struct source_decomp *d, const unsigned char **p, struct moat_err *err)
{
    ssize_t n;

    if (d->eof)
        return 0;
    switch (d->kind) {
    case SOURCE_COMP_NONE:
        if (d->in_n == 0 && !d->in_eof) {
            int rc = refill(d, err);

            if (rc < 0)
                return rc;
        }
        n = (ssize_t)d->in_n;
        *p = d->in_p;
        d->in_n = 0;
        if (n == 0) {
            d->eof = 1;
            return 0;
        }
        break;
    case SOURCE_COMP_GZIP:
        n = inflate_some(d, err);
        *p = d->out;
        break;
    case SOURCE_COMP_ZSTD:
        n = zstd_some(d, err);
        *p = d->out;
        break;
    default:
        return moat_err_set(err, MOAT_E_ARG, "%s: decompressor not ready", d->label);
    }
    if (n <= 0)
        return n;
    if ((uint64_t)n > UINT64_MAX - d->total)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: layer too large", d->label);
    d->total += (uint64_t)n;
    if (!source_limits_ok(&d->lim, d->in->pos, d->total))
        return moat_err_set(err, MOAT_E_LIMIT,
                            "%s: layer expands to more than %llu bytes or %llu times its "
                            "compressed size (%llu bytes from %llu)",
                            d->label, (unsigned long long)d->lim.max_out,
                            (unsigned long long)d->lim.ratio, (unsigned long long)d->total,
                            (unsigned long long)d->in->pos);
    if (d->md != NULL && EVP_DigestUpdate(d->md, *p, (size_t)n) != 1)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: sha256 failed", d->label);
    return n;
}

int source_decomp_drain(struct source_decomp *d, struct moat_err *err)
{
    const unsigned char *p;
    ssize_t n;

    while ((n = source_decomp_read(d, &p, err)) > 0)
        ;
    return n < 0 ? (int)n : 0;
}

uint64_t source_decomp_total(const struct source_decomp *d)
{
    return d->total;
}

enum source_comp source_decomp_kind(const struct source_decomp *d)
{
    return d->kind;
}

int source_decomp_digest(struct source_decomp *d, char *out, struct moat_err *err)
{
    unsigned char md[32];
    unsigned int mdlen = 0;

    if (d->kind == SOURCE_COMP_NONE)
        return source_blob_digest(d->in, out, err);
    if (d->md == NULL || EVP_DigestFinal_ex(d->md, md, &mdlen) != 1 || mdlen != 32)
        return moat_err_set(err, MOAT_E_ARG, "%s: layer not hashed", d->label);
    source_digest_format(md, out);
    return 0;
}

void source_decomp_free(struct source_decomp *d)
{
    if (d == NULL)
        return;
    if (d->zs_live)
        inflateEnd(&d->zs);
    ZSTD_freeDStream(d->zd);
    EVP_MD_CTX_free(d->md);
    free(d->out);
    free(d);
}
