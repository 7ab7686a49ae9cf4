/* test_path.c - lexical path normalisation and quoting of hostile names in messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/limits.h"
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
    assert_int_equal(fs_path_normalise(NULL, 0, out, &len, &why), -MOAT_E_FORMAT);
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
        cmocka_unit_test(test_quote),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
