/*
 * decomp.c - push/pull-agnostic gzip (zlib inflate) and zstd (ZSTD_decompressStream)
 * decompression with output and ratio bounds, one step at a time (decomp.h). It replaces
 * the two copies source/decompress.c and secret/unpack.c had; where they differed the
 * stricter behaviour stays: bytes after a gzip member that are not zero padding or another
 * member are an end state of their own (GARBAGE), and the ratio bound is out > ratio x in.
 */
#include "moat/base/decomp.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

struct moat_decomp {
    enum moat_codec codec;
    enum moat_decomp_state state;
    struct moat_decomp_limits lim;
    uint64_t in_total, out_total;
    int member_done; /* gzip: a member ended; zstd: the last frame is complete */
    z_stream z;
    int z_ready;
    ZSTD_DStream *zd;
    const char *msg;
};

enum moat_codec moat_codec_sniff(const void *p, size_t n)
{
    const unsigned char *b = p;

    if (n >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8)
        return MOAT_CODEC_GZIP;
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
        return MOAT_CODEC_ZSTD;
    return MOAT_CODEC_NONE;
}

const char *moat_codec_name(enum moat_codec c)
{
    return c == MOAT_CODEC_GZIP ? "gzip" : c == MOAT_CODEC_ZSTD ? "zstd" : "none";
}

int moat_decomp_limits_ok(const struct moat_decomp_limits *l, uint64_t in, uint64_t out)
{
    if (out > l->max_out)
        return 0;
    if (out <= l->grace)
        return 1;
    if (l->ratio != 0 && in > UINT64_MAX / l->ratio)
        return 1;
    return out <= in * l->ratio;
}

int moat_decomp_new(struct moat_decomp **out, struct moat_err *err)
{
    if (!(*out = calloc(1, sizeof **out)))
        return moat_err_set(err, MOAT_E_NOMEM, "decompressor");
    return 0;
}

void moat_decomp_free(struct moat_decomp *d)
{
    if (!d)
        return;
    if (d->z_ready)
        inflateEnd(&d->z);
    ZSTD_freeDStream(d->zd);
    free(d);
}

int moat_decomp_reset(struct moat_decomp *d, enum moat_codec c, const struct moat_decomp_limits *l,
                      struct moat_err *err)
{
    d->codec = c;
    d->state = MOAT_DECOMP_RUNNING;
    d->lim = *l;
    d->in_total = d->out_total = 0;
    d->member_done = 0;
    d->msg = "";
    if (c == MOAT_CODEC_GZIP) {
        int zr =
            d->z_ready ? inflateReset2(&d->z, 16 + MAX_WBITS) : inflateInit2(&d->z, 16 + MAX_WBITS);
        if (zr != Z_OK)
            return moat_err_set(err, MOAT_E_NOMEM, "gzip decompressor");
        d->z_ready = 1;
        return 0;
    }
    if (c == MOAT_CODEC_ZSTD) {
        if (!d->zd && !(d->zd = ZSTD_createDStream()))
            return moat_err_set(err, MOAT_E_NOMEM, "zstd decompressor");
        if (ZSTD_isError(ZSTD_DCtx_reset(d->zd, ZSTD_reset_session_and_parameters)) ||
            ZSTD_isError(ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax, (int)l->window_log)))
            return moat_err_set(err, MOAT_E_ARG, "zstd decompressor: window log %u", l->window_log);
        return 0;
    }
    return moat_err_set(err, MOAT_E_ARG, "decompressor: no codec");
}

/* Account for consumed input and produced output; cut the output at the bounds. */
static size_t account(struct moat_decomp *d, size_t used, size_t made)
{
    d->in_total += used;
    if (made > d->lim.max_out - d->out_total) {
        made = (size_t)(d->lim.max_out - d->out_total);
        d->state = MOAT_DECOMP_LIMIT;
    }
    d->out_total += made;
    if (!moat_decomp_limits_ok(&d->lim, d->in_total, d->out_total))
        d->state = MOAT_DECOMP_LIMIT;
    return made;
}

/* After a gzip member: zero padding is consumed, 0x1f starts another member, anything else
 * is garbage. Returns 1 to go on inflating. */
static int next_member(struct moat_decomp *d, const unsigned char **in, size_t *in_len)
{
    while (*in_len > 0 && **in == 0) {
        (*in)++;
        (*in_len)--;
        d->in_total++;
    }
    if (*in_len == 0)
        return 0;
    if (**in != 0x1f) {
        d->state = MOAT_DECOMP_GARBAGE;
        return 0;
    }
    if (inflateReset(&d->z) != Z_OK) {
        d->state = MOAT_DECOMP_CORRUPT;
        d->msg = "inflateReset failed";
        return 0;
    }
    d->member_done = 0;
    return 1;
}

static size_t gzip_step(struct moat_decomp *d, const unsigned char **in, size_t *in_len,
                        unsigned char *out, size_t cap)
{
    for (;;) {
        if (d->member_done && !next_member(d, in, in_len))
            return 0;
        uInt avail = *in_len > UINT32_MAX ? UINT32_MAX : (uInt)*in_len;
        d->z.next_in = (Bytef *)*in;
        d->z.avail_in = avail;
        d->z.next_out = out;
        d->z.avail_out = cap > UINT32_MAX ? UINT32_MAX : (uInt)cap;
        uInt room = d->z.avail_out;
        int zr = inflate(&d->z, Z_NO_FLUSH);
        size_t used = avail - d->z.avail_in, made = room - d->z.avail_out;
        if (used > 0) { /* *in may be NULL with nothing in it */
            *in += used;
            *in_len -= used;
        }
        if (zr == Z_STREAM_END)
            d->member_done = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            d->state = MOAT_DECOMP_CORRUPT;
            d->msg = d->z.msg ? d->z.msg : "inflate failed";
        }
        made = account(d, used, made);
        if (made > 0 || d->state != MOAT_DECOMP_RUNNING)
            return made;
        if (used == 0 && !d->member_done)
            return 0; /* needs input */
    }
}

static size_t zstd_step(struct moat_decomp *d, const unsigned char **in, size_t *in_len,
                        unsigned char *out, size_t cap)
{
    for (;;) {
        ZSTD_inBuffer ib = {*in, *in_len, 0};
        ZSTD_outBuffer ob = {out, cap, 0};
        if (*in_len == 0 && d->member_done)
            return 0; /* a complete, flushed frame and nothing after it (yet) */
        size_t r = ZSTD_decompressStream(d->zd, &ob, &ib);
        if (ib.pos > 0) { /* *in may be NULL with nothing in it */
            *in += ib.pos;
            *in_len -= ib.pos;
        }
        if (ZSTD_isError(r)) {
            d->state = MOAT_DECOMP_CORRUPT;
            d->msg = ZSTD_getErrorName(r);
        } else if (ib.pos > 0 || ob.pos > 0) {
            d->member_done = r == 0; /* a frame is complete and flushed */
        }
        size_t made = account(d, ib.pos, ob.pos);
        if (made > 0 || d->state != MOAT_DECOMP_RUNNING || ib.pos == 0)
            return made;
    }
}

size_t moat_decomp_step(struct moat_decomp *d, const unsigned char **in, size_t *in_len,
                        unsigned char *out, size_t cap)
{
    if (d->state != MOAT_DECOMP_RUNNING || cap == 0)
        return 0;
    if (d->codec == MOAT_CODEC_GZIP)
        return gzip_step(d, in, in_len, out, cap);
    if (d->codec == MOAT_CODEC_ZSTD)
        return zstd_step(d, in, in_len, out, cap);
    return 0;
}

enum moat_decomp_state moat_decomp_finish(struct moat_decomp *d)
{
    if (d->state == MOAT_DECOMP_RUNNING)
        d->state = d->member_done && d->in_total > 0 ? MOAT_DECOMP_DONE : MOAT_DECOMP_TRUNCATED;
    return d->state;
}

enum moat_decomp_state moat_decomp_state(const struct moat_decomp *d)
{
    return d->state;
}

uint64_t moat_decomp_in(const struct moat_decomp *d)
{
    return d->in_total;
}

uint64_t moat_decomp_out(const struct moat_decomp *d)
{
    return d->out_total;
}

const char *moat_decomp_message(const struct moat_decomp *d)
{
    return d->msg ? d->msg : "";
}
