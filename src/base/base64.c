/*
 * base64.c - strict RFC 4648 base64 (see base64.h). Hand-written because
 * OpenSSL's EVP decoder accepts whitespace and loose padding, and every
 * caller here (DSSE signatures, Docker's AuthZ request bodies) wants one
 * spelling it can reason about.
 */
#include "moat/base/base64.h"

#include <stdint.h>
#include <stdlib.h>

#include "moat/base/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *moat_base64_encode(const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t j = 0;
    char *out;

    if (n > SIZE_MAX / 4 * 3 - 3)
        return NULL;
    if ((out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;

        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[j++] = alphabet[(v >> 18) & 63];
        out[j++] = alphabet[(v >> 12) & 63];
        out[j++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[j++] = i + 2 < n ? alphabet[v & 63] : '=';
    }
    out[j] = '\0';
    return out;
}

/* 0..63, or -1. *alpha records the alphabet seen so far: 0 none, 1 standard, 2 URL-safe. */
static int value(unsigned char c, unsigned flags, int *alpha)
{
    int want;

    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '/')
        want = 1;
    else if ((c == '-' || c == '_') && (flags & MOAT_BASE64_URLSAFE))
        want = 2;
    else
        return -1;
    if (*alpha != 0 && *alpha != want)
        return -1; /* mixed alphabets */
    *alpha = want;
    return c == '+' || c == '-' ? 62 : 63;
}

int moat_base64_decode(const char *in, size_t len, unsigned flags, size_t max_out,
                       unsigned char **out, size_t *out_len)
{
    size_t pad = 0, body, olen, j = 0;
    unsigned char *o;
    uint32_t acc = 0;
    int bits = 0, alpha = 0;

    *out = NULL;
    *out_len = 0;
    while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
        pad++;
    body = len - pad;
    if (body % 4 == 1)
        return -MOAT_E_FORMAT; /* 6 bits cannot end a byte */
    if (pad > 0 ? len % 4 != 0 || (4 - body % 4) % 4 != pad
                : body % 4 != 0 && !(flags & MOAT_BASE64_NOPAD))
        return -MOAT_E_FORMAT;
    olen = body / 4 * 3 + (body % 4 == 0 ? 0 : body % 4 - 1);
    if (olen > max_out)
        return -MOAT_E_LIMIT;
    if ((o = malloc(olen + 1)) == NULL)
        return -MOAT_E_NOMEM;
    for (size_t i = 0; i < body; i++) {
        int v = value((unsigned char)in[i], flags, &alpha);

        if (v < 0) {
            free(o);
            return -MOAT_E_FORMAT;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[j++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) { /* bits under the padding set: not the canonical spelling */
        free(o);
        return -MOAT_E_FORMAT;
    }
    o[j] = '\0';
    *out = o;
    *out_len = j;
    return 0;
}
