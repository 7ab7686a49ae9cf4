/* room: base */
/*
 * fuzz_json_stream.c - libFuzzer target for the streaming JSON reader. The
 * first byte picks the limits and what happens to each root member (keep,
 * skip, each) and how the input is cut into reads; the rest is the document.
 * When every member is kept and both the stream and jansson accept the text,
 * what the stream handed over must equal jansson's parse.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "moat/base/json_stream.h"

struct feed {
    const uint8_t *p;
    size_t left, step;
};

static int rd(void *rctx, void *buf, size_t cap, size_t *got, struct moat_err *err)
{
    struct feed *f = rctx;
    size_t n = f->left < f->step ? f->left : f->step;

    (void)err;
    if (n > cap)
        n = cap;
    memcpy(buf, f->p, n);
    f->p += n;
    f->left -= n;
    *got = n;
    return 0;
}

struct ctx {
    unsigned mode;
    json_t *kept; /* root members, when all are kept */
    size_t n;
};

static enum moat_json_pick pick(void *c, const char *key)
{
    struct ctx *x = c;

    if (x->mode == 0)
        return MOAT_JSON_KEEP;
    return (enum moat_json_pick)((strlen(key) + x->mode) % 3);
}

static int item(void *c, const struct moat_json_item *it, struct moat_err *err)
{
    struct ctx *x = c;

    (void)err;
    x->n++;
    if (x->mode == 0 && it->parent == NULL && it->key != NULL && it->value != NULL)
        json_object_set(x->kept, it->key, it->value);
    if (it->value != NULL && it->size == 0)
        __builtin_trap(); /* a built value always counts against max_value */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_json_limits lim = {.max_bytes = 1u << 20,
                                   .max_value = 1u << 16,
                                   .max_items = 4096,
                                   .max_depth = 32,
                                   .max_string = 4096};
    struct ctx x = {0};
    struct moat_json_visitor v = {.pick = pick, .item = item, .ctx = &x};
    struct moat_err err = MOAT_ERR_INIT;
    struct feed f;
    int r;

    if (size < 1)
        return 0;
    x.mode = data[0] & 3;
    if (data[0] & 4)
        lim.max_value = 256, lim.max_items = 8, lim.max_depth = 4, lim.max_string = 16;
    f = (struct feed){data + 1, size - 1, (data[0] >> 3) ? (size_t)(data[0] >> 3) : 65536};
    x.kept = json_object();
    r = moat_json_stream_read(rd, &f, "fuzz", &lim, &v, &err);
    if (r == 0 && x.mode == 0 && v.root == JSON_OBJECT && !(data[0] & 4)) {
        json_t *want = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);

        /* what was kept equals jansson's own reading, unless an allocation was failed */
        if (want != NULL && !json_equal(want, x.kept) && !fuzz_alloc_failed())
            __builtin_trap();
        json_decref(want);
    }
    if (r < 0 && (err.msg == NULL || strncmp(err.msg, "fuzz: ", 6) != 0) && !fuzz_alloc_failed())
        __builtin_trap(); /* every refusal names the document */
    json_decref(x.kept);
    moat_err_clear(&err);
    return 0;
}
