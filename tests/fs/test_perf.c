/*
 * test_perf.c - a 100k-entry layer (big flat directories, like
 * usr/share/doc) merges in well under half a second, and the view stays
 * small per node. Times are CPU time, so a busy machine does not fail it.
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

#include "moat/fs/fs.h"
#include "fs/fs_int.h" /* to measure the view's memory */
#include "mem_reader.h"

#define N 100000

#ifdef MEM_SLOW_BUILD
#define LIMIT_S 5.0
#else
#define LIMIT_S 0.5
#endif

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count(void *ctx, const char *path, const struct moat_fs_node *node)
{
    (void)path;
    (void)node;
    ++*(size_t *)ctx;
    return 0;
}

static void test_100k_entries(void **state)
{
    struct mem_entry *l0 = calloc(N, sizeof(*l0)), *l1 = calloc(N / 2, sizeof(*l1));
    char *names = malloc((size_t)N * 64), *names1 = malloc((size_t)N / 2 * 64);
    struct moat_fs *fs = NULL;
    const struct moat_fs_node *n;
    size_t walked = 0;
    double t0, t1;
    double limit = LIMIT_S;

    (void)state;
    assert_non_null(l0);
    assert_non_null(names);
    for (size_t i = 0; i < N; i++) {
        char *p = names + i * 64;

        /* 60% in one directory, the rest spread over 500 package directories */
        if (i % 5 < 3)
            snprintf(p, 64, "usr/lib/x86_64-linux-gnu/lib%zu.so.1", i);
        else
            snprintf(p, 64, "usr/share/doc/pkg%zu/copyright%zu", i % 500, i);
        l0[i] = (struct mem_entry)REG(p, "");
    }
    for (size_t i = 0; i < N / 2; i++) {
        char *p = names1 + i * 64;

        if (i % 2)
            snprintf(p, 64, "usr/lib/x86_64-linux-gnu/.wh.lib%zu.so.1",
                     i * 2 + 1 - (i * 2 + 1) % 5);
        else
            snprintf(p, 64, "usr/lib/x86_64-linux-gnu/lib%zu.so.1", i);
        l1[i] = (struct mem_entry)REG(p, "");
    }
    t0 = now();
    assert_int_equal(moat_fs_new(2, NULL, &fs, NULL), 0);
    assert_int_equal(mem_apply(fs, 0, l0, N, NULL), 0);
    assert_int_equal(mem_apply(fs, 1, l1, N / 2, NULL), 0);
    t1 = now();
    printf("# 150k entries merged in %.3f s\n", t1 - t0);
    assert_true(t1 - t0 < limit);
    assert_int_equal(moat_fs_lookup(fs, "usr/lib/x86_64-linux-gnu/lib99996.so.1", true, &n, NULL),
                     0);
    assert_int_equal(moat_fs_lookup(fs, "usr/lib/x86_64-linux-gnu/lib99995.so.1", true, &n, NULL),
                     -MOAT_E_NOTFOUND);
    assert_int_equal(moat_fs_lookup(fs, "usr/share/doc/pkg4/copyright99504", true, &n, NULL), 0);
    {
        size_t bytes = fs_mem_bytes(fs);

        printf("# %zu nodes, %zu KiB: %zu bytes per node (record %zu)\n", fs->n_nodes, bytes / 1024,
               bytes / fs->n_nodes, sizeof(struct fs_rec));
        assert_true(bytes / fs->n_nodes < 64);
    }
    t0 = now();
    assert_int_equal(moat_fs_walk(fs, count, &walked), 0);
    t1 = now();
    printf("# walked %zu live nodes in %.3f s\n", walked, t1 - t0);
    assert_true(walked > N / 2);
    assert_true(t1 - t0 < limit);
    moat_fs_free(fs);
    free(l0);
    free(l1);
    free(names);
    free(names1);
}

/* Deleting and re-creating a huge directory over and over must not rescan it. */
static void test_whiteout_churn_is_linear(void **state)
{
    struct mem_entry *l0 = calloc(N / 2, sizeof(*l0)), *l1 = calloc(N, sizeof(*l1));
    char *names = malloc((size_t)N / 2 * 32);
    struct moat_fs *fs = NULL;
    double t0, t1;

    (void)state;
    for (size_t i = 0; i < N / 2; i++) {
        snprintf(names + i * 32, 32, "d/f%zu", i);
        l0[i] = (struct mem_entry)REG(names + i * 32, "");
    }
    for (size_t i = 0; i < N; i++)
        l1[i] = i % 4 == 0   ? (struct mem_entry)REG(".wh.d", "")
                : i % 4 == 1 ? (struct mem_entry)DIR_("d/")
                : i % 4 == 2 ? (struct mem_entry)REG("d/.wh..wh..opq", "")
                             : (struct mem_entry)REG("d/f1", "");
    t0 = now();
    assert_int_equal(moat_fs_new(2, NULL, &fs, NULL), 0);
    assert_int_equal(mem_apply(fs, 0, l0, N / 2, NULL), 0);
    assert_int_equal(mem_apply(fs, 1, l1, N, NULL), 0);
    t1 = now();
    printf("# 50k files, 100k whiteout/re-create entries in %.3f s\n", t1 - t0);
    assert_true(t1 - t0 < LIMIT_S);
    moat_fs_free(fs);
    free(l0);
    free(l1);
    free(names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_100k_entries),
        cmocka_unit_test(test_whiteout_churn_is_linear),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
