/*
 * decompress.c - turn a layer blob into tar bytes: gzip (every member of a
 * multi-member file), zstd (all frames) or nothing, chosen by the first
 * bytes, never by the media type, through the one decompressor of
 * base/decomp.h; a damaged stream or garbage after it is an error here.
 * The output is bounded (bytes per layer, expansion ratio after a grace
 * amount) and hashed for the diff_id check. Uncompressed blobs pass through
 * without a copy and reuse the blob hash.
 * Must not parse tar (layer_tar.c) or know about manifests.
 */
#include "source_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "moat/base/decomp.h"
#include "moat/base/limits.h"

#define SOURCE_ZSTD_WINDOW_LOG                                                                     \
    27 /* 128 MiB: libzstd's default limit, which layers are made for                              \
        */

struct source_decomp {
    struct source_blob *in;
    const char *label;
    struct source_limits lim;
    enum source_comp kind;
    struct moat_decomp *dc; /* gzip and zstd: the one decompressor (base/decomp.h) */
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
    const struct moat_decomp_limits dl = {l->max_out, l->grace, l->ratio, SOURCE_ZSTD_WINDOW_LOG};

    return moat_decomp_limits_ok(&dl, in, out);
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
    const char *other;
    enum moat_codec c;
    int rc;

    rc = refill(d, err);
    if (rc < 0)
        return rc;
    c = moat_codec_sniff(d->in_p, d->in_n);
    if (c == MOAT_CODEC_NONE) {
        if ((other = source_compressed_magic(d->in_p, d->in_n)) != NULL)
            return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: %s-compressed layer is not supported",
                                d->label, other);
        d->kind = SOURCE_COMP_NONE;
        return 0;
    }
    d->kind = c == MOAT_CODEC_GZIP ? SOURCE_COMP_GZIP : SOURCE_COMP_ZSTD;
    /* the zstd window cap (128 MiB, libzstd's default) bounds memory; said explicitly */
    const struct moat_decomp_limits dl = {d->lim.max_out, d->lim.grace, d->lim.ratio,
                                          SOURCE_ZSTD_WINDOW_LOG};
    if (moat_decomp_new(&d->dc, err) < 0 || moat_decomp_reset(d->dc, c, &dl, err) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: cannot start %s", d->label, moat_codec_name(c));
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

static int limit_error(const struct source_decomp *d, uint64_t in, uint64_t out,
                       struct moat_err *err)
{
    return moat_err_set(err, MOAT_E_LIMIT,
                        "%s: layer expands to more than %llu bytes or %llu times its "
                        "compressed size (%llu bytes from %llu)",
                        d->label, (unsigned long long)d->lim.max_out,
                        (unsigned long long)d->lim.ratio, (unsigned long long)out,
                        (unsigned long long)in);
}

/* Next decompressed chunk into d->out: > 0 bytes, 0 at a complete end, or an error naming
 * the layer (a corrupt, truncated or over-expanding stream; garbage after a gzip stream). */
static ssize_t decompress_some(struct source_decomp *d, struct moat_err *err)
{
    const char *codec = d->kind == SOURCE_COMP_GZIP ? "gzip" : "zstd";

    for (;;) {
        int rc = refill(d, err);
        if (rc < 0)
            return rc;
        /* with no input left, the decoder may still hold output: it is asked once more */
        size_t n = moat_decomp_step(d->dc, &d->in_p, &d->in_n, d->out, SOURCE_IO_CHUNK);
        switch (moat_decomp_state(d->dc)) {
        case MOAT_DECOMP_CORRUPT:
            return moat_err_set(err, MOAT_E_FORMAT, "%s: %s data is corrupt (%s)", d->label, codec,
                                moat_decomp_message(d->dc));
        case MOAT_DECOMP_GARBAGE:
            return moat_err_set(err, MOAT_E_FORMAT, "%s: garbage after the end of the %s stream",
                                d->label, codec);
        case MOAT_DECOMP_LIMIT:
            return limit_error(d, moat_decomp_in(d->dc), moat_decomp_out(d->dc), err);
        default:
            break;
        }
        if (n > 0)
            return (ssize_t)n;
        if (d->in_n == 0 && d->in_eof) {
            if (moat_decomp_finish(d->dc) == MOAT_DECOMP_TRUNCATED)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: %s stream is truncated", d->label,
                                    codec);
            d->eof = 1;
            return 0;
        }
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
    case SOURCE_COMP_ZSTD:
        n = decompress_some(d, err);
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
    if (d->kind == SOURCE_COMP_NONE && d->total > d->lim.max_out) /* the decoder bounds the rest */
        return limit_error(d, d->in->pos, d->total, err);
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
    moat_decomp_free(d->dc);
    EVP_MD_CTX_free(d->md);
    free(d->out);
    free(d);
}
