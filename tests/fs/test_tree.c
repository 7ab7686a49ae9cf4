/*
 * test_tree.c - the compact merged view (fs_int.h): per-directory name
 * tables (scan to table, tag collisions, the same name in many
 * directories), whiteouts and opaque directories in big directories, deep
 * paths and the remembered last directory, public nodes made on demand and
 * kept current, the walker's temporaries, and a million entries in bounded
 * memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "moat/base/limits.h"
#include "moat/fs/fs.h"
#include "fs/fs_int.h" /* the view's memory */
#include "mem_reader.h"

static struct moat_fs *new_fs(size_t layers)
{
    struct moat_fs *fs = NULL;

    assert_int_equal(moat_fs_new(layers, NULL, &fs, NULL), 0);
    return fs;
}

/*
 * A layer made on the fly: entry i is name(i) (a regular file of i % 7
 * bytes), so big layers cost no arrays.
 */
struct gen {
    struct moat_entry_reader base;
    size_t i, n;
    void (*name)(size_t i, char *out, size_t cap);
    char path[256];
    uint64_t left;
};

static int gen_next(struct moat_entry_reader *r, struct moat_entry *e, struct moat_err *err)
{
    struct gen *g = (struct gen *)r;

    (void)err;
    if (g->i >= g->n)
        return 0;
    g->name(g->i, g->path, sizeof(g->path));
    memset(e, 0, sizeof(*e));
    e->path = g->path;
    e->path_len = strlen(g->path);
    e->type = MOAT_FT_REG;
    e->mode = 0644;
    e->size = g->left = g->i % 7;
    e->mtime = 1700000000;
    g->i++;
    return 1;
}

static ssize_t gen_read(struct moat_entry_reader *r, void *buf, size_t n, struct moat_err *err)
{
    struct gen *g = (struct gen *)r;

    (void)err;
    if (n > g->left)
        n = (size_t)g->left;
    memset(buf, 'x', n);
    g->left -= n;
    return (ssize_t)n;
}

static int gen_close(struct moat_entry_reader *r, struct moat_err *err)
{
    (void)r;
    (void)err;
    return 0;
}

static const struct moat_entry_reader_ops gen_ops = {gen_next, gen_read, gen_close};

static int gen_apply(struct moat_fs *fs, uint32_t layer, size_t n,
                     void (*name)(size_t i, char *out, size_t cap))
{
    struct gen g = {.base = {&gen_ops}, .n = n, .name = name};
    struct moat_err err = MOAT_ERR_INIT;
    int rc = moat_fs_apply_layer(fs, layer, &g.base, &err);

    if (rc < 0)
        fprintf(stderr, "%s\n", moat_err_msg(&err));
    moat_err_clear(&err);
    return rc;
}

static void flat_name(size_t i, char *out, size_t cap)
{
    snprintf(out, cap, "big/entry-%zu", i);
}

static void flat_rewrite(size_t i, char *out, size_t cap)
{
    /* every 7th rewritten, every 11th deleted, the rest untouched */
    if (i % 11 == 0)
        snprintf(out, cap, "big/.wh.entry-%zu", i);
    else
        snprintf(out, cap, "big/entry-%zu", i % 7 == 0 ? i : i + 1000000);
}

/* 20000 names in one directory: 9-bit tags collide all the time; probes must still decide. */
static void test_big_directory(void **state)
{
    struct moat_fs *fs = new_fs(2);
    char p[64];
    size_t live = 0, listed = 0, want_listed = 0, want_deleted = 0;

    (void)state;
    assert_int_equal(gen_apply(fs, 0, 20000, flat_name), 0);
    assert_int_equal(gen_apply(fs, 1, 20000, flat_rewrite), 0);
    for (size_t i = 0; i < 20000; i++) {
        const struct moat_fs_node *n;

        snprintf(p, sizeof(p), "big/entry-%zu", i);
        n = mem_get(fs, p);
        if (i % 11 == 0) {
            assert_null(n);
            assert_int_equal(mem_raw(fs, p)->deleted_in, 1);
        } else {
            assert_non_null(n);
            assert_string_equal(n->name, p + 4);
            assert_int_equal(n->layer, i % 7 == 0 ? 1 : 0);
            assert_int_equal(n->prev != NULL, i % 7 == 0);
            assert_int_equal(n->size, i % 7);
        }
    }
    /* names only the rewrite layer wrote, and names nobody wrote */
    assert_non_null(mem_get(fs, "big/entry-1000001"));
    assert_null(mem_get(fs, "big/entry-20000"));
    assert_null(mem_get(fs, "big/entry-"));
    assert_null(mem_get(fs, "big/entry-0")); /* deleted */
    for (const struct moat_fs_node *c = moat_fs_first_child(mem_get(fs, "big")); c;
         c = moat_fs_next_sibling(c)) {
        listed++;
        live += c->deleted_in < 0;
    }
    /* the current version of every name: 20000, and those only layer 1 wrote */
    for (size_t i = 0; i < 20000; i++) {
        want_listed += (i % 11 != 0 && i % 7 != 0) ? 2u : 1u;
        want_deleted += i % 11 == 0;
    }
    assert_int_equal(listed, want_listed);
    assert_int_equal(live, want_listed - want_deleted);
    moat_fs_free(fs);
}

/* A directory is scanned while small and gets a table as it grows: lookups agree all along. */
static void test_scan_then_table(void **state)
{
    struct mem_entry l0[60], l1[1];
    char names[40][16];
    struct moat_fs *fs = new_fs(2);
    size_t versions = 0;

    (void)state;
    for (size_t i = 0; i < 40; i++)
        snprintf(names[i], sizeof(names[i]), "d/f%zu", i);
    /* f0 twenty times first (the list grows, the names do not), then f0..f39 */
    for (size_t i = 0; i < 60; i++)
        l0[i] = (struct mem_entry)REG(names[i < 20 ? 0 : i - 20], "v0");
    for (size_t n = 1; n <= 60; n++) {
        moat_fs_free(fs);
        fs = new_fs(2);
        assert_int_equal(mem_apply(fs, 0, l0, n, NULL), 0);
        for (size_t i = 0; i < 40; i++) {
            const struct moat_fs_node *f = mem_get(fs, names[i]);

            if (i < (n > 20 ? n - 20 : 1)) {
                assert_non_null(f);
                assert_string_equal(f->name, names[i] + 2);
            } else {
                assert_null(f);
            }
        }
    }
    l1[0] = (struct mem_entry)REG("d/.wh.f3", "");
    assert_int_equal(mem_apply(fs, 1, l1, 1, NULL), 0);
    assert_null(mem_get(fs, "d/f3"));
    assert_non_null(mem_get(fs, "d/f4"));
    for (const struct moat_fs_node *v = mem_get(fs, "d/f0"); v != NULL; v = v->prev)
        versions++;
    assert_int_equal(versions, 21);
    moat_fs_free(fs);
}

static void same_name(size_t i, char *out, size_t cap)
{
    snprintf(out, cap, "site/d%zu/index.html", i);
}

/* The same name in 5000 directories: each lookup finds its own. */
static void test_same_name_everywhere(void **state)
{
    struct moat_fs *fs = new_fs(1);
    char p[64];

    (void)state;
    assert_int_equal(gen_apply(fs, 0, 5000, same_name), 0);
    for (size_t i = 0; i < 5000; i++) {
        const struct moat_fs_node *n;

        snprintf(p, sizeof(p), "site/d%zu/index.html", i);
        n = mem_get(fs, p);
        assert_non_null(n);
        assert_int_equal(n->size, i % 7);
        snprintf(p, sizeof(p), "d%zu", i);
        assert_string_equal(n->parent->name, p);
        assert_ptr_equal(n->parent->parent, mem_get(fs, "site"));
    }
    moat_fs_free(fs);
}

static void thousand(size_t i, char *out, size_t cap)
{
    snprintf(out, cap, "var/cache/pkg%zu/file%zu", i % 10, i);
}

/* Opaque markers and directory whiteouts in big directories, and what stays as history. */
static void test_opaque_and_whiteout_big(void **state)
{
    static const struct mem_entry l1[] = {
        REG("var/cache/pkg3/.wh..wh..opq", ""), REG("var/cache/pkg3/new", "n"),
        REG("var/cache/.wh.pkg4", ""), REG("var/cache/pkg4/again", "a")};
    static const struct mem_entry l2[] = {DIR_("var/cache/pkg5/"), REG("var/.wh.cache", ""),
                                          REG("var/cache/only", "o")};
    struct moat_fs *fs = new_fs(3);
    char p[64];

    (void)state;
    assert_int_equal(gen_apply(fs, 0, 1000, thousand), 0);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    for (size_t i = 0; i < 1000; i++) {
        snprintf(p, sizeof(p), "var/cache/pkg%zu/file%zu", i % 10, i);
        if (i % 10 == 3) {
            assert_null(mem_get(fs, p));
            assert_int_equal(mem_raw(fs, p)->deleted_in, 1); /* hidden where it was */
        } else if (i % 10 == 4) {
            assert_null(mem_get(fs, p));
            assert_null(
                mem_raw(fs, p)); /* the directory is a new one: its files stay with the old */
        } else {
            assert_non_null(mem_get(fs, p));
        }
    }
    assert_non_null(mem_get(fs, "var/cache/pkg3/new"));
    assert_non_null(mem_get(fs, "var/cache/pkg4/again"));
    /* pkg4 was deleted and made again: the old version keeps its 100 files, all deleted */
    assert_non_null(mem_get(fs, "var/cache/pkg4")->prev);
    assert_int_equal(mem_get(fs, "var/cache/pkg4")->prev->deleted_in, 1);
    {
        size_t old = 0;

        for (const struct moat_fs_node *c =
                 moat_fs_first_child(mem_get(fs, "var/cache/pkg4")->prev);
             c != NULL; c = moat_fs_next_sibling(c)) {
            assert_int_equal(c->deleted_in, 1);
            old++;
        }
        assert_int_equal(old, 100);
    }
    assert_int_equal(MEM_APPLY(fs, 2, l2, NULL), 0);
    assert_null(mem_get(fs, "var/cache/pkg5"));
    assert_null(mem_get(fs, "var/cache/pkg3/new"));
    assert_non_null(mem_get(fs, "var/cache/only"));
    assert_int_equal(mem_raw(fs, "var/cache")->prev->deleted_in, 2);
    moat_fs_free(fs);
}

/* Deep paths, and the remembered directory when something on its way changes. */
static void test_deep_paths_and_dir_cache(void **state)
{
    static const struct mem_entry l0[] = {
        REG("a/b/c/f1", "1"), REG("a/.wh.b", ""),     REG("a/b/c/f2", "2"), /* b gone, then again */
        REG("x/y/g1", "1"),   REG("x", "now a file"), REG("x2/y/g2", "2"),
    };
    static const struct mem_entry l1[] = {REG("x/y/g3", "3")}; /* x a directory again */
    struct moat_fs *fs = new_fs(2);
    char *deep = malloc(MOAT_MAX_PATH_DEPTH * 2 + 8);
    struct mem_entry one[1];
    struct moat_err err = MOAT_ERR_INIT;
    size_t o = 0;

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    assert_null(mem_get(fs, "a/b/c/f1"));
    assert_non_null(mem_get(fs, "a/b/c/f2"));
    assert_true(mem_get(fs, "a/b")->implicit);
    assert_int_equal(mem_get(fs, "x")->type, MOAT_FT_REG);
    assert_int_equal(mem_get(fs, "x")->prev->type, MOAT_FT_DIR);
    assert_int_equal(mem_raw(fs, "x")->prev->deleted_in, -1); /* replaced, not whited out */
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    assert_int_equal(mem_get(fs, "x")->type, MOAT_FT_DIR);
    assert_non_null(mem_get(fs, "x/y/g3"));
    assert_null(mem_get(fs, "x/y/g1"));
    moat_fs_free(fs);
    /* MOAT_MAX_PATH_DEPTH components are fine, one more is not */
    fs = new_fs(1);
    for (size_t i = 0; i < MOAT_MAX_PATH_DEPTH; i++) {
        deep[o++] = 'd';
        deep[o++] = '/';
    }
    deep[o - 1] = '\0';
    one[0] = (struct mem_entry)REG(deep, "deep");
    assert_int_equal(mem_apply(fs, 0, one, 1, &err), 0);
    assert_non_null(mem_get(fs, deep));
    {
        char buf[MOAT_MAX_PATH_LEN + 1];

        assert_int_equal(moat_fs_node_path(mem_get(fs, deep), buf, sizeof(buf)), 0);
        assert_string_equal(buf, deep);
    }
    moat_fs_free(fs);
    fs = new_fs(1);
    deep[o - 1] = '/';
    deep[o] = 'e';
    deep[o + 1] = '\0';
    one[0] = (struct mem_entry)REG(deep, "too deep");
    assert_int_equal(mem_apply(fs, 0, one, 1, &err), -MOAT_E_LIMIT);
    moat_err_clear(&err);
    moat_fs_free(fs);
    free(deep);
}

struct seen {
    const struct moat_fs_node *kept;
    bool kept_seen, parent_ok;
    size_t n;
};

static int look(void *ctx, const char *path, const struct moat_fs_node *node)
{
    struct seen *s = ctx;
    char buf[256];

    s->n++;
    if (node == s->kept)
        s->kept_seen = true;
    if (moat_fs_node_path(node, buf, sizeof(buf)) != 0 || strcmp(buf, path) != 0)
        s->parent_ok = false;
    return 0;
}

/* Nodes are made on demand, kept, and follow their record; the walker shares kept ones. */
static void test_nodes_follow_records(void **state)
{
    static const struct mem_entry l0[] = {DIR_("etc/"), REG("etc/passwd", "root"),
                                          REG("etc/shadow", "s"), REG("usr/bin/tool", "t")};
    static const struct mem_entry l1[] = {REG("etc/.wh.shadow", ""),
                                          {MOAT_FT_DIR, "etc/", NULL, NULL, 0, 0700}};
    struct moat_fs *fs = new_fs(2);
    const struct moat_fs_node *shadow, *etc, *tool;
    struct seen s = {.parent_ok = true};

    (void)state;
    assert_int_equal(MEM_APPLY(fs, 0, l0, NULL), 0);
    shadow = mem_get(fs, "etc/shadow");
    etc = mem_get(fs, "etc");
    assert_ptr_equal(mem_get(fs, "/etc/shadow"), shadow);
    assert_ptr_equal(shadow->parent, etc);
    assert_int_equal(etc->mode, 0755);
    assert_int_equal(MEM_APPLY(fs, 1, l1, NULL), 0);
    /* the same objects, now saying what the records say */
    assert_int_equal(shadow->deleted_in, 1);
    assert_ptr_equal(mem_raw(fs, "etc/shadow"), shadow);
    assert_int_equal(etc->mode, 0700);
    assert_non_null(etc->prev);
    assert_int_equal(etc->prev->mode, 0755);
    assert_ptr_equal(mem_get(fs, "etc"), etc);
    /* the walker hands out kept nodes as they are, temporaries with a valid parent chain */
    tool = mem_get(fs, "usr/bin/tool");
    s.kept = tool;
    assert_int_equal(moat_fs_walk(fs, look, &s), 0);
    assert_true(s.kept_seen);
    assert_true(s.parent_ok);
    assert_int_equal(s.n, 6); /* /, etc, etc/passwd, usr, usr/bin, usr/bin/tool */
    moat_fs_free(fs);
}

static int count_cb(void *ctx, const char *path, const struct moat_fs_node *node)
{
    (void)path;
    (void)node;
    ++*(size_t *)ctx;
    return 0;
}

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void million(size_t i, char *out, size_t cap)
{
    /* 100 per directory, three levels, names of a realistic length */
    snprintf(out, cap, "opt/data/p%03zu/q%02zu/module_%07zu.py", i / 10000, i / 100 % 100, i);
}

static void million_churn(size_t i, char *out, size_t cap)
{
    if (i % 100 == 50)
        snprintf(out, cap, "opt/data/p%03zu/q%02zu/.wh.module_%07zu.py", i / 10000, i / 100 % 100,
                 i);
    else
        million(i, out, cap);
}

/* A million entries: memory per entry stays small, lookups and a walk still right. */
static void test_million_entries(void **state)
{
    struct moat_fs *fs = new_fs(2);
    size_t bytes, walked = 0;
    double t0 = cpu_now(), t1;
    char p[80];

    (void)state;
    assert_int_equal(gen_apply(fs, 0, 1000000, million), 0);
    assert_int_equal(gen_apply(fs, 1, 20000, million_churn), 0);
    t1 = cpu_now();
    bytes = fs_mem_bytes(fs);
    printf("# %zu records, %zu KiB: %zu bytes per record (struct %zu), merged in %.2f s\n",
           fs->n_nodes, bytes / 1024, bytes / fs->n_nodes, sizeof(struct fs_rec), t1 - t0);
    assert_true(bytes / fs->n_nodes <= 64);
#ifndef MEM_SLOW_BUILD
    assert_true(t1 - t0 < 3.0);
#endif
    for (size_t i = 0; i < 1000000; i += 997) {
        million(i, p, sizeof(p));
        if (i < 20000 && i % 100 == 50)
            assert_null(mem_get(fs, p));
        else
            assert_non_null(mem_get(fs, p));
    }
    assert_int_equal(moat_fs_walk(fs, count_cb, &walked), 0);
    /* 1M files - 200 deleted + 100 q dirs * 100 p dirs + p dirs + opt, opt/data, root */
    assert_int_equal(walked, 1000000 - 200 + 10000 + 100 + 3);
    moat_fs_free(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_directory),
        cmocka_unit_test(test_scan_then_table),
        cmocka_unit_test(test_same_name_everywhere),
        cmocka_unit_test(test_opaque_and_whiteout_big),
        cmocka_unit_test(test_deep_paths_and_dir_cache),
        cmocka_unit_test(test_nodes_follow_records),
        cmocka_unit_test(test_million_entries),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
