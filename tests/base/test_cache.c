/* test_cache.c - the cache directory (MOAT_CACHE, else $XDG_CACHE_HOME/moat, else
 * ~/.cache/moat; MOAT_CACHE="" is off), directories made with their parents, and atomic
 * replacement: new content and mode, no temporary file left, an error naming the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "moat/base/cache.h"
#include "moat/base/file.h"

static void test_dir(void **state)
{
    char buf[256], tiny[8];

    (void)state;
    setenv("HOME", "/home/u", 1);
    unsetenv("MOAT_CACHE");
    unsetenv("XDG_CACHE_HOME");
    assert_int_equal(moat_cache_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, "/home/u/.cache/moat");
    setenv("XDG_CACHE_HOME", "relative", 1); /* not absolute: ignored, as the spec says */
    assert_int_equal(moat_cache_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, "/home/u/.cache/moat");
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    assert_int_equal(moat_cache_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, "/xdg/moat");
    setenv("MOAT_CACHE", "/srv/moat-cache", 1);
    assert_int_equal(moat_cache_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, "/srv/moat-cache");
    assert_int_equal(moat_cache_dir(tiny, sizeof tiny), -MOAT_E_LIMIT);
    setenv("MOAT_CACHE", "", 1);
    assert_int_equal(moat_cache_dir(buf, sizeof buf), -MOAT_E_NOTFOUND);
    unsetenv("MOAT_CACHE");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    assert_int_equal(moat_cache_dir(buf, sizeof buf), -MOAT_E_NOTFOUND);
}

static void test_write(void **state)
{
    char dir[] = "/tmp/moat-test-cache-XXXXXX", sub[128], path[160], cmd[160], *data = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct stat st;
    size_t len = 0, files = 0;
    DIR *d;
    struct dirent *de;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    assert_int_equal(moat_mkdirs(sub, &err), 0);
    assert_int_equal(moat_mkdirs(sub, &err), 0); /* again: fine */
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/f", sub);
    assert_int_equal(moat_file_write_atomic(path, "old", 3, 0644, 0, &err), 0);
    assert_int_equal(moat_file_write_atomic(path, "new!", 4, 0600, 0, &err), 0);
    assert_int_equal(moat_file_read(path, 100, &data, &len, &err), 0);
    assert_int_equal(len, 4);
    assert_string_equal(data, "new!");
    free(data);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_non_null(d = opendir(sub));
    while ((de = readdir(d)) != NULL)
        files += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1); /* no temporary file left */
    snprintf(path, sizeof path, "%s/missing/f", sub);
    assert_int_equal(moat_file_write_atomic(path, "x", 1, 0600, 0, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), path));
    moat_err_clear(&err);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir),
        cmocka_unit_test(test_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
