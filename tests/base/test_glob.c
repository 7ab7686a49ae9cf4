/*
 * test_glob.c - --skip-files / --skip-dirs patterns (base/glob.c): segments
 * with fnmatch, "**" across any number of segments, leading "/" and "./"
 * dropped, directories holding a path, and a pattern built to explode a
 * naive backtracking matcher answered at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "moat/base/glob.h"

static void test_files(void **state)
{
    (void)state;
    assert_true(moat_glob_match("etc/passwd", "etc/passwd"));
    assert_true(moat_glob_match("/etc/passwd", "etc/passwd"));
    assert_true(moat_glob_match("./etc/passwd", "etc/passwd"));
    assert_false(moat_glob_match("etc/passw", "etc/passwd"));
    assert_false(moat_glob_match("etc", "etc/passwd"));
    assert_true(moat_glob_match("etc/*", "etc/passwd"));
    assert_false(moat_glob_match("*", "etc/passwd")); /* "*" stays within a segment */
    assert_true(moat_glob_match("**/passwd", "etc/passwd"));
    assert_true(moat_glob_match("**/passwd", "passwd")); /* "**" may be no segment at all */
    assert_true(moat_glob_match("**", "a/b/c"));
    assert_true(moat_glob_match("srv/**/*.pem", "srv/a/b/key.pem"));
    assert_true(moat_glob_match("srv/**/*.pem", "srv/key.pem"));
    assert_true(moat_glob_match("srv/**/*.pem", "srv/.hidden.pem")); /* as Go's filepath.Match */
    assert_false(moat_glob_match("srv/**/*.pem", "srv/a/key.pem.bak"));
    assert_true(moat_glob_match("app/[ab]?.conf", "app/a1.conf"));
    assert_false(moat_glob_match("app/[ab]?.conf", "app/c1.conf"));
    assert_true(moat_glob_match("a/**/**/b", "a/b"));
    assert_true(moat_glob_match("a//b", "a/b"));
}

static void test_dirs(void **state)
{
    (void)state;
    assert_true(moat_glob_match_dir("usr/lib", "usr/lib/x/y.so"));
    assert_true(moat_glob_match_dir("/usr/lib", "usr/lib/y.so"));
    assert_false(
        moat_glob_match_dir("usr/lib", "usr/lib")); /* the directory itself is no file in it */
    assert_false(moat_glob_match_dir("usr/lib", "usr/libexec/y"));
    assert_true(moat_glob_match_dir("**/node_modules", "app/node_modules/x/package.json"));
    assert_true(moat_glob_match_dir("testdata/*", "testdata/a/b"));
    assert_false(moat_glob_match_dir("testdata/*", "testdata/b"));
    assert_false(moat_glob_match_dir("x", ""));
    assert_false(moat_glob_match_dir("x", "x"));
}

/* 100 "**" segments against 200 segments that never match: bounded, not exponential. */
/* Append n copies of piece and then tail to buf (cap bytes). */
static void build(char *buf, size_t cap, const char *piece, int n, const char *tail)
{
    size_t len = 0;

    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s", piece);
    snprintf(buf + len, cap - len, "%s", tail);
}

/* 100 "**" segments against 200 segments that never match: bounded, not exponential. */
static void test_pathological(void **state)
{
    char pat[2048], path[1024];
    clock_t t0;

    (void)state;
    build(pat, sizeof(pat), "**/a/", 100, "b");
    build(path, sizeof(path), "a/", 200, "c");
    t0 = clock();
    assert_false(moat_glob_match(pat, path));
    assert_false(moat_glob_match_dir(pat, path));
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
    /* deeper than MOAT_GLOB_MAX_SEGMENTS: never matches */
    build(path, sizeof(path), "a/", 300, "");
    assert_false(moat_glob_match("**", path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_dirs),
        cmocka_unit_test(test_pathological),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
