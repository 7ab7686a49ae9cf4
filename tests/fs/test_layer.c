/* test_layer.c - merging layers: whiteouts, opaque dirs, history, replacement, hard links, unsafe
 * paths. */
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

static struct moat_fs *new_fs(size_t layers, const struct moat_fs_opts *opts)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = NULL;

    assert_int_equal(moat_fs_new(layers, opts, &fs, &err), 0);
    assert_non_null(fs);
    return fs;
}

static void test_whiteout_file(void **state)
{
    static const struct mem_entry l0[] = {DIR_("etc/"), REG("etc/passwd", "root:x:0:0"),
                                          REG("etc/shadow", "secret")};
    static const struct mem_entry l1[] = {REG("etc/.wh.shadow", "")};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = new_fs(2, NULL);
    const struct moat_fs_node *n;

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, &err), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, &err), 0);
    assert_non_null(mem_get(fs, "etc/passwd"));
    assert_null(mem_get(fs, "etc/shadow"));
    assert_int_equal(moat_fs_lookup(fs, "/etc/shadow", true, &n, &err), -MOAT_E_NOTFOUND);
    moat_err_clear(&err);
    n = mem_raw(fs, "etc/shadow"); /* still in the tree, flagged */
    assert_non_null(n);
    assert_int_equal(n->deleted_in, 1);
    assert_int_equal(n->layer, 0);
    assert_null(mem_raw(fs, "etc/.wh.shadow"));
    moat_fs_free(fs);
}

static void test_whiteout_dir_subtree(void **state)
{
    static const struct mem_entry l0[] = {DIR_("opt/app/"), REG("opt/app/a", "1"),
                                          REG("opt/app/sub/b", "2"), REG("opt/keep", "3")};
    static const struct mem_entry l1[] = {REG("opt/.wh.app", "")};
    struct moat_fs *fs = new_fs(2, NULL);

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    assert_null(mem_get(fs, "opt/app"));
    assert_null(mem_get(fs, "opt/app/sub/b"));
    assert_non_null(mem_get(fs, "opt/keep"));
    assert_int_equal(mem_raw(fs, "opt/app")->deleted_in, 1);
    assert_int_equal(mem_raw(fs, "opt/app/a")->deleted_in, 1);
    assert_int_equal(mem_raw(fs, "opt/app/sub/b")->deleted_in, 1);
    moat_fs_free(fs);
}

static void test_opaque_keeps_same_layer(void **state)
{
    static const struct mem_entry l0[] = {REG("d/old", "o"), REG("d/c/x", "x"), REG("d/e/z", "z")};
    /* new1 comes before the marker, new2 after; d/c/y passes through a lower dir */
    static const struct mem_entry l1[] = {DIR_("d/"), REG("d/new1", "1"), REG("d/c/y", "y"),
                                          REG("d/.wh..wh..opq", ""), REG("d/new2", "2")};
    struct moat_fs *fs = new_fs(2, NULL);

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    assert_non_null(mem_get(fs, "d"));
    assert_non_null(mem_get(fs, "d/new1"));
    assert_non_null(mem_get(fs, "d/new2"));
    assert_non_null(mem_get(fs, "d/c/y"));
    assert_null(mem_get(fs, "d/old"));
    assert_null(mem_get(fs, "d/c/x"));
    assert_null(mem_get(fs, "d/e"));
    assert_int_equal(mem_raw(fs, "d/old")->deleted_in, 1);
    assert_int_equal(mem_raw(fs, "d/e/z")->deleted_in, 1);
    assert_null(mem_raw(fs, "d/.wh..wh..opq"));
    moat_fs_free(fs);
}

static void test_readd_after_delete_keeps_history(void **state)
{
    static const struct mem_entry l0[] = {REG("etc/key", "v0")};
    static const struct mem_entry l1[] = {REG("etc/.wh.key", "")};
    static const struct mem_entry l2[] = {REG("etc/key", "v2-longer")};
    static const struct mem_entry l3[] = {REG("etc/key", "v3")};
    struct moat_fs *fs = new_fs(4, NULL);
    const struct moat_fs_node *n;

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 2, l2, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 3, l3, NULL), 0);
    n = mem_get(fs, "etc/key");
    assert_non_null(n);
    assert_int_equal(n->layer, 3);
    assert_int_equal(n->size, 2);
    assert_int_equal(n->deleted_in, -1);
    assert_non_null(n->prev);
    assert_int_equal(n->prev->layer, 2);
    assert_int_equal(n->prev->size, 9);
    assert_non_null(n->prev->prev);
    assert_int_equal(n->prev->prev->layer, 0);
    assert_int_equal(n->prev->prev->deleted_in, 1);
    assert_null(n->prev->prev->prev);
    assert_ptr_equal(n->prev->prev->parent, n->parent);
    moat_fs_free(fs);
}

static void test_file_dir_replacement(void **state)
{
    static const struct mem_entry l0[] = {REG("a/f", "file"), REG("a/d/x", "x"),
                                          REG("a/d/y/z", "z")};
    static const struct mem_entry l1[] = {DIR_("a/f/"), REG("a/f/inner", "i"), REG("a/d", "now")};
    struct moat_fs *fs = new_fs(2, NULL);
    const struct moat_fs_node *f, *d;

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    f = mem_get(fs, "a/f");
    assert_non_null(f);
    assert_int_equal(f->type, MOAT_FT_DIR);
    assert_non_null(mem_get(fs, "a/f/inner"));
    assert_non_null(f->prev);
    assert_int_equal(f->prev->type, MOAT_FT_REG);
    d = mem_get(fs, "a/d");
    assert_int_equal(d->type, MOAT_FT_REG);
    assert_null(mem_get(fs, "a/d/x"));
    assert_null(moat_fs_first_child(d));
    /* the old directory, and what was in it, stay reachable as history */
    assert_non_null(d->prev);
    assert_int_equal(d->prev->type, MOAT_FT_DIR);
    assert_non_null(moat_fs_first_child(d->prev));
    for (const struct moat_fs_node *c = moat_fs_first_child(d->prev); c;
         c = moat_fs_next_sibling(c))
        assert_int_equal(c->deleted_in, 1);
    moat_fs_free(fs);
}

static void test_hardlink_lower_layer(void **state)
{
    static const struct mem_entry l0[] = {REG("bin/busybox", "ELF..busybox")};
    static const struct mem_entry l1[] = {HARD("bin/sh", "bin/busybox"),
                                          HARD("/bin/ls", "./bin/sh")};
    struct moat_fs *fs = new_fs(2, NULL);
    const struct moat_fs_node *bb, *sh, *ls;

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    bb = mem_get(fs, "bin/busybox");
    sh = mem_get(fs, "bin/sh");
    ls = mem_get(fs, "bin/ls");
    assert_int_equal(sh->type, MOAT_FT_REG);
    assert_ptr_equal(sh->hardlink, bb);
    assert_ptr_equal(ls->hardlink, bb); /* links to links name the file itself */
    assert_int_equal(sh->size, 12);
    assert_int_equal(sh->layer, 1);
    moat_fs_free(fs);
}

static void test_hardlink_missing_target(void **state)
{
    static const struct mem_entry l0[] = {REG("a", "1"), REG(".wh.a", "")};
    static const struct mem_entry l1[] = {HARD("b", "nope")};
    static const struct mem_entry l2[] = {HARD("b", "a")};
    static const struct mem_entry l3[] = {HARD("b", "../../etc/shadow")};
    static const struct mem_entry l4[] = {DIR_("dir"), HARD("b", "dir")};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = new_fs(5, NULL);

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, &err), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, &err), -MOAT_E_NOTFOUND);
    assert_string_equal(moat_err_msg(&err),
                        "layer 1: entry 'b': hard link target 'nope' does not exist");
    assert_int_equal(MEM_APPLY(fs, 2, l2, &err), -MOAT_E_NOTFOUND); /* deleted: gone */
    assert_int_equal(MEM_APPLY(fs, 3, l3, &err), -MOAT_E_UNSAFE);
    assert_string_equal(moat_err_msg(&err), "layer 3: entry 'b': hard link target "
                                            "'../../etc/shadow' escapes the image root");
    assert_int_equal(MEM_APPLY(fs, 4, l4, &err), -MOAT_E_FORMAT);
    moat_err_clear(&err);
    moat_fs_free(fs);
}

static void test_traversal_rejected(void **state)
{
    static const struct mem_entry l0[] = {REG("ok", "1")};
    static const struct mem_entry l1[] = {REG("../../etc/passwd", "x")};
    static const struct mem_entry l2[] = {REG("a/../../b", "x")};
    static const struct mem_entry l3[] = {REG("a/b/../../c", "x"), REG("/d/./e//f/..", "y")};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = new_fs(4, NULL);

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, &err), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, &err), -MOAT_E_UNSAFE);
    assert_string_equal(moat_err_msg(&err),
                        "layer 1: entry '../../etc/passwd' escapes the image root");
    assert_int_equal(MEM_APPLY(fs, 2, l2, &err), -MOAT_E_UNSAFE);
    assert_int_equal(MEM_APPLY(fs, 3, l3, &err), 0); /* ".." that stays inside is fine */
    assert_non_null(mem_get(fs, "c"));
    assert_int_equal(mem_get(fs, "d/e")->type, MOAT_FT_REG);
    assert_null(mem_get(fs, "etc"));
    moat_err_clear(&err);
    moat_fs_free(fs);
}

static void test_absolute_paths_normalised(void **state)
{
    static const struct mem_entry l0[] = {DIR_("/"), DIR_("./usr/"), REG("/usr//bin/./env", "e"),
                                          REG("./usr/lib/x/", "x")};
    struct moat_fs *fs = new_fs(1, NULL);
    const struct moat_fs_node *n;
    char path[64];

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    n = mem_get(fs, "usr/bin/env");
    assert_non_null(n);
    assert_int_equal(moat_fs_node_path(n, path, sizeof(path)), 0);
    assert_string_equal(path, "usr/bin/env");
    assert_int_equal(moat_fs_node_path(n, path, 5), -MOAT_E_LIMIT);
    assert_true(mem_get(fs, "usr/bin")->implicit);
    assert_false(mem_get(fs, "usr")->implicit);
    assert_int_equal(moat_fs_node_path(moat_fs_root(fs), path, sizeof(path)), 0);
    assert_string_equal(path, "");
    assert_non_null(mem_get(fs, "usr/lib/x"));
    moat_fs_free(fs);
}

static void test_deep_and_long_paths_rejected(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = new_fs(3, NULL);
    size_t deep = MOAT_MAX_PATH_DEPTH + 1, cap = deep * 2 + 1;
    char *p = malloc(cap), *q = malloc(MOAT_MAX_PATH_LEN + 2);
    struct mem_entry e1[1] = {REG(p, "x")}, e2[1] = {REG(q, "x")}, e0[1] = {REG(p, "x")};

    (void)state;
    for (size_t i = 0; i < deep; i++)
        memcpy(p + 2 * i, "a/", 2);
    p[2 * deep - 1] = '\0'; /* 257 components */
    assert_int_equal(MEM_APPLY(fs, 0, e1, &err), -MOAT_E_LIMIT);
    assert_non_null(strstr(moat_err_msg(&err), "layer 0: entry 'a/a/a/"));
    memset(q, 'b', MOAT_MAX_PATH_LEN + 1);
    q[MOAT_MAX_PATH_LEN + 1] = '\0';
    assert_int_equal(MEM_APPLY(fs, 1, e2, &err), -MOAT_E_LIMIT);
    p[2 * (deep - 1) - 1] = '\0'; /* exactly 256 components is fine */
    assert_int_equal(MEM_APPLY(fs, 2, e0, &err), 0);
    moat_err_clear(&err);
    free(p);
    free(q);
    moat_fs_free(fs);
}

static void test_bad_entries(void **state)
{
    static const struct mem_entry l0[] = {REG("d/.wh..", "")};
    static const struct mem_entry l1[] = {{(enum moat_ftype)99, "x", NULL, NULL, 0, 0}};
    static const struct mem_entry l2[] = {REG("/", "x")};
    static const struct mem_entry l3[] = {{MOAT_FT_SYMLINK, "s", NULL, NULL, 0, 0}};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = new_fs(6, NULL);

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, &err), -MOAT_E_FORMAT);
    assert_int_equal(MEM_APPLY(fs, 1, l1, &err), -MOAT_E_FORMAT);
    assert_int_equal(MEM_APPLY(fs, 2, l2, &err), -MOAT_E_FORMAT);
    assert_int_equal(MEM_APPLY(fs, 3, l3, &err), -MOAT_E_FORMAT);
    assert_int_equal(MEM_APPLY(fs, 3, l3, &err), -MOAT_E_ARG); /* out of order */
    assert_int_equal(MEM_APPLY(fs, 6, l3, &err), -MOAT_E_ARG);
    moat_err_clear(&err);
    moat_fs_free(fs);
}

struct nul_reader {
    struct moat_entry_reader base;
    const char *path;
    size_t path_len;
    int done;
};

static int nul_next(struct moat_entry_reader *r, struct moat_entry *e, struct moat_err *err)
{
    struct nul_reader *n = (struct nul_reader *)r;

    (void)err;
    if (n->done++)
        return 0;
    memset(e, 0, sizeof(*e));
    e->path = n->path;
    e->path_len = n->path_len;
    e->type = MOAT_FT_DIR;
    return 1;
}

static const struct moat_entry_reader_ops nul_ops = {nul_next, mem_read, mem_close};

static void test_embedded_nul(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs *fs = new_fs(2, NULL);
    struct nul_reader a = {{&nul_ops}, "etc\0passwd", 10, 0};
    struct nul_reader b = {{&nul_ops}, "etc/passwd", 3, 0};

    (void)state;
    assert_int_equal(moat_fs_apply_layer(fs, 0, &a.base, &err), -MOAT_E_FORMAT);
    assert_int_equal(moat_fs_apply_layer(fs, 1, &b.base, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "layer 1: entry 'etc'"));
    moat_err_clear(&err);
    moat_fs_free(fs);
}

static void test_symlink_parent_kept(void **state)
{
    static const struct mem_entry l0[] = {DIR_("usr/lib/"), SYM("lib", "usr/lib"),
                                          REG("usr/lib/libc.so", "c")};
    static const struct mem_entry l1[] = {REG("lib/evil.so", "e")};
    struct moat_fs *fs = new_fs(2, NULL);
    const struct moat_fs_node *n;

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    /* the symlink is not replaced, so lookups through it still work */
    assert_int_equal(moat_fs_lookup(fs, "lib/libc.so", true, &n, NULL), 0);
    assert_int_equal(mem_get(fs, "lib")->type, MOAT_FT_SYMLINK);
    /* the entry written through it is kept as recorded */
    assert_non_null(mem_raw(fs, "lib/evil.so"));
    moat_fs_free(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whiteout_file),
        cmocka_unit_test(test_whiteout_dir_subtree),
        cmocka_unit_test(test_opaque_keeps_same_layer),
        cmocka_unit_test(test_readd_after_delete_keeps_history),
        cmocka_unit_test(test_file_dir_replacement),
        cmocka_unit_test(test_hardlink_lower_layer),
        cmocka_unit_test(test_hardlink_missing_target),
        cmocka_unit_test(test_traversal_rejected),
        cmocka_unit_test(test_absolute_paths_normalised),
        cmocka_unit_test(test_deep_and_long_paths_rejected),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_symlink_parent_kept),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
