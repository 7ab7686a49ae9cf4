/*
 * unpack.c - push-mode gzip (zlib) and zstd decompression with output and
 * ratio bounds, for files inside layers. Concatenated gzip members and zstd
 * frames are followed; bytes after a complete stream that do not start a new
 * one are ignored, as gzip(1) does with trailing garbage.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "unpack.h"

struct moat_secret_unpack {
    enum moat_secret_codec codec;
    enum moat_secret_unpack_state state;
    uint64_t max_out, in_total, out_total;
    int member_done; /* gzip: the last member ended, a new one may follow */
    z_stream z;
    int z_ready;
    ZSTD_DStream *zd;
    size_t zret; /* last ZSTD_decompressStream result: 0 at a frame end */
    unsigned char buf[MOAT_SECRET_UNPACK_CHUNK];
};

enum moat_secret_codec moat_secret_codec_sniff(const void *data, size_t n)
{
    const unsigned char *p = data;

    if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
        return MOAT_CODEC_GZIP;
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
        return MOAT_CODEC_ZSTD;
    return MOAT_CODEC_NONE;
}

const char *moat_secret_codec_name(enum moat_secret_codec c)
{
    return c == MOAT_CODEC_GZIP ? "gzip" : c == MOAT_CODEC_ZSTD ? "zstd" : "none";
}

int moat_secret_unpack_new(struct moat_secret_unpack **out, struct moat_err *err)
{
    struct moat_secret_unpack *u = calloc(1, sizeof *u);

    *out = NULL;
    if (!u)
        return moat_err_set(err, MOAT_E_NOMEM, "decompressor");
    *out = u;
    return 0;
}

void moat_secret_unpack_free(struct moat_secret_unpack *u)
{
    if (!u)
        return;
    if (u->z_ready)
        inflateEnd(&u->z);
    ZSTD_freeDStream(u->zd);
    explicit_bzero(u->buf, sizeof u->buf);
    free(u);
}

int moat_secret_unpack_reset(struct moat_secret_unpack *u, enum moat_secret_codec codec,
                             uint64_t max_out, struct moat_err *err)
{
    u->codec = codec;
    u->state = MOAT_UNPACK_RUNNING;
    u->max_out = max_out;
    u->in_total = u->out_total = 0;
    u->member_done = 0;
    u->zret = 1;
    if (codec == MOAT_CODEC_GZIP) {
        int zr =
            u->z_ready ? inflateReset2(&u->z, 16 + MAX_WBITS) : inflateInit2(&u->z, 16 + MAX_WBITS);
        if (zr != Z_OK)
            return moat_err_set(err, MOAT_E_NOMEM, "gzip decompressor");
        u->z_ready = 1;
    } else if (codec == MOAT_CODEC_ZSTD) {
        if (!u->zd && !(u->zd = ZSTD_createDStream()))
            return moat_err_set(err, MOAT_E_NOMEM, "zstd decompressor");
        if (ZSTD_isError(ZSTD_DCtx_reset(u->zd, ZSTD_reset_session_and_parameters)) ||
            ZSTD_isError(
                ZSTD_DCtx_setParameter(u->zd, ZSTD_d_windowLogMax, MOAT_SECRET_ZSTD_WINDOW_LOG)))
            return moat_err_set(err, MOAT_E_NOMEM, "zstd decompressor");
    } else {
        return moat_err_set(err, MOAT_E_ARG, "decompressor: no codec");
    }
    return 0;
}

/* Hand have bytes of u->buf to the sink, applying the output and ratio bounds. */
static int deliver(struct moat_secret_unpack *u, size_t have, moat_secret_sink sink, void *ctx,
                   struct moat_err *err)
{
    int rc;

    if (have == 0)
        return 0;
    if (have > u->max_out - u->out_total) {
        have = (size_t)(u->max_out - u->out_total);
        u->state = MOAT_UNPACK_BOMB;
    }
    u->out_total += have;
    if (u->out_total > MOAT_SECRET_UNPACK_RATIO_AFTER &&
        u->out_total / (u->in_total ? u->in_total : 1) > MOAT_SECRET_UNPACK_RATIO)
        u->state = MOAT_UNPACK_BOMB;
    if (have > 0 && (rc = sink(ctx, u->buf, have, err)) != 0) {
        if (rc < 0)
            return rc;
        u->state = MOAT_UNPACK_STOPPED;
    }
    return 0;
}

static int feed_gzip(struct moat_secret_unpack *u, const unsigned char *d, size_t len,
                     moat_secret_sink sink, void *ctx, struct moat_err *err)
{
    while (u->state == MOAT_UNPACK_RUNNING && len > 0) {
        if (u->member_done) {
            if (d[0] != 0x1f) { /* trailing bytes, not another member */
                u->state = MOAT_UNPACK_DONE;
                return 0;
            }
            if (inflateReset(&u->z) != Z_OK) {
                u->state = MOAT_UNPACK_CORRUPT;
                return 0;
            }
            u->member_done = 0;
        }
        uInt in = len > (1u << 30) ? (1u << 30) : (uInt)len;
        u->z.next_in = (Bytef *)d;
        u->z.avail_in = in;
        do {
            uInt avail = u->z.avail_in;
            u->z.next_out = u->buf;
            u->z.avail_out = sizeof u->buf;
            int zr = inflate(&u->z, Z_NO_FLUSH);
            size_t have = sizeof u->buf - u->z.avail_out;
            u->in_total += avail - u->z.avail_in;
            int rc = deliver(u, have, sink, ctx, err);
            if (rc < 0)
                return rc;
            if (zr == Z_STREAM_END) {
                u->member_done = 1;
                break;
            }
            if (zr != Z_OK && zr != Z_BUF_ERROR) {
                u->state = MOAT_UNPACK_CORRUPT;
                return 0;
            }
            if (zr == Z_BUF_ERROR && have == 0)
                break;
        } while (u->state == MOAT_UNPACK_RUNNING && (u->z.avail_in > 0 || u->z.avail_out == 0));
        size_t used = (size_t)(u->z.next_in - d);
        d += used;
        len -= used;
        if (used == 0 && !u->member_done)
            break;
    }
    return 0;
}

static int feed_zstd(struct moat_secret_unpack *u, const unsigned char *d, size_t len,
                     moat_secret_sink sink, void *ctx, struct moat_err *err)
{
    ZSTD_inBuffer in = {d, len, 0};

    while (u->state == MOAT_UNPACK_RUNNING && (in.pos < in.size || u->zret != 0)) {
        ZSTD_outBuffer out = {u->buf, sizeof u->buf, 0};
        size_t before = in.pos;
        size_t r = ZSTD_decompressStream(u->zd, &out, &in);
        if (ZSTD_isError(r)) {
            u->state = MOAT_UNPACK_CORRUPT;
            return 0;
        }
        u->zret = r;
        u->in_total += in.pos - before;
        int rc = deliver(u, out.pos, sink, ctx, err);
        if (rc < 0)
            return rc;
        if (out.pos < out.size && in.pos == in.size)
            break; /* all input consumed and nothing more buffered */
        if (out.pos == 0 && in.pos == before)
            break;
    }
    return 0;
}

int moat_secret_unpack_feed(struct moat_secret_unpack *u, const void *data, size_t len,
                            moat_secret_sink sink, void *ctx, struct moat_err *err)
{
    if (u->state != MOAT_UNPACK_RUNNING || len == 0)
        return 0;
    if (u->codec == MOAT_CODEC_GZIP)
        return feed_gzip(u, data, len, sink, ctx, err);
    return feed_zstd(u, data, len, sink, ctx, err);
}

enum moat_secret_unpack_state moat_secret_unpack_state(const struct moat_secret_unpack *u)
{
    if (u->state != MOAT_UNPACK_RUNNING)
        return u->state;
    if (u->codec == MOAT_CODEC_GZIP)
        return u->member_done ? MOAT_UNPACK_DONE : MOAT_UNPACK_RUNNING;
    return u->zret == 0 && u->in_total > 0 ? MOAT_UNPACK_DONE : MOAT_UNPACK_RUNNING;
}

uint64_t moat_secret_unpack_out(const struct moat_secret_unpack *u)
{
    return u->out_total;
}
