/*
 * text.c - UTF-8 checking and repair, and safe terminal cells (see text.h).
 */
#include "moat/base/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t moat_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

char *moat_utf8_repair(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n, i = 0, o = 0;
    char *out;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    out = malloc(n * 3 + 1);
    if (out == NULL)
        return NULL;
    while (i < n) {
        size_t l = moat_utf8_seq(p + i, n - i);

        if (l == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, p + i, l);
            o += l;
            i += l;
        }
    }
    out[o] = '\0';
    return out;
}

char *moat_text_cell(const char *s, size_t max, size_t *width)
{
    char *u = moat_utf8_repair(s != NULL ? s : "");
    size_t n, w = 0, o = 0, total = 0;
    char *out;
    const unsigned char *p;

    if (u == NULL)
        return NULL;
    p = (const unsigned char *)u;
    n = strlen(u);
    for (size_t i = 0; i < n; i++)
        total += (p[i] & 0xc0) != 0x80;
    out = malloc(n + 4);
    if (out == NULL) {
        free(u);
        return NULL;
    }
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : p[i] < 0xe0 ? 2 : p[i] < 0xf0 ? 3 : 4;

        if (total > max && w + 1 == max) {
            memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
            o += 3;
            w++;
            break;
        }
        if (p[i] < 0x20 || p[i] == 0x7f || (len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
            out[o++] = '?';
        } else {
            memcpy(out + o, p + i, len);
            o += len;
        }
        w++;
        i += len;
    }
    out[o] = '\0';
    free(u);
    *width = w;
    return out;
}
