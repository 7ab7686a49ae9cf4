/*
 * test_idset.c - the id set behind bom-refs, SPDXIDs and LicenseRefs
 * (src/sbom/idset.c) gives exactly what the old "key, else key + sep + N for
 * the first free N" over a set of strings gave, on keys chosen to collide,
 * including keys that already end in a suffix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sbom/sbom_int.h"

#define N_KEYS 20000

struct keys {
    char *base[N_KEYS]; /* owner i's key before any suffix */
};

static int key_text(void *arg, const struct sbom_identry *e, struct moat_buf *out)
{
    const struct keys *k = arg;

    if (e->owner >= N_KEYS || k->base[e->owner] == NULL)
        return -1;
    if (e->aux == 0)
        return moat_buf_append(out, k->base[e->owner], strlen(k->base[e->owner])) < 0 ? -1 : 0;
    return moat_buf_appendf(out, "%s-%lu", k->base[e->owner], (unsigned long)e->aux) < 0 ? -1 : 0;
}

/* The reference: a plain list of every id given out, searched from the start. */
static int naive_has(char **ids, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(ids[i], s) == 0)
            return 1;
    return 0;
}

static char *naive_unique(char **ids, size_t n, const char *key)
{
    char buf[128];
    unsigned long m;

    if (!naive_has(ids, n, key))
        return strdup(key);
    for (m = 2;; m++) {
        snprintf(buf, sizeof(buf), "%s-%lu", key, m);
        if (!naive_has(ids, n, buf))
            return strdup(buf);
    }
}

static void test_unique_matches_reference(void **state)
{
    static struct keys k;
    static char *ids[N_KEYS];
    struct sbom_idset s;
    struct moat_buf b = MOAT_BUF_INIT;
    unsigned int seed = 12345;
    size_t i, n = 2000; /* the reference is quadratic: check it on the first 2000 */

    (void)state;
    memset(&k, 0, sizeof(k));
    assert_int_equal(sbom_idset_init(&s, 0, key_text, &k), 0);
    for (i = 0; i < N_KEYS; i++) {
        char key[64];
        uint32_t m;
        size_t idx;

        seed = seed * 1103515245u + 12345u;
        /* few distinct stems, some already carrying "-N", so suffixes collide with keys */
        if ((seed >> 16) % 4 == 0)
            snprintf(key, sizeof(key), "k%u-%u", (seed >> 8) % 7, (seed >> 4) % 5 + 2);
        else
            snprintf(key, sizeof(key), "k%u", (seed >> 8) % 7);
        k.base[i] = strdup(key);
        assert_non_null(k.base[i]);
        assert_int_equal(sbom_idset_unique(&s, key, "-", (uint32_t)i, &m, &idx), 0);
        assert_int_equal(idx, i);
        assert_int_equal(s.e[idx].aux, m);
        b.len = 0;
        assert_int_equal(sbom_idset_text(&s, idx, &b), 0);
        if (i < n) {
            ids[i] = naive_unique(ids, i, key);
            assert_string_equal(b.data, ids[i]);
        }
        assert_int_equal(sbom_idset_find(&s, b.data, &idx), 1);
        assert_int_equal(idx, i);
    }
    assert_int_equal(s.n, N_KEYS);
    /* every id given out is distinct */
    for (i = 0; i < N_KEYS; i++) {
        size_t idx;

        b.len = 0;
        assert_int_equal(sbom_idset_text(&s, i, &b), 0);
        assert_int_equal(sbom_idset_find(&s, b.data, &idx), 1);
        assert_int_equal(idx, i);
    }
    assert_int_equal(sbom_idset_find(&s, "k99", &i), 0);
    for (i = 0; i < N_KEYS; i++) {
        free(k.base[i]);
        if (i < n)
            free(ids[i]);
    }
    moat_buf_free(&b);
    sbom_idset_free(&s);
}

static void test_add_once(void **state)
{
    static struct keys k;
    struct sbom_idset s;
    size_t idx;

    (void)state;
    memset(&k, 0, sizeof(k));
    k.base[0] = "LicenseRef-BSD";
    k.base[1] = "LicenseRef-BSD";
    k.base[2] = "LicenseRef-Foo";
    assert_int_equal(sbom_idset_init(&s, 0, key_text, &k), 0);
    assert_int_equal(sbom_idset_add(&s, k.base[0], 0, 0, &idx), 0);
    assert_int_equal(idx, 0);
    assert_int_equal(sbom_idset_add(&s, k.base[1], 1, 0, &idx), 1); /* the first one stays */
    assert_int_equal(idx, 0);
    assert_int_equal(sbom_idset_add(&s, k.base[2], 2, 0, &idx), 0);
    assert_int_equal(idx, 1);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.e[1].owner, 2);
    sbom_idset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique_matches_reference),
        cmocka_unit_test(test_add_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
