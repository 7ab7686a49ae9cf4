/*
 * cache.c - the cache directory and atomic file replacement (cache.h).
 */
#include "moat/base/cache.h"

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
