/*
 * tar_header.c - pax records, for the outer-archive index and the layer
 * reader (numbers and checksums are base/tarhdr.c's). Must not read files or keep
 * state between calls.
 */
#include "tar_header.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"

void source_tar_pax_reset(struct source_tar_pax *x)
{
    free(x->path);
    free(x->link);
    memset(x, 0, sizeof(*x));
}

/* A decimal pax value; with frac, a fraction after '.' is allowed and dropped. */
static int pax_int(const char *v, size_t n, int sign_ok, int frac, int64_t *out)
{
    uint64_t acc = 0;
    size_t i = 0;
    int neg = 0;

    if (sign_ok && n > 0 && v[0] == '-') {
        neg = 1;
        i++;
    }
    if (i == n || n > 40)
        return -1;
    for (; i < n && v[i] != '.'; i++) {
        if (v[i] < '0' || v[i] > '9' || acc > ((uint64_t)INT64_MAX - 9) / 10)
            return -1;
        acc = acc * 10 + (uint64_t)(v[i] - '0');
    }
    if (i < n) {
        if (!frac || i + 1 == n)
            return -1;
        for (i++; i < n; i++)
            if (v[i] < '0' || v[i] > '9')
                return -1;
    }
    *out = neg ? -(int64_t)acc : (int64_t)acc;
    return 0;
}

static int key_is(const char *key, size_t klen, const char *name)
{
    return klen == strlen(name) && memcmp(key, name, klen) == 0;
}

int source_tar_pax_parse(const char *d, size_t n, struct source_tar_pax *x, const char *label,
                         struct moat_err *err)
{
    size_t pos = 0;

    while (pos < n) {
        size_t len = 0, i = pos, klen, vlen;
        const char *key, *eq, *val;
        int64_t num;

        while (i < n && d[i] >= '0' && d[i] <= '9' && len <= n)
            len = len * 10 + (size_t)(d[i++] - '0');
        if (i == pos || i >= n || d[i] != ' ' || len == 0 || len > n - pos ||
            i + 1 > pos + len - 1 || d[pos + len - 1] != '\n')
            return moat_err_set(err, MOAT_E_FORMAT, "%s: malformed pax header", label);
        key = d + i + 1;
        eq = memchr(key, '=', (size_t)(d + pos + len - 1 - key));
        if (eq == NULL)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: malformed pax record", label);
        klen = (size_t)(eq - key);
        val = eq + 1;
        vlen = (size_t)(d + pos + len - 1 - val);
        if (key_is(key, klen, "path") || key_is(key, klen, "linkpath")) {
            char **dst = klen == 4 ? &x->path : &x->link;

            if (memchr(val, '\0', vlen) != NULL)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: NUL in pax path", label);
            free(*dst);
            *dst = strndup(val, vlen);
            if (*dst == NULL)
                return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
        } else if (key_is(key, klen, "size") || key_is(key, klen, "uid") ||
                   key_is(key, klen, "gid")) {
            if (pax_int(val, vlen, 0, 0, &num) < 0)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: bad pax %.*s", label, (int)klen, key);
            if (klen == 4) {
                x->have_size = 1;
                x->size = (uint64_t)num;
            } else if (key[0] == 'u') {
                x->have_uid = 1;
                x->uid = (uint64_t)num;
            } else {
                x->have_gid = 1;
                x->gid = (uint64_t)num;
            }
        } else if (key_is(key, klen, "mtime")) {
            if (pax_int(val, vlen, 1, 1, &num) < 0)
                return moat_err_set(err, MOAT_E_FORMAT, "%s: bad pax mtime", label);
            x->have_mtime = 1;
            x->mtime = num;
        } else if (klen > 11 && memcmp(key, "GNU.sparse.", 11) == 0) {
            x->sparse = 1;
        }
        pos += len;
    }
    return 0;
}
