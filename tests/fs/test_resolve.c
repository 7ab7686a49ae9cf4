/* test_resolve.c - lookups that follow symlinks inside the image root, and node paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/fs/fs.h"
#include "mem_reader.h"

static const struct mem_entry base[] = {
    DIR_("etc/"),
    REG("etc/shadow", "image-shadow"),
    REG("etc/os-release", "ID=test"),
    SYM("etc/x", "../../../../etc/shadow"),
    SYM("etc/abs", "/etc/os-release"),
    SYM("etc/rootdots", "/../../.."),
    SYM("a", "b"),
    SYM("b", "a"),
    SYM("self", "self"),
    DIR_("usr/lib/"),
    REG("usr/lib/os-release", "ID=real"),
    SYM("lib", "usr/lib"),
    SYM("usr/lib/rel", "../../etc/shadow"),
    SYM("dangling", "nowhere"),
    SYM("empty", ""),
    SYM("dirlink", "usr/lib/"),
    REG("gone", "g"),
    SYM("to-gone", "gone"),
};
static const struct mem_entry top[] = {REG(".wh.gone", "")};

static int setup(void **state)
{
    struct moat_fs *fs = NULL;

    if (moat_fs_new(2, NULL, &fs, NULL) != 0 || MEM_APPLY(fs, 0, base, NULL) != 0 ||
        MEM_APPLY(fs, 1, top, NULL) != 0)
        return -1;
    *state = fs;
    return 0;
}

static int teardown(void **state)
{
    moat_fs_free(*state);
    return 0;
}

static const char *resolve(void **state, const char *path, bool follow)
{
    static char buf[4096];
    const struct moat_fs_node *n = NULL;

    if (moat_fs_lookup(*state, path, follow, &n, NULL) != 0)
        return NULL;
    assert_int_equal(moat_fs_node_path(n, buf, sizeof(buf)), 0);
    return buf;
}

static void test_symlink_escape_stays_inside(void **state)
{
    const struct moat_fs_node *n;

    assert_string_equal(resolve(state, "etc/x", true), "etc/shadow");
    assert_int_equal(moat_fs_lookup(*state, "/etc/x", true, &n, NULL), 0);
    assert_int_equal(n->size, strlen("image-shadow"));
    assert_string_equal(resolve(state, "etc/x", false), "etc/x");
    assert_string_equal(resolve(state, "usr/lib/rel", true), "etc/shadow");
    assert_string_equal(resolve(state, "etc/rootdots", true), "");
    assert_string_equal(resolve(state, "/../../etc/shadow", true), "etc/shadow");
}

static void test_absolute_symlink_inside_root(void **state)
{
    assert_string_equal(resolve(state, "etc/abs", true), "etc/os-release");
    assert_string_equal(resolve(state, "lib/os-release", true), "usr/lib/os-release");
    assert_string_equal(resolve(state, "/lib/../lib/os-release", true), "usr/lib/os-release");
    assert_string_equal(resolve(state, "dirlink", true), "usr/lib");
    assert_string_equal(resolve(state, "dirlink/os-release", false), "usr/lib/os-release");
}

static void test_symlink_loop_is_limit(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    const struct moat_fs_node *n;

    assert_int_equal(moat_fs_lookup(*state, "a", true, &n, &err), -MOAT_E_LIMIT);
    assert_non_null(strstr(moat_err_msg(&err), "symlink loop"));
    assert_int_equal(moat_fs_lookup(*state, "self/x", false, &n, &err), -MOAT_E_LIMIT);
    assert_int_equal(moat_fs_lookup(*state, "a", false, &n, &err), 0); /* lstat */
    assert_int_equal(n->type, MOAT_FT_SYMLINK);
    moat_err_clear(&err);
}

static void test_not_found(void **state)
{
    const struct moat_fs_node *n;

    assert_int_equal(moat_fs_lookup(*state, "dangling", true, &n, NULL), -MOAT_E_NOTFOUND);
    assert_int_equal(moat_fs_lookup(*state, "empty", true, &n, NULL), -MOAT_E_NOTFOUND);
    assert_int_equal(moat_fs_lookup(*state, "gone", true, &n, NULL), -MOAT_E_NOTFOUND);
    assert_int_equal(moat_fs_lookup(*state, "to-gone", true, &n, NULL), -MOAT_E_NOTFOUND);
    assert_int_equal(moat_fs_lookup(*state, "etc/shadow/x", true, &n, NULL), -MOAT_E_NOTFOUND);
    assert_int_equal(moat_fs_lookup(*state, "nope", true, &n, NULL), -MOAT_E_NOTFOUND);
    assert_null(n);
    assert_string_equal(resolve(state, "", true), "");
    assert_string_equal(resolve(state, "/", true), "");
    assert_string_equal(resolve(state, "./etc/./", true), "etc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_symlink_escape_stays_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absolute_symlink_inside_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_loop_is_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
