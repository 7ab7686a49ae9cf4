/*
 * file.c - bounded whole-file reads shared by every room (see file.h).
 */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One-line error naming the file: "<name>: <what>" or "<dir>: <name>: <what>". */
static int fail(struct moat_err *err, int code, const char *dir, const char *name, const char *what)
{
    if (dir != NULL)
        return moat_err_set(err, code, "%s: %s: %s", dir, name, what);
    return moat_err_set(err, code, "%s: %s", name, what);
}

static int file_read(int dirfd, const char *dir, const char *name, int nofollow, size_t max,
                     char **data, size_t *len, struct stat *st_out, struct moat_err *err)
{
    struct stat st;
    char *buf = NULL, what[64];
    size_t got = 0, size;
    int fd, e, rc;

    *data = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it. */
    fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0) {
        e = errno;
        return fail(err, e == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, dir, name,
                    nofollow && e == ELOOP ? "is a symlink" : strerror(e));
    }
    if (fstat(fd, &st) != 0) {
        rc = fail(err, MOAT_E_IO, dir, name, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fail(err, MOAT_E_IO, dir, name, "not a regular file");
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(what, sizeof(what), "larger than %zu bytes", max);
        rc = fail(err, MOAT_E_LIMIT, dir, name, what);
        goto out;
    }
    size = (size_t)st.st_size;
    if ((buf = malloc(size + 1)) == NULL) {
        rc = fail(err, MOAT_E_NOMEM, dir, name, "out of memory");
        goto out;
    }
    /* Ask for one byte more than fstat said: getting it means the file grew. */
    while (got <= size) {
        ssize_t n = read(fd, buf + got, size + 1 - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(what, sizeof(what), "read failed: %s", strerror(errno));
            rc = fail(err, MOAT_E_IO, dir, name, what);
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got != size) {
        rc = fail(err, MOAT_E_IO, dir, name, "changed while being read");
        goto out;
    }
    buf[got] = '\0';
    if (st_out != NULL)
        *st_out = st;
    *data = buf;
    *len = got;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

int moat_file_read(const char *path, size_t max, char **data, size_t *len, struct moat_err *err)
{
    return file_read(AT_FDCWD, NULL, path, 0, max, data, len, NULL, err);
}

int moat_file_read_stat(const char *path, size_t max, char **data, size_t *len, struct stat *st,
                        struct moat_err *err)
{
    return file_read(AT_FDCWD, NULL, path, 0, max, data, len, st, err);
}

int moat_file_read_at(int dirfd, const char *dir, const char *name, size_t max, char **data,
                      size_t *len, struct moat_err *err)
{
    return file_read(dirfd, dir, name, 1, max, data, len, NULL, err);
}
