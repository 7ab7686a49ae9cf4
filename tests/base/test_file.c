/* test_file.c - bounded whole-file reads: regular files only, size bound, FIFOs never waited on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/file.h"

static char tmpdir[] = "/tmp/moat-test-file-XXXXXX";

static const char *in_tmp(const char *name)
{
    static char path[512];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

static void write_text(const char *name, const char *text)
{
    FILE *f = fopen(in_tmp(name), "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void test_regular(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct stat st;
    char *data = NULL;
    size_t len = 0;

    (void)state;
    write_text("a.txt", "hello\nworld\n");
    assert_int_equal(moat_file_read(in_tmp("a.txt"), 64, &data, &len, &err), 0);
    assert_int_equal(len, 12);
    assert_string_equal(data, "hello\nworld\n");
    free(data);
    /* the stat variant reports the same file's size and mode */
    assert_int_equal(chmod(in_tmp("a.txt"), 0640), 0);
    assert_int_equal(moat_file_read_stat(in_tmp("a.txt"), 64, &data, &len, &st, &err), 0);
    assert_int_equal(st.st_size, 12);
    assert_int_equal(st.st_mode & 07777, 0640);
    free(data);
    /* an empty file is an empty, NUL-terminated string */
    write_text("empty", "");
    assert_int_equal(moat_file_read(in_tmp("empty"), 64, &data, &len, &err), 0);
    assert_int_equal(len, 0);
    assert_string_equal(data, "");
    free(data);
}

static void test_size_bound(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *data = (char *)"untouched";
    size_t len = 7;

    (void)state;
    write_text("b.txt", "0123456789");
    /* exactly max is fine, one byte less is not */
    assert_int_equal(moat_file_read(in_tmp("b.txt"), 10, &data, &len, &err), 0);
    assert_int_equal(len, 10);
    free(data);
    assert_int_equal(moat_file_read(in_tmp("b.txt"), 9, &data, &len, &err), -MOAT_E_LIMIT);
    assert_null(data);
    assert_int_equal(len, 0);
    assert_non_null(strstr(moat_err_msg(&err), "b.txt: larger than 9 bytes"));
    moat_err_clear(&err);
}

static void test_fifo_refused(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *data = NULL;
    size_t len = 0;

    (void)state;
    /* No writer ever opens it: a blocking open would hang the test until ctest's timeout. */
    assert_int_equal(mkfifo(in_tmp("fifo"), 0600), 0);
    alarm(10);
    assert_int_equal(moat_file_read(in_tmp("fifo"), 64, &data, &len, &err), -MOAT_E_IO);
    alarm(0);
    assert_null(data);
    assert_non_null(strstr(moat_err_msg(&err), "fifo: not a regular file"));
    moat_err_clear(&err);
}

static void test_directory_refused(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *data = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(moat_file_read(tmpdir, 1 << 20, &data, &len, &err), -MOAT_E_IO);
    assert_null(data);
    assert_non_null(strstr(moat_err_msg(&err), tmpdir));
    assert_non_null(strstr(moat_err_msg(&err), "not a regular file"));
    moat_err_clear(&err);
}

static void test_missing(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *data = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(moat_file_read(in_tmp("nope.yaml"), 64, &data, &len, &err), -MOAT_E_NOTFOUND);
    assert_null(data);
    assert_non_null(strstr(moat_err_msg(&err), "nope.yaml: No such file or directory"));
    moat_err_clear(&err);
}

static void test_read_at(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *data = NULL;
    size_t len = 0;
    int dfd;

    (void)state;
    write_text("c.json", "{}");
    assert_int_equal(symlink("c.json", in_tmp("link.json")), 0);
    dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dfd >= 0);
    assert_int_equal(moat_file_read_at(dfd, "layout", "c.json", 64, &data, &len, &err), 0);
    assert_string_equal(data, "{}");
    free(data);
    /* a symlink is not followed, and the message names the directory and the entry */
    assert_int_equal(moat_file_read_at(dfd, "layout", "link.json", 64, &data, &len, &err),
                     -MOAT_E_IO);
    assert_string_equal(moat_err_msg(&err), "layout: link.json: is a symlink");
    /* the plain path read follows it */
    assert_int_equal(moat_file_read(in_tmp("link.json"), 64, &data, &len, &err), 0);
    free(data);
    assert_int_equal(moat_file_read_at(dfd, "layout", "c.json", 1, &data, &len, &err),
                     -MOAT_E_LIMIT);
    assert_string_equal(moat_err_msg(&err), "layout: c.json: larger than 1 bytes");
    close(dfd);
    moat_err_clear(&err);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[600];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regular),      cmocka_unit_test(test_size_bound),
        cmocka_unit_test(test_fifo_refused), cmocka_unit_test(test_directory_refused),
        cmocka_unit_test(test_missing),      cmocka_unit_test(test_read_at),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
