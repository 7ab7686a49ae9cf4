/*
 * unpack.h - streaming decompression of a compressed file inside a layer
 * (gzip, zstd) for the secret scan: compressed bytes are pushed in as the
 * layer reader produces them and decompressed bytes come out through a sink
 * in pieces of at most MOAT_SECRET_UNPACK_CHUNK, so memory stays bounded
 * (one output buffer, zlib's 32 KiB window, a zstd window of at most
 * 2^MOAT_SECRET_ZSTD_WINDOW_LOG bytes) whatever the file.
 *
 * Bombs: output stops at max_out bytes, and as soon as more than
 * MOAT_SECRET_UNPACK_RATIO_AFTER bytes came out at a ratio above
 * MOAT_SECRET_UNPACK_RATIO to the compressed bytes read.
 */
#ifndef MOAT_SECRET_UNPACK_H
#define MOAT_SECRET_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "../base/error.h"

#define MOAT_SECRET_UNPACK_CHUNK (64u << 10)
#define MOAT_SECRET_UNPACK_RATIO 250u
#define MOAT_SECRET_UNPACK_RATIO_AFTER (1u << 20)
#define MOAT_SECRET_ZSTD_WINDOW_LOG 23 /* 8 MiB: frames asking for more are refused */

enum moat_secret_codec { MOAT_CODEC_NONE = 0, MOAT_CODEC_GZIP, MOAT_CODEC_ZSTD };

enum moat_secret_unpack_state {
    MOAT_UNPACK_RUNNING = 0, /* more input expected (or allowed) */
    MOAT_UNPACK_DONE,        /* a complete stream (trailing bytes ignored) */
    MOAT_UNPACK_BOMB,        /* stopped at max_out or the ratio bound */
    MOAT_UNPACK_CORRUPT,     /* not a valid stream; output up to the error was delivered */
    MOAT_UNPACK_STOPPED,     /* the sink asked to stop */
};

/* By the first bytes (gzip 1f 8b 08, zstd 28 b5 2f fd); MOAT_SECRET_SNIFF of them decide. */
#define MOAT_SECRET_SNIFF 4u
enum moat_secret_codec moat_secret_codec_sniff(const void *data, size_t n);
const char *moat_secret_codec_name(enum moat_secret_codec c);

/* Receives decompressed bytes: return 0 to go on, 1 to stop, or a negative -MOAT_E_* error. */
typedef int (*moat_secret_sink)(void *ctx, const void *data, size_t len, struct moat_err *err);

struct moat_secret_unpack;

int moat_secret_unpack_new(struct moat_secret_unpack **out, struct moat_err *err);
void moat_secret_unpack_free(struct moat_secret_unpack *u);

/* Start a new stream (reusing the buffers) that may produce at most max_out bytes. */
int moat_secret_unpack_reset(struct moat_secret_unpack *u, enum moat_secret_codec codec,
                             uint64_t max_out, struct moat_err *err);

/* Push compressed bytes. Returns 0 or the sink's negative error; the state says what happened. */
int moat_secret_unpack_feed(struct moat_secret_unpack *u, const void *data, size_t len,
                            moat_secret_sink sink, void *ctx, struct moat_err *err);

/* The state; after the last feed, RUNNING means the stream was truncated. */
enum moat_secret_unpack_state moat_secret_unpack_state(const struct moat_secret_unpack *u);

/* Decompressed bytes delivered so far in this stream. */
uint64_t moat_secret_unpack_out(const struct moat_secret_unpack *u);

#endif
