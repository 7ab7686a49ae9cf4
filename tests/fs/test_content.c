/* test_content.c - visitors see every byte of every layer in one pass; capture and its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/base/limits.h"
#include "moat/fs/fs.h"
#include "mem_reader.h"

#define MIB (1024u * 1024u)

struct seen {
    char path[128];
    uint32_t layer;
    int type;
    uint64_t bytes;
    int ok; /* every byte matched the expected content */
    const char *expect;
};

struct recorder {
    struct seen ents[64];
    size_t n, ended;
    bool want;
    struct seen *cur;
};

static int rec_begin(void *ctx, uint32_t layer, const char *path, const struct moat_fs_node *node,
                     bool *want, struct moat_err *err)
{
    struct recorder *r = ctx;

    (void)err;
    assert_true(r->n < 64);
    r->cur = &r->ents[r->n++];
    snprintf(r->cur->path, sizeof(r->cur->path), "%s", path);
    r->cur->layer = layer;
    r->cur->type = (int)node->type;
    r->cur->bytes = 0;
    r->cur->ok = 1;
    r->cur->expect = NULL;
    *want = r->want;
    return 0;
}

static int rec_chunk(void *ctx, const void *data, size_t len, struct moat_err *err)
{
    struct recorder *r = ctx;
    const unsigned char *p = data;

    (void)err;
    for (size_t i = 0; i < len; i++) {
        uint64_t off = r->cur->bytes + i;
        unsigned char want = r->cur->expect ? (unsigned char)r->cur->expect[off] : mem_pattern(off);

        if (p[i] != want)
            r->cur->ok = 0;
    }
    r->cur->bytes += len;
    return 0;
}

static int rec_end(void *ctx, struct moat_err *err)
{
    (void)err;
    ((struct recorder *)ctx)->ended++;
    return 0;
}

static const struct seen *find(const struct recorder *r, const char *path, uint32_t layer)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->ents[i].path, path) == 0 && r->ents[i].layer == layer)
            return &r->ents[i];
    return NULL;
}

static void test_visitors_get_every_byte(void **state)
{
    static const struct mem_entry l0[] = {DIR_("app/"), BIG("app/big.bin", 700 * 1024),
                                          BIG("app/secret.pem", 5000), BIG("app/empty", 0)};
    static const struct mem_entry l1[] = {REG("app/.wh.secret.pem", ""), SYM("app/l", "big.bin"),
                                          BIG("app/big.bin", 262144 + 1),
                                          HARD("app/hl", "app/big.bin")};
    struct recorder a = {.want = true}, b = {.want = false};
    struct moat_fs_visitor vis[2] = {{&a, rec_begin, rec_chunk, rec_end},
                                     {&b, rec_begin, rec_chunk, rec_end}};
    struct moat_fs_opts opts = {.visitors = vis, .n_visitors = 2};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = NULL;
    struct mem_reader r0, r1;
    const struct seen *s;

    (void)state;
    assert_int_equal(moat_fs_new(2, &opts, &fs, &err), 0);
    mem_reader_init(&r0, l0, 4);
    mem_reader_init(&r1, l1, 4);
    assert_int_equal(moat_fs_apply_layer(fs, 0, &r0.base, &err), 0);
    assert_int_equal(moat_fs_apply_layer(fs, 1, &r1.base, &err), 0);
    /* one read pass, however many visitors */
    assert_int_equal(r0.bytes_read, 700 * 1024 + 5000);
    assert_int_equal(r1.bytes_read, 262144 + 1);
    assert_int_equal(a.n, 8);
    assert_int_equal(b.n, 8);
    assert_int_equal(a.ended, 8);
    s = find(&a, "app/secret.pem", 0); /* deleted later, still seen */
    assert_non_null(s);
    assert_int_equal(s->bytes, 5000);
    assert_true(s->ok);
    s = find(&a, "app/big.bin", 0);
    assert_int_equal(s->bytes, 700 * 1024);
    assert_true(s->ok);
    s = find(&a, "app/big.bin", 1);
    assert_int_equal(s->bytes, 262145);
    assert_true(s->ok);
    s = find(&a, "app/.wh.secret.pem", 1);
    assert_non_null(s);
    assert_int_equal(s->type, 0);
    assert_int_equal(s->bytes, 0);
    s = find(&a, "app/hl", 1); /* hard links carry no content of their own */
    assert_int_equal(s->type, MOAT_FT_REG);
    assert_int_equal(s->bytes, 0);
    assert_int_equal(find(&a, "app", 0)->type, MOAT_FT_DIR);
    assert_int_equal(find(&b, "app/big.bin", 0)->bytes, 0);
    moat_fs_free(fs);
}

static void test_unwanted_content_not_read(void **state)
{
    static const struct mem_entry l0[] = {BIG("a", 1 * MIB), BIG("b/c", 3000)};
    struct recorder b = {.want = false};
    struct moat_fs_visitor vis = {&b, rec_begin, rec_chunk, rec_end};
    struct moat_fs_opts opts = {.visitors = &vis, .n_visitors = 1};
    struct moat_fs *fs = NULL;
    struct mem_reader r;

    (void)state;
    assert_int_equal(moat_fs_new(1, &opts, &fs, NULL), 0);
    mem_reader_init(&r, l0, 2);
    assert_int_equal(moat_fs_apply_layer(fs, 0, &r.base, NULL), 0);
    assert_int_equal(r.bytes_read, 0);
    assert_int_equal(b.n, 2);
    moat_fs_free(fs);
}

static int fail_begin(void *ctx, uint32_t layer, const char *path, const struct moat_fs_node *node,
                      bool *want, struct moat_err *err)
{
    (void)ctx;
    (void)layer;
    (void)node;
    *want = true;
    if (strcmp(path, "bad") == 0)
        return moat_err_set(err, MOAT_E_FORMAT, "visitor refuses");
    return 0;
}

static void test_visitor_and_read_errors(void **state)
{
    static const struct mem_entry l0[] = {REG("good", "x"), REG("bad", "y")};
    static const struct mem_entry l1[] = {REG("short", "abc")};
    struct moat_fs_visitor vis = {NULL, fail_begin, NULL, NULL};
    struct moat_fs_opts opts = {.visitors = &vis, .n_visitors = 1};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = NULL;
    struct mem_reader r;

    (void)state;
    assert_int_equal(moat_fs_new(2, &opts, &fs, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 0, l0, &err), -MOAT_E_FORMAT);
    assert_string_equal(moat_err_msg(&err), "layer 0: entry 'bad': visitor refuses");
    mem_reader_init(&r, l1, 1);
    r.fail_read = 1;
    assert_int_equal(moat_fs_apply_layer(fs, 1, &r.base, &err), -MOAT_E_IO);
    /* reader errors pass through as the reader worded them: source/ names image and layer */
    assert_string_equal(moat_err_msg(&err), "simulated read failure");
    moat_err_clear(&err);
    moat_fs_free(fs);
}

static const char *const patterns[] = {"var/lib/dpkg/status", "etc/*-release", "big/*"};

static struct moat_fs *capture_fs(size_t layers)
{
    struct moat_fs_opts opts = {.capture = patterns, .n_capture = 3};
    struct moat_fs *fs = NULL;

    assert_int_equal(moat_fs_new(layers, &opts, &fs, NULL), 0);
    return fs;
}

static const char *content(struct moat_fs *fs, const char *path)
{
    const struct moat_fs_node *n;
    const unsigned char *d;
    size_t len;

    if (moat_fs_lookup(fs, path, true, &n, NULL) != 0)
        return NULL;
    d = moat_fs_content(n, &len);
    if (d != NULL)
        assert_int_equal(len, strlen((const char *)d));
    return (const char *)d;
}

static void test_capture_and_hardlinks(void **state)
{
    static const struct mem_entry l0[] = {
        REG("var/lib/dpkg/status", "Package: a\n"), REG("/etc/os-release", "ID=debian\n"),
        REG("etc/sub/x-release", "no"), REG("etc/empty-release", ""), REG("etc/other", "no")};
    static const struct mem_entry l1[] = {HARD("usr/lib/os-release", "etc/os-release"),
                                          REG("var/lib/dpkg/status", "Package: b\n"),
                                          SYM("etc/link-release", "os-release")};
    static const struct mem_entry l2[] = {REG("etc/.wh.os-release", "")};
    struct moat_fs *fs = capture_fs(3);
    const struct moat_fs_node *n;
    size_t len = 99;

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_string_equal(content(fs, "var/lib/dpkg/status"), "Package: a\n");
    assert_string_equal(content(fs, "etc/os-release"), "ID=debian\n");
    assert_null(content(fs, "etc/sub/x-release")); /* FNM_PATHNAME: '*' stops at '/' */
    assert_null(content(fs, "etc/other"));
    assert_int_equal(moat_fs_lookup(fs, "etc/empty-release", true, &n, NULL), 0);
    assert_non_null(moat_fs_content(n, &len)); /* captured, just empty */
    assert_int_equal(len, 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    assert_string_equal(content(fs, "var/lib/dpkg/status"), "Package: b\n");
    assert_int_equal(moat_fs_lookup(fs, "var/lib/dpkg/status", true, &n, NULL), 0);
    assert_null(n->prev->data); /* replaced versions drop their content */
    assert_string_equal(content(fs, "usr/lib/os-release"), "ID=debian\n");
    assert_string_equal(content(fs, "etc/link-release"), "ID=debian\n");
    assert_int_equal(MEM_APPLY(fs, 2, l2, NULL), 0);
    assert_null(content(fs, "etc/os-release"));
    /* the hard link keeps the content its deleted twin had */
    assert_string_equal(content(fs, "usr/lib/os-release"), "ID=debian\n");
    moat_fs_free(fs);
}

static void test_capture_limits(void **state)
{
    static const struct mem_entry l0[] = {BIG("big/1", 64 * MIB), BIG("big/2", 64 * MIB),
                                          BIG("big/3", 64 * MIB)};
    static const struct mem_entry l1[] = {BIG("big/1", 64 * MIB)}; /* replaces: frees the old */
    static const struct mem_entry l2[] = {REG("big/.wh.2", "")};   /* deletes: frees */
    static const struct mem_entry l3[] = {BIG("big/4", 64 * MIB), BIG("big/5", 64 * MIB)};
    static const struct mem_entry l4[] = {BIG("big/6", 1)};
    static const struct mem_entry l5[] = {BIG("big/huge", 64 * MIB + 1)};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = capture_fs(6);
    const struct moat_fs_node *n;
    const unsigned char *d;
    size_t len;

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, &err), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, &err), 0);
    assert_int_equal(MEM_APPLY(fs, 2, l2, &err), 0);
    assert_int_equal(MEM_APPLY(fs, 3, l3, &err), 0);
    assert_int_equal(moat_fs_lookup(fs, "big/5", true, &n, NULL), 0);
    d = moat_fs_content(n, &len);
    assert_int_equal(len, 64 * MIB);
    assert_int_equal(d[12345], mem_pattern(12345));
    assert_int_equal(MEM_APPLY(fs, 4, l4, &err), -MOAT_E_LIMIT);
    assert_string_equal(moat_err_msg(&err), "layer 4: entry 'big/6': captured files would "
                                            "exceed 268435456 bytes in total");
    moat_fs_free(fs);
    fs = capture_fs(6);
    assert_int_equal(mem_apply(fs, 5, l5, 1, &err), -MOAT_E_LIMIT);
    assert_non_null(strstr(moat_err_msg(&err), "layer 5: entry 'big/huge'"));
    moat_err_clear(&err);
    moat_fs_free(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_visitors_get_every_byte),
        cmocka_unit_test(test_unwanted_content_not_read),
        cmocka_unit_test(test_visitor_and_read_errors),
        cmocka_unit_test(test_capture_and_hardlinks),
        cmocka_unit_test(test_capture_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
