/*
 * file.c - bounded whole-file reads and atomic whole-file writes shared by
 * every room (see file.h).
 */
#include "moat/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

/* ---- atomic writes ---- */

/* fsync the directory holding path, so a rename in it survives a crash. */
static int sync_dir(const char *path, struct moat_err *err)
{
    char *copy = strdup(path), *dir;
    int fd, r = 0;

    if (copy == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
    dir = dirname(copy);
    /* A directory we may write but not read (mode -wx) cannot be opened: nothing more to do. */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        /* EINVAL, EROFS: the filesystem has no directory sync to give */
        if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
            r = moat_err_set(err, MOAT_E_IO, "%s: cannot sync directory %s: %s", path, dir,
                             strerror(errno));
        close(fd);
    }
    free(copy);
    return r;
}

void moat_file_atomic_abort(struct moat_file_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    if (a->tmp != NULL)
        unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    memset(a, 0, sizeof(*a));
    a->fd = -1;
}

int moat_file_atomic_open(struct moat_file_atomic *a, const char *path, mode_t mode, unsigned flags,
                          struct moat_err *err)
{
    struct stat st;
    bool exists = lstat(path, &st) == 0;
    int e;

    memset(a, 0, sizeof(*a));
    a->fd = -1;
    a->flags = flags;
    if (exists && (flags & MOAT_FILE_EXCL))
        return moat_err_set(err, MOAT_E_IO, "%s: already exists, not replaced", path);
    if (exists && S_ISDIR(st.st_mode))
        return moat_err_set(err, MOAT_E_IO, "%s: is a directory", path);
    if ((a->path = strdup(path)) == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
    if (exists && !S_ISREG(st.st_mode)) {
        /* a device, FIFO, socket or symlink (/dev/null, /dev/stdout): in place */
        a->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, mode);
        if (a->fd < 0) {
            e = errno;
            moat_file_atomic_abort(a);
            return moat_err_set(err, MOAT_E_IO, "%s: cannot open: %s", path, strerror(e));
        }
        return 0;
    }
    if (asprintf(&a->tmp, "%s.tmp.XXXXXX", path) < 0) {
        a->tmp = NULL;
        moat_file_atomic_abort(a);
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
    }
    /* O_EXCL inside: never follows a symlink at the temporary name; 0600 until fchmod */
    a->fd = mkostemp(a->tmp, O_CLOEXEC);
    if (a->fd < 0) {
        e = errno;
        free(a->tmp);
        a->tmp = NULL;
        moat_file_atomic_abort(a);
        return moat_err_set(err, MOAT_E_IO, "%s: cannot create a temporary file: %s", path,
                            strerror(e));
    }
    if (fchmod(a->fd, mode) != 0) {
        e = errno;
        moat_file_atomic_abort(a);
        return moat_err_set(err, MOAT_E_IO, "%s: cannot set the mode: %s", path, strerror(e));
    }
    return 0;
}

/* Put the closed temporary file in place: link(2) for MOAT_FILE_EXCL, rename(2) otherwise. */
static int place(const struct moat_file_atomic *a)
{
    if (!(a->flags & MOAT_FILE_EXCL))
        return rename(a->tmp, a->path);
    if (link(a->tmp, a->path) == 0) {
        unlink(a->tmp);
        return 0;
    }
    if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
        return -1;
    /* no hard links here (vfat, some FUSE): the same, in one call */
    return renameat2(AT_FDCWD, a->tmp, AT_FDCWD, a->path, RENAME_NOREPLACE);
}

int moat_file_atomic_commit(struct moat_file_atomic *a, struct moat_err *err)
{
    struct stat st;
    const char *what = "cannot write";
    int r = 0, e, fd = a->fd;

    a->fd = -1;
    if (a->tmp == NULL) { /* in place: a pipe or a terminal has nothing to sync */
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fsync(fd) != 0)
            r = moat_err_set(err, MOAT_E_IO, "%s: write failed: %s", a->path, strerror(errno));
        if (close(fd) != 0 && r == 0)
            r = moat_err_set(err, MOAT_E_IO, "%s: write failed: %s", a->path, strerror(errno));
        moat_file_atomic_abort(a);
        return r;
    }
    if (fsync(fd) != 0) {
        e = errno;
        close(fd);
        goto fail;
    }
    if (close(fd) != 0) {
        e = errno;
        goto fail;
    }
    if (place(a) != 0) {
        e = errno;
        what = "cannot replace";
        goto fail;
    }
    free(a->tmp); /* in place now: not to be removed */
    a->tmp = NULL;
    r = sync_dir(a->path, err);
    moat_file_atomic_abort(a);
    return r;
fail:
    if (e == EEXIST)
        r = moat_err_set(err, MOAT_E_IO, "%s: already exists, not replaced", a->path);
    else
        r = moat_err_set(err, MOAT_E_IO, "%s: %s: %s", a->path, what, strerror(e));
    moat_file_atomic_abort(a);
    return r;
}

int moat_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                           unsigned flags, struct moat_err *err)
{
    struct moat_file_atomic a;
    const unsigned char *p = data;
    size_t off = 0;
    int r;

    if ((r = moat_file_atomic_open(&a, path, mode, flags, err)) < 0)
        return r;
    while (off < len) {
        ssize_t w = write(a.fd, p + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            r = moat_err_set(err, MOAT_E_IO, "%s: cannot write: %s", path,
                             w < 0 ? strerror(errno) : "no progress");
            moat_file_atomic_abort(&a);
            return r;
        }
        off += (size_t)w;
    }
    return moat_file_atomic_commit(&a, err);
}

int moat_file_publish(const char *tmp, const char *path, struct moat_err *err)
{
    int fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r = 0;

    if (fd < 0)
        return moat_err_set(err, MOAT_E_IO, "%s: %s", tmp, strerror(errno));
    if (fsync(fd) != 0)
        r = moat_err_set(err, MOAT_E_IO, "%s: %s", tmp, strerror(errno));
    close(fd);
    if (r < 0)
        return r;
    if (rename(tmp, path) != 0)
        return moat_err_set(err, MOAT_E_IO, "%s: cannot replace: %s", path, strerror(errno));
    return sync_dir(path, err);
}
