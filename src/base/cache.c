/*
 * cache.c - the cache directory and atomic file replacement (cache.h).
 */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int moat_cache_dir(char *buf, size_t cap)
{
    const char *env = getenv("MOAT_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;

    if (env != NULL)
        n = *env ? snprintf(buf, cap, "%s", env) : -2;
    else if (xdg != NULL && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/moat", xdg);
    else if (home != NULL && *home != '\0')
        n = snprintf(buf, cap, "%s/.cache/moat", home);
    else
        n = -2;
    if (n == -2)
        return -MOAT_E_NOTFOUND;
    if (n < 0 || (size_t)n >= cap)
        return -MOAT_E_LIMIT;
    return 0;
}

int moat_mkdirs(const char *dir, struct moat_err *err)
{
    char path[PATH_MAX];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof path)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: path too long", dir);
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return moat_err_set(err, MOAT_E_IO, "%s: cannot create: %s", path, strerror(errno));
        path[i] = c;
    }
    return 0;
}

int moat_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                           struct moat_err *err)
{
    const unsigned char *p = data;
    const char *slash = strrchr(path, '/');
    char *tmp = NULL, *dir = NULL;
    int fd = -1, dfd, e;

    if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
    fd = mkstemp(tmp); /* 0600 from the start, whatever the umask */
    if (fd < 0) {
        e = errno;
        free(tmp);
        return moat_err_set(err, MOAT_E_IO, "%s: cannot create: %s", path, strerror(e));
    }
    if (fchmod(fd, mode) != 0)
        goto fail;
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    e = close(fd);
    fd = -1;
    if (e != 0 || rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    /* the rename itself survives a crash once the directory is on disk */
    dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (dir && (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    return 0;
fail:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return moat_err_set(err, MOAT_E_IO, "%s: cannot write: %s", path, strerror(e));
}
