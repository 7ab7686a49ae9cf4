/*
 * base64.h - RFC 4648 base64, strict: one spelling per byte string, so a
 * signature or a request body cannot be smuggled through a second encoding.
 * The decoder refuses whitespace, characters outside the alphabet, '=' but
 * at the end, wrong padding and non-zero bits under the padding (RFC 4648
 * section 3.5 "canonical encoding"). Callers name the input in their error.
 */
#ifndef MOAT_BASE_BASE64_H
#define MOAT_BASE_BASE64_H

#include <stddef.h>

enum {
    /* Also take the URL-safe alphabet ("-_" for "+/", RFC 4648 section 5),
     * one alphabet per string, never mixed. DSSE allows either. */
    MOAT_BASE64_URLSAFE = 1u << 0,
    /* Padding may be left out; when present it must still be exactly right. */
    MOAT_BASE64_NOPAD = 1u << 1,
};

/*
 * Decode len bytes of in (need not be NUL-terminated). flags 0 is the
 * standard alphabet with padding required. *out is malloc'd (the caller
 * frees it) and NUL-terminated after *out_len bytes. 0; -MOAT_E_FORMAT when
 * in is not strict base64; -MOAT_E_LIMIT when it decodes to more than
 * max_out bytes (checked before anything is allocated); -MOAT_E_NOMEM. No
 * message is set: the caller says what was being decoded.
 */
int moat_base64_decode(const char *in, size_t len, unsigned flags, size_t max_out,
                       unsigned char **out, size_t *out_len);

/* Standard base64 with padding, one line; malloc'd, NUL-terminated. NULL when out of memory. */
char *moat_base64_encode(const void *data, size_t n);

#endif
