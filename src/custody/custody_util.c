/*
 * custody_util.c - hex and careful file I/O for custody/ (see
 * custody_int.h). Base64 is base/base64.c.
 */
#include "custody_int.h"
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void custody_hex(const unsigned char *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = '\0';
}

bool custody_hex64_valid(const char *s)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[64] == '\0';
}

int custody_read_file(const char *path, size_t max, char **out, size_t *len, struct stat *st_out,
                      struct moat_err *err)
{
    return moat_file_read_stat(path, max, out, len, st_out, err);
}

int custody_write_file(const char *path, const void *data, size_t len, mode_t mode, bool exclusive,
                       struct moat_err *err)
{
    const unsigned char *p = data;
    char *tmp = NULL;
    size_t off = 0;
    int fd, e, r;

    if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
    fd = mkstemp(tmp); /* 0600 from the start, whatever the umask */
    if (fd < 0) {
        e = errno;
        free(tmp);
        return moat_err_set(err, MOAT_E_IO, "%s: cannot create: %s", path, strerror(e));
    }
    if (fchmod(fd, mode) != 0)
        goto io_fail;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto io_fail;
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto io_fail;
    if (close(fd) != 0) {
        fd = -1;
        goto io_fail;
    }
    fd = -1;
    if (exclusive) {
        if (link(tmp, path) == 0) {
            unlink(tmp);
        } else if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS) {
            goto io_fail;
        } else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
            goto io_fail; /* no hard links here (vfat, some FUSE): the same, in one call */
        }
    } else if (rename(tmp, path) != 0) {
        goto io_fail;
    }
    free(tmp);
    return 0;
io_fail:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    if (e == EEXIST)
        r = moat_err_set(err, MOAT_E_IO, "%s: already exists, not replaced", path);
    else
        r = moat_err_set(err, MOAT_E_IO, "%s: cannot write: %s", path, strerror(e));
    return r;
}
