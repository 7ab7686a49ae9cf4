/*
 * test_file.c - bounded whole-file reads (regular files only, size bound,
 * FIFOs never waited on) and atomic whole-file writes.
 *
 * Behaviour of moat_file_write_atomic against the three copies it replaces:
 * key and attestation writes (custody) now fsync the directory after the
 * rename, as only `db update` did; cli_output does too. An attestation
 * bundle path that is a symlink, FIFO or device is now written in place,
 * as cli_output did, instead of being replaced by a regular file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/base/error.h"
#include "moat/base/file.h"

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

/* ---- atomic writes ---- */

static const char *at2(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
    return buf;
}

/* Temporary files ("*.tmp.*") left in the test directory. */
static int leftovers(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static char *slurp(const char *path)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *data = NULL;
    size_t len;

    if (moat_file_read(path, 1 << 20, &data, &len, &err) < 0)
        fail_msg("%s", moat_err_msg(&err));
    return data;
}

static void test_write_new_and_replace(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char p[512], keep[512], *data;
    struct stat st, st2;
    mode_t old = umask(077);

    (void)state;
    at2(p, sizeof(p), "out.json");
    at2(keep, sizeof(keep), "keep");
    /* the mode is the caller's, whatever the umask */
    assert_int_equal(moat_file_write_atomic(p, "first", 5, 0644, 0, &err), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    data = slurp(p);
    assert_string_equal(data, "first");
    free(data);
    /* replacing is a rename: another name for the old file keeps the old bytes */
    assert_int_equal(link(p, keep), 0);
    assert_int_equal(moat_file_write_atomic(p, "second", 6, 0640, 0, &err), 0);
    assert_int_equal(stat(p, &st2), 0);
    assert_true(st2.st_ino != st.st_ino);
    assert_int_equal(st2.st_mode & 07777, 0640);
    data = slurp(p);
    assert_string_equal(data, "second");
    free(data);
    data = slurp(keep);
    assert_string_equal(data, "first");
    free(data);
    assert_int_equal(moat_file_write_atomic(p, "", 0, 0644, 0, &err), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(leftovers(), 0);
    umask(old);
}

static void test_write_excl(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char p[512], dangling[512], target[512], *data;
    struct stat st;

    (void)state;
    at2(p, sizeof(p), "k.key");
    assert_int_equal(moat_file_write_atomic(p, "secret", 6, 0600, MOAT_FILE_EXCL, &err), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    /* an existing key is never replaced */
    assert_int_equal(moat_file_write_atomic(p, "other", 5, 0600, MOAT_FILE_EXCL, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), "k.key: already exists, not replaced"));
    data = slurp(p);
    assert_string_equal(data, "secret");
    free(data);
    /* nor is a dangling symlink followed to create its target */
    at2(dangling, sizeof(dangling), "d.key");
    at2(target, sizeof(target), "elsewhere");
    assert_int_equal(symlink(target, dangling), 0);
    assert_int_equal(moat_file_write_atomic(dangling, "x", 1, 0600, MOAT_FILE_EXCL, &err),
                     -MOAT_E_IO);
    assert_int_equal(lstat(target, &st), -1);
    assert_int_equal(leftovers(), 0);
    moat_err_clear(&err);
}

static void test_write_in_place(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char p[512], link_p[512], real[512], buf[16], *data;
    struct stat st;
    int rfd;

    (void)state;
    /* a FIFO is written, not replaced (a reader is already there, so nothing waits) */
    at2(p, sizeof(p), "pipe");
    assert_int_equal(mkfifo(p, 0600), 0);
    rfd = open(p, O_RDONLY | O_NONBLOCK);
    assert_true(rfd >= 0);
    assert_int_equal(moat_file_write_atomic(p, "through", 7, 0644, 0, &err), 0);
    assert_int_equal(read(rfd, buf, sizeof(buf)), 7);
    assert_memory_equal(buf, "through", 7);
    close(rfd);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    /* a device stays a device */
    assert_int_equal(moat_file_write_atomic("/dev/null", "x", 1, 0644, 0, &err), 0);
    assert_int_equal(lstat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    /* a symlink stays a symlink, its target gets the bytes */
    at2(real, sizeof(real), "real.txt");
    at2(link_p, sizeof(link_p), "link.txt");
    assert_int_equal(moat_file_write_atomic(real, "old", 3, 0644, 0, &err), 0);
    assert_int_equal(symlink("real.txt", link_p), 0);
    assert_int_equal(moat_file_write_atomic(link_p, "new", 3, 0644, 0, &err), 0);
    assert_int_equal(lstat(link_p, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    data = slurp(real);
    assert_string_equal(data, "new");
    free(data);
    /* a directory is refused */
    assert_int_equal(moat_file_write_atomic(tmpdir, "x", 1, 0644, 0, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), "is a directory"));
    assert_int_equal(leftovers(), 0);
    moat_err_clear(&err);
}

static void test_write_failure_keeps_old(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_file_atomic a;
    struct rlimit old, small;
    static char big[65536];
    char p[512], *data;

    (void)state;
    at2(p, sizeof(p), "report.json");
    assert_int_equal(moat_file_write_atomic(p, "old", 3, 0644, 0, &err), 0);
    /* a write that fails part way (file size limit) leaves the old file and no temporary */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = (struct rlimit){4096, old.rlim_max}; /* the soft limit only, so it can come back */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    assert_int_equal(moat_file_write_atomic(p, big, sizeof(big), 0644, 0, &err), -MOAT_E_IO);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_non_null(strstr(moat_err_msg(&err), "report.json: cannot write"));
    data = slurp(p);
    assert_string_equal(data, "old");
    free(data);
    assert_int_equal(leftovers(), 0);
    /* an aborted write likewise */
    assert_int_equal(moat_file_atomic_open(&a, p, 0644, 0, &err), 0);
    assert_non_null(a.tmp);
    assert_int_equal(write(a.fd, "half", 4), 4);
    assert_int_equal(leftovers(), 1);
    moat_file_atomic_abort(&a);
    moat_file_atomic_abort(&a); /* twice is harmless */
    data = slurp(p);
    assert_string_equal(data, "old");
    free(data);
    assert_int_equal(leftovers(), 0);
    /* a missing directory names the path */
    at2(p, sizeof(p), "no/such/dir/out.json");
    assert_int_equal(moat_file_write_atomic(p, "x", 1, 0644, 0, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), "out.json: cannot create a temporary file"));
    moat_err_clear(&err);
}

static void test_publish(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char tmp[512], p[512], *data;
    struct stat st;

    (void)state;
    at2(tmp, sizeof(tmp), "db.update-abc");
    at2(p, sizeof(p), "db.sqlite");
    write_text("db.update-abc", "built");
    write_text("db.sqlite", "current");
    assert_int_equal(moat_file_publish(tmp, p, &err), 0);
    data = slurp(p);
    assert_string_equal(data, "built");
    free(data);
    assert_int_equal(lstat(tmp, &st), -1);
    assert_int_equal(moat_file_publish(tmp, p, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), "db.update-abc"));
    data = slurp(p);
    assert_string_equal(data, "built");
    free(data);
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
        cmocka_unit_test(test_regular),
        cmocka_unit_test(test_size_bound),
        cmocka_unit_test(test_fifo_refused),
        cmocka_unit_test(test_directory_refused),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_read_at),
        cmocka_unit_test(test_write_new_and_replace),
        cmocka_unit_test(test_write_excl),
        cmocka_unit_test(test_write_in_place),
        cmocka_unit_test(test_write_failure_keeps_old),
        cmocka_unit_test(test_publish),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
