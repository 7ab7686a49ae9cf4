/*
 * range.c - a byte range of a file (pread, so many ranges share one fd) or
 * of memory (fuzzers, tests). Reads are bounded by the range; loading a
 * whole range into memory is capped by the caller's maximum.
 * Must not seek the shared fd or read outside [off, off + size).
 */
#include "source_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int source_range_pread(const struct source_range *r, void *buf, size_t n, uint64_t pos, size_t *got,
                       const char *label, struct moat_err *err)
{
    size_t done = 0;

    *got = 0;
    if (pos >= r->size)
        return 0;
    if (n > r->size - pos)
        n = (size_t)(r->size - pos);
    if (r->fd < 0) {
        memcpy(buf, r->mem + r->off + pos, n);
        *got = n;
        return 0;
    }
    while (done < n) {
        ssize_t k = pread(r->fd, (char *)buf + done, n - done, (off_t)(r->off + pos + done));

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return moat_err_set(err, MOAT_E_IO, "%s: read failed: %s", label, strerror(errno));
        if (k == 0)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: truncated (ends %llu bytes early)", label,
                                (unsigned long long)(r->size - pos - done));
        done += (size_t)k;
    }
    *got = done;
    return 0;
}

int source_range_load(const struct source_range *r, size_t max, const char *label, char **data,
                      size_t *len, struct moat_err *err)
{
    char *buf = NULL;
    size_t got = 0;
    int rc;

    *data = NULL;
    *len = 0;
    if (r->size > max) {
        rc = moat_err_set(err, MOAT_E_LIMIT, "%s: %llu bytes, more than the %zu allowed", label,
                          (unsigned long long)r->size, max);
        goto out;
    }
    buf = malloc((size_t)r->size + 1);
    if (buf == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
        goto out;
    }
    rc = source_range_pread(r, buf, (size_t)r->size, 0, &got, label, err);
    if (rc < 0)
        goto out;
    buf[got] = '\0';
    *data = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    return rc;
}

void source_range_close(struct source_range *r)
{
    if (r == NULL)
        return;
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    r->own_fd = 0;
}
