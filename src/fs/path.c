/*
 * path.c - normalise the paths layers record, lexically and with no access
 * to anything: strip leading "/" and "./", collapse "//" and ".", resolve
 * ".." inside the path and refuse a ".." that would climb above the image
 * root. Bounded by MOAT_MAX_PATH_LEN and MOAT_MAX_PATH_DEPTH. Also quotes
 * hostile text for error messages. Must not look at the tree.
 */
#include "fs_int.h"

#include "moat/base/limits.h"

#include <stdio.h>
#include <string.h>

/*
 * The path of nearly every entry: no empty, "." or ".." component (nor one
 * starting with '.', left to the general case), at most one trailing "/",
 * leading "/" and "./" allowed. 1 with out filled, 0 for the general case.
 */
static int plain(const char *in, size_t n, char *out, size_t *out_len)
{
    size_t i = 0, depth = 1;

    for (;;) {
        if (i < n && in[i] == '/')
            i++;
        else if (i + 1 < n && in[i] == '.' && in[i + 1] == '/')
            i += 2;
        else
            break;
    }
    if (n > i && in[n - 1] == '/')
        n--;
    if (i == n || in[n - 1] == '/' || in[i] == '.' || in[i] == '\0')
        return 0;
    for (size_t j = i + 1; j < n; j++) {
        if (in[j] == '/') {
            if (in[j - 1] == '/' || in[j + 1] == '.')
                return 0; /* j + 1 < n: the last byte is not a '/' */
            depth++;
        } else if (in[j] == '\0') {
            return 0;
        }
    }
    if (depth > MOAT_MAX_PATH_DEPTH)
        return 0;
    memcpy(out, in + i, n - i);
    out[n - i] = '\0';
    *out_len = n - i;
    return 1;
}

int fs_path_normalise(const char *in, size_t in_len, char *out, size_t *out_len, const char **why)
{
    size_t starts[MOAT_MAX_PATH_DEPTH];
    size_t i = 0, o = 0, depth = 0;

    if (in != NULL && in_len <= MOAT_MAX_PATH_LEN && plain(in, in_len, out, out_len))
        return 0;
    if (in == NULL) {
        *why = "has no path";
        return -MOAT_E_FORMAT;
    }
    if (memchr(in, '\0', in_len) != NULL) {
        *why = "has a NUL byte inside its path";
        return -MOAT_E_FORMAT;
    }
    if (in_len > MOAT_MAX_PATH_LEN) {
        *why = "has a path longer than MOAT_MAX_PATH_LEN";
        return -MOAT_E_LIMIT;
    }
    while (i < in_len) {
        size_t j = i, clen;

        while (j < in_len && in[j] != '/')
            j++;
        clen = j - i;
        if (clen == 0 || (clen == 1 && in[i] == '.')) {
            i = j + 1;
            continue;
        }
        if (clen == 2 && in[i] == '.' && in[i + 1] == '.') {
            if (depth == 0) {
                *why = "escapes the image root";
                return -MOAT_E_UNSAFE;
            }
            depth--;
            o = starts[depth] > 0 ? starts[depth] - 1 : 0;
            i = j + 1;
            continue;
        }
        if (depth == MOAT_MAX_PATH_DEPTH) {
            *why = "has more path components than MOAT_MAX_PATH_DEPTH";
            return -MOAT_E_LIMIT;
        }
        if (o > 0)
            out[o++] = '/';
        starts[depth++] = o;
        memcpy(out + o, in + i, clen);
        o += clen;
        i = j + 1;
    }
    out[o] = '\0';
    *out_len = o;
    return 0;
}

const char *fs_path_quote(const char *s, size_t len, char *out, size_t cap)
{
    size_t keep = cap - 4, o = 0; /* room for "..." and NUL */

    if (s == NULL) {
        memcpy(out, "(null)", 7);
        return out;
    }
    for (size_t i = 0; i < len && o < keep; i++) {
        unsigned char c = (unsigned char)s[i];

        out[o++] = (c < 0x20 || c >= 0x7f || c == '\'') ? '?' : (char)c;
    }
    if (o < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

const char *fs_what(struct fs_what *w)
{
    char q[FS_QUOTE_CAP];

    if (!w->done) {
        snprintf(w->buf, sizeof(w->buf), "layer %u: entry '%s'", w->layer,
                 fs_path_quote(w->raw, w->raw_len, q, sizeof(q)));
        w->done = true;
    }
    return w->buf;
}
