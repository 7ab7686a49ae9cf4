/* test_path.c - lexical path normalisation and quoting of hostile names in messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "moat/base/limits.h"
#include "fs/fs_int.h" /* the normaliser is internal to the room */

struct norm_case {
    const char *in;
    int rc;
    const char *out;
};

static void test_normalise_table(void **state)
{
    static const struct norm_case cases[] = {
        {"", 0, ""},
        {"/", 0, ""},
        {"./", 0, ""},
        {".", 0, ""},
        {"usr/bin/", 0, "usr/bin"},
        {"/usr//bin/./env", 0, "usr/bin/env"},
        {"./usr/lib", 0, "usr/lib"},
        {"a/b/../c", 0, "a/c"},
        {"a/b/../../c", 0, "c"},
        {"a/..", 0, ""},
        {"..", -MOAT_E_UNSAFE, NULL},
        {"../etc/passwd", -MOAT_E_UNSAFE, NULL},
        {"/../etc/passwd", -MOAT_E_UNSAFE, NULL},
        {"a/../../b", -MOAT_E_UNSAFE, NULL},
        {"...", 0, "..."},
        {"..a/.b./...", 0, "..a/.b./..."},
        {".wh..wh..opq", 0, ".wh..wh..opq"},
    };
    char out[MOAT_MAX_PATH_LEN + 1];
    const char *why;
    size_t len;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = fs_path_normalise(cases[i].in, strlen(cases[i].in), out, &len, &why);

        assert_int_equal(rc, cases[i].rc);
        if (rc == 0) {
            assert_string_equal(out, cases[i].out);
            assert_int_equal(len, strlen(cases[i].out));
        } else {
            assert_string_equal(why, "escapes the image root");
        }
    }
    assert_int_equal(fs_path_normalise("a\0b", 3, out, &len, &why), -MOAT_E_FORMAT);
    assert_int_equal(fs_path_normalise("\0ab", 3, out, &len, &why), -MOAT_E_FORMAT);
    assert_int_equal(fs_path_normalise("./\0b", 4, out, &len, &why), -MOAT_E_FORMAT);
    assert_int_equal(fs_path_normalise("ab/\0", 4, out, &len, &why), -MOAT_E_FORMAT);
    assert_int_equal(fs_path_normalise("ab\0/", 4, out, &len, &why), -MOAT_E_FORMAT);
    assert_int_equal(fs_path_normalise(NULL, 0, out, &len, &why), -MOAT_E_FORMAT);
}

/* An independent reading of the rules: split on '/', drop "" and ".", pop on "..". */
static int reference(const char *in, char *out)
{
    char parts[64][16];
    size_t n = 0, o = 0;

    for (const char *p = in; *p != '\0';) {
        size_t len = strcspn(p, "/");

        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (n == 0)
                return -MOAT_E_UNSAFE;
            n--;
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            memcpy(parts[n], p, len);
            parts[n++][len] = '\0';
        }
        p += len;
        p += *p == '/';
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(parts[i]);

        if (i > 0)
            out[o++] = '/';
        memcpy(out + o, parts[i], len);
        o += len;
    }
    out[o] = '\0';
    return 0;
}

/* Every path of up to 9 characters from "a./": the fast and the general case agree with it. */
static void test_normalise_exhaustive(void **state)
{
    static const char alphabet[] = "a./";
    char in[10], out[MOAT_MAX_PATH_LEN + 1], want[64];
    const char *why;
    size_t len, total = 0;

    (void)state;
    for (size_t n = 0; n <= 9; n++) {
        size_t count = 1;

        for (size_t k = 0; k < n; k++)
            count *= 3;
        for (size_t x = 0; x < count; x++, total++) {
            size_t v = x;
            int rc, wrc;

            for (size_t k = 0; k < n; k++, v /= 3)
                in[k] = alphabet[v % 3];
            in[n] = '\0';
            rc = fs_path_normalise(in, n, out, &len, &why);
            wrc = reference(in, want);
            assert_int_equal(rc, wrc);
            if (rc == 0) {
                assert_string_equal(out, want);
                assert_int_equal(len, strlen(want));
            }
        }
    }
    assert_int_equal(total, (19683 * 3 - 1) / 2);
}

static void test_quote(void **state)
{
    char q[FS_QUOTE_CAP], big[600];

    (void)state;
    assert_string_equal(fs_path_quote("a\x1b[31mb'c", 9, q, sizeof(q)), "a?[31mb?c");
    memset(big, 'x', sizeof(big));
    fs_path_quote(big, sizeof(big), q, sizeof(q));
    assert_int_equal(strlen(q), FS_QUOTE_CAP - 1);
    assert_string_equal(q + FS_QUOTE_CAP - 4, "...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise_table),
        cmocka_unit_test(test_normalise_exhaustive),
        cmocka_unit_test(test_quote),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
