/*
 * test_strv.c - string vectors (geometric growth, NULL-terminated, owned
 * copies), the append-one growth rule for other arrays, and reason lists.
 *
 * Behaviour against the copies they replace: the 22 grow-by-one realloc
 * sites were quadratic in the number of elements; reason lists now behave
 * the same for admission decisions (policy/decide.c), custody verification
 * (custody/verify.c) and AuthZ: one line each (custody kept newlines), no
 * duplicates (decisions kept them) and a cap (both had one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/base/array.h"
#include "moat/base/error.h"
#include "moat/base/strv.h"

static void test_push(void **state)
{
    struct moat_strv sv = MOAT_STRV_INIT;
    size_t grows = 0, last_cap = 0;
    char buf[32];

    (void)state;
    assert_false(moat_strv_contains(&sv, "x"));
    for (int i = 0; i < 100000; i++) {
        snprintf(buf, sizeof(buf), "item %d", i);
        assert_int_equal(moat_strv_push(&sv, buf), 0);
        assert_null(sv.v[sv.n]); /* always NULL-terminated */
        /* the capacity follows from the count, for structs that keep only (v, n) */
        assert_int_equal(moat_strv_view(sv.v, sv.n).cap, sv.cap);
        if (sv.cap != last_cap) {
            grows++;
            last_cap = sv.cap;
        }
    }
    assert_int_equal(sv.n, 100000);
    assert_int_equal(moat_strv_view(NULL, 0).cap, 0);
    assert_true(grows <= 20); /* doubling: about log2(100000), not 100000 */
    assert_true(sv.cap <= 2 * (sv.n + 1));
    assert_string_equal(sv.v[0], "item 0");
    assert_string_equal(sv.v[99999], "item 99999");
    assert_true(moat_strv_contains(&sv, "item 4242"));
    assert_false(moat_strv_contains(&sv, "item 100000"));
    moat_strv_free(&sv);
    assert_null(sv.v);
    assert_int_equal(sv.n, 0);
    assert_int_equal(sv.cap, 0);
    moat_strv_free(&sv); /* twice is harmless */
}

static void test_push_variants(void **state)
{
    struct moat_strv sv = MOAT_STRV_INIT;
    char *own = strdup("owned");

    (void)state;
    assert_int_equal(moat_strv_pushn(&sv, "abcdef", 3), 0);
    assert_int_equal(moat_strv_pushn(&sv, "", 0), 0);
    assert_int_equal(moat_strv_pushf(&sv, "%s-%d", "x", 7), 0);
    assert_int_equal(moat_strv_push_owned(&sv, own), 0);
    assert_int_equal(moat_strv_push_owned(&sv, NULL), -MOAT_E_NOMEM); /* a failed strdup */
    assert_int_equal(sv.n, 4);
    assert_string_equal(sv.v[0], "abc");
    assert_string_equal(sv.v[1], "");
    assert_string_equal(sv.v[2], "x-7");
    assert_ptr_equal(sv.v[3], own);
    assert_null(sv.v[4]);
    moat_strv_free(&sv);
}

static void test_array_grow(void **state)
{
    struct pair {
        int a, b;
    } *v = NULL;
    size_t cap = 0, n = 0;

    (void)state;
    for (; n < 1000; n++) {
        assert_int_equal(moat_array_grow((void **)&v, &cap, n, sizeof(*v)), 0);
        assert_true(cap > n);
        v[n] = (struct pair){(int)n, -(int)n};
    }
    assert_int_equal(v[999].b, -999);
    assert_true(cap <= 2048);
    /* a capacity that says less than the count (an array built by hand) still grows past it */
    cap = 1;
    assert_int_equal(moat_array_grow((void **)&v, &cap, n, sizeof(*v)), 0);
    assert_true(cap > n);
    assert_int_equal(v[500].a, 500);
    /* sizes that would overflow are refused, and nothing changes */
    {
        void *before = v;
        size_t c = cap;

        assert_int_equal(moat_array_grow((void **)&v, &c, SIZE_MAX / 2, sizeof(*v)), -MOAT_E_NOMEM);
        assert_int_equal(moat_array_grow((void **)&v, &c, c, SIZE_MAX / 4), -MOAT_E_NOMEM);
        assert_ptr_equal(v, before);
        assert_int_equal(c, cap);
    }
    free(v);
}

static void test_reasons(void **state)
{
    struct moat_strv sv = MOAT_STRV_INIT;

    (void)state;
    assert_int_equal(moat_reason_add(&sv, 3, "image %s: not signed\r\nby %s", "a", "b"),
                     MOAT_REASON_ADDED);
    assert_string_equal(sv.v[0], "image a: not signed  by b");
    /* the same line again (after flattening) is not added */
    assert_int_equal(moat_reason_add(&sv, 3, "image a: not signed\n\nby b"), MOAT_REASON_DUPLICATE);
    assert_int_equal(moat_reason_add(&sv, 3, "second"), MOAT_REASON_ADDED);
    assert_int_equal(moat_reason_add(&sv, 3, "third"), MOAT_REASON_ADDED);
    /* full: the first lines are kept; a duplicate is still a duplicate */
    assert_int_equal(moat_reason_add(&sv, 3, "fourth"), MOAT_REASON_FULL);
    assert_int_equal(moat_reason_add(&sv, 3, "second"), MOAT_REASON_DUPLICATE);
    assert_int_equal(sv.n, 3);
    assert_string_equal(sv.v[2], "third");
    /* a larger bound lets a closing line in */
    assert_int_equal(moat_reason_add(&sv, SIZE_MAX, "... and 1 more"), MOAT_REASON_ADDED);
    assert_int_equal(sv.n, 4);
    assert_null(sv.v[4]);
    moat_strv_free(&sv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push),
        cmocka_unit_test(test_push_variants),
        cmocka_unit_test(test_array_grow),
        cmocka_unit_test(test_reasons),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
