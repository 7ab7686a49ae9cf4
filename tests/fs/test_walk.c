/* test_walk.c - the walker (live nodes, parents first, name order) and child iteration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/fs/fs.h"
#include "mem_reader.h"

struct list {
    char out[1024];
    size_t len, calls, stop_after;
};

static int collect(void *ctx, const char *path, const struct moat_fs_node *node)
{
    struct list *l = ctx;
    int n = snprintf(l->out + l->len, sizeof(l->out) - l->len, "%s%s,", path,
                     node->type == MOAT_FT_DIR ? "/" : "");

    assert_true(n > 0 && (size_t)n < sizeof(l->out) - l->len);
    l->len += (size_t)n;
    if (++l->calls == l->stop_after)
        return 7;
    return 0;
}

static void test_walk_order_and_liveness(void **state)
{
    static const struct mem_entry l0[] = {REG("z", "1"), REG("b/y", "2"),      REG("b/a", "3"),
                                          DIR_("a/"),    REG("b/gone/x", "4"), REG("c", "5")};
    static const struct mem_entry l1[] = {REG("b/.wh.gone", ""), REG(".wh.c", ""), REG("b/m", "")};
    struct list l = {.len = 0};
    struct moat_fs *fs = NULL;
    size_t kids = 0, live = 0;

    (void)state;
    assert_int_equal(moat_fs_new(2, NULL, &fs, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    assert_int_equal(moat_fs_walk(fs, collect, &l), 0);
    assert_string_equal(l.out, "/,a/,b/,b/a,b/m,b/y,z,");
    /* children lists keep deleted paths too */
    for (const struct moat_fs_node *c = moat_fs_first_child(moat_fs_root(fs)); c;
         c = moat_fs_next_sibling(c)) {
        kids++;
        live += c->deleted_in < 0;
    }
    assert_int_equal(kids, 4);
    assert_int_equal(live, 3);
    memset(&l, 0, sizeof(l));
    l.stop_after = 3;
    assert_int_equal(moat_fs_walk(fs, collect, &l), 7);
    assert_string_equal(l.out, "/,a/,b/,");
    assert_int_equal(moat_fs_walk(NULL, collect, &l), -MOAT_E_ARG);
    assert_int_equal(moat_fs_layer_count(fs), 2);
    moat_fs_free(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_order_and_liveness),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
