/*
 * custody_util.c - strict base64, hex and careful file I/O for custody/
 * (see custody_int.h). Base64 is hand-written because OpenSSL's decoder
 * accepts whitespace and mixed padding, and signatures must have one
 * spelling we can reason about.
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

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *custody_b64_encode(const unsigned char *p, size_t n)
{
    size_t olen, j = 0;
    char *out;

    if (n > (SIZE_MAX / 4) * 3 - 3)
        return NULL;
    olen = (n + 2) / 3 * 4;
    out = malloc(olen + 1);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;

        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[j++] = b64_std[(v >> 18) & 63];
        out[j++] = b64_std[(v >> 12) & 63];
        out[j++] = i + 1 < n ? b64_std[(v >> 6) & 63] : '=';
        out[j++] = i + 2 < n ? b64_std[v & 63] : '=';
    }
    out[j] = '\0';
    return out;
}

/* 0..63, or -1; *alpha records which alphabet a character belongs to (1 std, 2 url). */
static int b64_val(unsigned char c, int *alpha)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '/') {
        if (*alpha == 2)
            return -1;
        *alpha = 1;
        return c == '+' ? 62 : 63;
    }
    if (c == '-' || c == '_') {
        if (*alpha == 1)
            return -1;
        *alpha = 2;
        return c == '-' ? 62 : 63;
    }
    return -1;
}

int custody_b64_decode(const char *s, size_t n, unsigned char **out, size_t *out_len)
{
    size_t pad = 0, body, olen, j = 0;
    unsigned char *o;
    unsigned acc = 0;
    int bits = 0, alpha = 0;

    *out = NULL;
    *out_len = 0;
    while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
        pad++;
    body = n - pad;
    if (pad > 0 && n % 4 != 0)
        return -MOAT_E_FORMAT;
    if (body % 4 == 1)
        return -MOAT_E_FORMAT;
    /* padding must be exactly what the body length needs */
    if (pad > 0 && (4 - body % 4) % 4 != pad)
        return -MOAT_E_FORMAT;
    olen = body / 4 * 3 + (body % 4 == 0 ? 0 : body % 4 - 1);
    o = malloc(olen + 1);
    if (o == NULL)
        return -MOAT_E_NOMEM;
    for (size_t i = 0; i < body; i++) {
        int v = b64_val((unsigned char)s[i], &alpha);

        if (v < 0) {
            free(o);
            return -MOAT_E_FORMAT;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[j++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) { /* non-canonical: leftover bits set */
        free(o);
        return -MOAT_E_FORMAT;
    }
    o[j] = 0;
    *out = o;
    *out_len = j;
    return 0;
}

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
