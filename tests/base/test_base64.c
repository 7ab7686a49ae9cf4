/*
 * test_base64.c - the one strict base64 decoder and encoder: RFC 4648
 * section 10's test vectors, OpenSSL's EVP_EncodeBlock as an independent
 * encoder over random data, and the spellings a strict decoder must refuse.
 *
 * Behaviour against the two copies it replaces (policy/authz.c,
 * custody/custody_util.c): none for valid input. The AuthZ body keeps the
 * standard alphabet with padding required; DSSE keeps "either standard or
 * URL-safe" (DSSE envelope.md) with optional padding. An AuthZ body over the
 * size cap is now -MOAT_E_LIMIT rather than -MOAT_E_FORMAT (still denied).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "moat/base/base64.h"
#include "moat/base/error.h"

static const char *const rfc4648[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static int dec(const char *s, unsigned flags, unsigned char **out, size_t *n)
{
    return moat_base64_decode(s, strlen(s), flags, SIZE_MAX, out, n);
}

static void test_vectors(void **state)
{
    unsigned char *out;
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        char *enc = moat_base64_encode(rfc4648[i][0], strlen(rfc4648[i][0]));

        assert_non_null(enc);
        assert_string_equal(enc, rfc4648[i][1]);
        free(enc);
        for (unsigned flags = 0; flags < 4; flags++) {
            assert_int_equal(dec(rfc4648[i][1], flags, &out, &n), 0);
            assert_int_equal(n, strlen(rfc4648[i][0]));
            assert_memory_equal(out, rfc4648[i][0], n);
            assert_int_equal(out[n], '\0');
            free(out);
        }
    }
}

/* Random lengths and bytes: our encoder against OpenSSL's, our decoder back. */
static void test_against_openssl(void **state)
{
    unsigned char data[300], *out;
    char ref[404], *enc;
    size_t n;
    uint32_t x = 12345;

    (void)state;
    for (size_t len = 0; len <= sizeof(data); len++) {
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            data[i] = (unsigned char)(x >> 16);
        }
        assert_int_equal(EVP_EncodeBlock((unsigned char *)ref, data, (int)len),
                         (int)((len + 2) / 3 * 4));
        enc = moat_base64_encode(data, len);
        assert_non_null(enc);
        assert_string_equal(enc, ref);
        assert_int_equal(dec(enc, 0, &out, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(out, data, len);
        free(out);
        free(enc);
    }
}

static void test_refused(void **state)
{
    /* refused whatever the flags */
    static const char *const bad[] = {
        "Zg=",   "Z===",  "Zm9v\n",       "Zm 9",     " Zm9v", "Zh==",
        "Zm9=",  "=m9v",  "Zm9vYg==Zm9v", "Zg=a",     "Z",     "Zm9vY",
        "Zm9v=", "Zg===", "Zm.v",         "Zm9v\r\n", "a+b-",  "a/b_", /* mixed alphabets */
    };
    unsigned char *out = (unsigned char *)"x";
    size_t n = 7;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        for (unsigned flags = 0; flags < 4; flags++)
            if (dec(bad[i], flags, &out, &n) != -MOAT_E_FORMAT)
                fail_msg("'%s' decoded with flags %u", bad[i], flags);
    assert_null(out);
    assert_int_equal(n, 0);
    /* embedded NUL: the length, not strlen, is what is decoded */
    assert_int_equal(moat_base64_decode("Zm9v\0AAA", 8, 0, 100, &out, &n), -MOAT_E_FORMAT);
}

static void test_flags(void **state)
{
    unsigned char *out;
    size_t n;

    (void)state;
    /* URL-safe only when asked (DSSE), and the same bytes as the standard spelling */
    assert_int_equal(dec("-_-_", 0, &out, &n), -MOAT_E_FORMAT);
    assert_int_equal(dec("-_-_", MOAT_BASE64_URLSAFE, &out, &n), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\xfb\xff\xbf", 3);
    free(out);
    assert_int_equal(dec("+/+/", 0, &out, &n), 0);
    assert_memory_equal(out, "\xfb\xff\xbf", 3);
    free(out);
    assert_int_equal(dec("_w==", MOAT_BASE64_URLSAFE, &out, &n), 0);
    assert_int_equal(n, 1);
    free(out);
    /* missing padding only when asked; wrong padding never */
    assert_int_equal(dec("Zg", 0, &out, &n), -MOAT_E_FORMAT);
    assert_int_equal(dec("Zm8", 0, &out, &n), -MOAT_E_FORMAT);
    assert_int_equal(dec("Zg", MOAT_BASE64_NOPAD, &out, &n), 0);
    assert_int_equal(n, 1);
    free(out);
    assert_int_equal(dec("Zm8", MOAT_BASE64_NOPAD, &out, &n), 0);
    assert_memory_equal(out, "fo", 2);
    free(out);
    assert_int_equal(dec("Zm8==", MOAT_BASE64_NOPAD, &out, &n), -MOAT_E_FORMAT);
    assert_int_equal(dec("Zh", MOAT_BASE64_NOPAD, &out, &n), -MOAT_E_FORMAT);
    /* the output cap is checked before anything is allocated */
    assert_int_equal(moat_base64_decode("Zm9vYmFy", 8, 0, 5, &out, &n), -MOAT_E_LIMIT);
    assert_int_equal(moat_base64_decode("Zm9vYmFy", 8, 0, 6, &out, &n), 0);
    free(out);
    assert_int_equal(moat_base64_decode("Zm9vYg==", 8, 0, 3, &out, &n), -MOAT_E_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_against_openssl),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_flags),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
