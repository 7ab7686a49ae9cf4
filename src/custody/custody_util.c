/*
 * custody_util.c - hex for custody/ (see custody_int.h). Base64 is
 * base/base64.c, file reads and atomic writes base/file.c.
 */
#include "custody_int.h"

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
