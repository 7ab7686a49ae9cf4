/*
 * decomp.h - the one streaming gzip/zstd decompressor: layers (source/decompress.c pulls
 * blob bytes through it) and compressed files inside layers (secret/scanner.c pushes file
 * bytes through it) share it. The codec comes from the first bytes, never a name or a
 * media type. Input and output are the caller's buffers: a step consumes what it can and
 * fills at most one output buffer, so memory stays at zlib's 32 KiB window or a zstd window
 * of at most 2^window_log bytes whatever the stream.
 *
 * A gzip stream is every member of a multi-member file; zero bytes after a member are
 * padding (as gzip -d and tar archives write them); anything else there is trailing garbage,
 * its own end state so a caller can refuse it (a layer) or note it (a file in a layer). A
 * zstd stream is every frame (skippable frames included). Bounds: at most max_out bytes out,
 * and once more than grace bytes came out, at most ratio times the compressed bytes consumed
 * (a bomb stops early).
 *
 * Must not: read files, allocate per step, or decide what a damaged stream means.
 */
#ifndef MOAT_BASE_DECOMP_H
#define MOAT_BASE_DECOMP_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"

enum moat_codec { MOAT_CODEC_NONE = 0, MOAT_CODEC_GZIP, MOAT_CODEC_ZSTD };

#define MOAT_CODEC_SNIFF 4u /* first bytes that decide the codec */

/* gzip: 1f 8b 08 (deflate); zstd: 28 b5 2f fd; else NONE (also when n is too short). */
enum moat_codec moat_codec_sniff(const void *p, size_t n);
const char *moat_codec_name(enum moat_codec c); /* "gzip", "zstd", "none" */

struct moat_decomp_limits {
    uint64_t max_out;    /* bytes out in all */
    uint64_t grace;      /* bytes out before the ratio applies */
    uint64_t ratio;      /* at most ratio x compressed bytes consumed, after grace (0: none out) */
    unsigned window_log; /* zstd: frames asking for a larger window are corrupt */
};

/* Whether out bytes from in compressed bytes are within l. */
int moat_decomp_limits_ok(const struct moat_decomp_limits *l, uint64_t in, uint64_t out);

enum moat_decomp_state {
    MOAT_DECOMP_RUNNING = 0, /* more input expected (or allowed) */
    MOAT_DECOMP_DONE,        /* moat_decomp_finish(): every member/frame was complete */
    MOAT_DECOMP_TRUNCATED,   /* moat_decomp_finish(): the input ended inside a member/frame */
    MOAT_DECOMP_CORRUPT,     /* invalid data (moat_decomp_message() says what) */
    MOAT_DECOMP_GARBAGE,     /* gzip: bytes after a member that are neither padding nor a member */
    MOAT_DECOMP_LIMIT,       /* max_out or the ratio was reached; output stops at the bound */
};

struct moat_decomp;

int moat_decomp_new(struct moat_decomp **out, struct moat_err *err);
void moat_decomp_free(struct moat_decomp *d);

/* Start a stream of codec c (GZIP or ZSTD) under l, reusing d's decoder. */
int moat_decomp_reset(struct moat_decomp *d, enum moat_codec c, const struct moat_decomp_limits *l,
                      struct moat_err *err);

/*
 * Decompress from *in (*in_len bytes; both advance past what was consumed) into
 * out[0..cap). Returns the bytes written: 0 when it needs more input or the stream stopped
 * (see the state). Call it with *in_len == 0 to drain buffered output before finishing.
 */
size_t moat_decomp_step(struct moat_decomp *d, const unsigned char **in, size_t *in_len,
                        unsigned char *out, size_t cap);

/* The input has ended: RUNNING becomes DONE or TRUNCATED. Returns the state. */
enum moat_decomp_state moat_decomp_finish(struct moat_decomp *d);

enum moat_decomp_state moat_decomp_state(const struct moat_decomp *d);
uint64_t moat_decomp_in(const struct moat_decomp *d);  /* compressed bytes consumed */
uint64_t moat_decomp_out(const struct moat_decomp *d); /* bytes produced */
/* What was wrong with a CORRUPT stream (zlib's or zstd's words); "" otherwise. */
const char *moat_decomp_message(const struct moat_decomp *d);

#endif
