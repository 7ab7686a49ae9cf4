/*
 * json_stream.h - big JSON documents (SBOMs, advisory feeds) read in bounded
 * memory. The document is parsed as a stream of events (yajl); only the
 * parts the caller asks for are built, one small jansson value at a time, so
 * memory is bounded by the largest value handed over, never by the
 * document.
 *
 * The caller picks, for each member of the root object, what happens to its
 * value: SKIP (parsed and validated, never built), KEEP (built and handed
 * over whole) or EACH (an array's elements or an object's members handed
 * over one by one, e.g. CycloneDX "components", SPDX "packages", NVD
 * "vulnerabilities"). Elements of a root array are always handed over one by
 * one (an array of OSV records).
 *
 * Bounds (struct moat_json_limits): the document's bytes, the nesting depth,
 * the size of one value handed over (the bytes of its strings and keys plus
 * 48 per value, about what jansson spends on it), the
 * number of members or elements of the root and of one EACH container, and
 * the length of one string, key or number. Anything beyond them, invalid
 * JSON (including invalid UTF-8, a NUL in a string or key, a number out of range, a
 * duplicate key in a built value or among the root's members or an EACH
 * object's members, anything after the root) and a root that is not an
 * object or array end the read with a one-line error naming the document
 * (`what`) and, where it helps, the member ("components[1234]: ...").
 */
#ifndef MOAT_BASE_JSON_STREAM_H
#define MOAT_BASE_JSON_STREAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"

enum moat_json_pick {
    MOAT_JSON_SKIP = 0, /* parse and check, build nothing */
    MOAT_JSON_KEEP,     /* build the whole value and hand it over */
    MOAT_JSON_EACH,     /* hand over each element (array) or member (object) */
};

struct moat_json_limits {
    uint64_t max_bytes; /* the whole document */
    size_t max_value;   /* one value handed over (see above) */
    size_t max_items;   /* members/elements of the root, of one EACH container */
    size_t max_depth;   /* nesting; the root container is depth 1 */
    size_t max_string;  /* one string, key or number, in bytes */
};

/* One value handed over to the visitor. */
struct moat_json_item {
    const char *parent; /* the root member an EACH child belongs to, else NULL */
    const char *key;    /* root member's or EACH object member's key; NULL for array elements */
    size_t index;       /* position among its siblings, from 0 */
    json_type type;     /* what the value is, also when it was skipped */
    json_t *value;      /* borrowed, valid during the call; NULL when skipped */
    size_t size;        /* its size as counted against max_value (0 when skipped) */
};

struct moat_json_visitor {
    /*
     * A member of the root object: what to do with its value (called once
     * its key is read). NULL: keep every member. Not called for a root array.
     * EACH on a value that turns out to be a scalar hands the scalar over as
     * KEEP would.
     */
    enum moat_json_pick (*pick)(void *ctx, const char *key);
    /*
     * Called once for every root member (kept, or skipped with value NULL),
     * every element of a root array, and every child of an EACH member, in
     * document order, as soon as it is complete; an EACH member itself comes
     * after its last child, with value NULL and its type (so an empty array
     * is seen too). Returns 0 to go on, >0 to stop reading early (the read
     * then returns 0), or a negative -MOAT_E_* that the read returns (the
     * callback fills err).
     */
    int (*item)(void *ctx, const struct moat_json_item *it, struct moat_err *err);
    void *ctx;
    /* Filled by the read: JSON_OBJECT or JSON_ARRAY once the root has started. */
    json_type root;
};

/* Reads up to cap bytes into buf: 0 with *got (0 at the end), or -MOAT_E_* with err filled. */
typedef int (*moat_json_read_fn)(void *rctx, void *buf, size_t cap, size_t *got,
                                 struct moat_err *err);

/*
 * Stream the document through v. Returns 0 (also when the visitor stopped
 * early), -MOAT_E_FORMAT for invalid JSON, -MOAT_E_LIMIT past a bound,
 * -MOAT_E_NOMEM, or the error of the visitor or the reader. what names the
 * document in messages.
 */
int moat_json_stream_mem(const void *data, size_t len, const char *what,
                         const struct moat_json_limits *lim, struct moat_json_visitor *v,
                         struct moat_err *err);
/* From an open file descriptor, read from its current offset to its end. */
int moat_json_stream_fd(int fd, const char *what, const struct moat_json_limits *lim,
                        struct moat_json_visitor *v, struct moat_err *err);
int moat_json_stream_read(moat_json_read_fn rd, void *rctx, const char *what,
                          const struct moat_json_limits *lim, struct moat_json_visitor *v,
                          struct moat_err *err);

#endif
