/* test_match.c - OSV range evaluation (affects.c) and ecosystem names (ecosystem.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "moat/vuln/match.h"

#define EV(k, v)                                                                                   \
    {                                                                                              \
        MOAT_EV_##k, v                                                                             \
    }

static void check(const struct moat_range_event *ev, size_t n, const char *v, bool want,
                  const char *want_fix)
{
    struct moat_range r = {MOAT_RANGE_ECOSYSTEM, ev, n};
    struct moat_affected a = {.vuln_id = "CVE-1", .ranges = &r, .n_ranges = 1};
    const char *fixed = NULL;
    bool aff = !want;

    assert_int_equal(moat_vuln_affects(MOAT_VER_DPKG, &a, v, &aff, &fixed), 0);
    assert_int_equal(aff, want);
    if (want_fix == NULL)
        assert_null(fixed);
    else
        assert_string_equal(fixed, want_fix);
}

static void test_introduced_fixed(void **state)
{
    const struct moat_range_event ev[] = {EV(INTRODUCED, "0"), EV(FIXED, "1:2.3-4")};

    (void)state;
    check(ev, 2, "1:2.3-3", true, "1:2.3-4");
    check(ev, 2, "1:2.3-4", false, NULL); /* fixed exactly at the installed version */
    check(ev, 2, "1:2.3-4+b1", false, NULL);
    check(ev, 2, "2.9", true, "1:2.3-4"); /* epoch 0 < 1 */
    check(ev, 2, "1:2.3-4~deb12u1", true, "1:2.3-4");
}

static void test_unfixed_and_last_affected(void **state)
{
    const struct moat_range_event open[] = {EV(INTRODUCED, "0")};
    const struct moat_range_event last[] = {EV(INTRODUCED, "1.0"), EV(LAST_AFFECTED, "1.5")};

    (void)state;
    check(open, 1, "9.9", true, NULL);
    check(last, 2, "0.9", false, NULL);
    check(last, 2, "1.0", true, NULL);
    check(last, 2, "1.5", true, NULL);
    check(last, 2, "1.5.1", false, NULL);
}

static void test_unsorted_and_reintroduced(void **state)
{
    /* two windows given out of order: [1.0, 1.2) and [2.0, 2.1) */
    const struct moat_range_event ev[] = {EV(FIXED, "2.1"), EV(INTRODUCED, "2.0"), EV(FIXED, "1.2"),
                                          EV(INTRODUCED, "1.0")};

    (void)state;
    check(ev, 4, "0.5", false, NULL);
    check(ev, 4, "1.1", true, "1.2");
    check(ev, 4, "1.5", false, NULL);
    check(ev, 4, "2.0", true, "2.1");
    check(ev, 4, "2.1", false, NULL);
}

static void test_limit(void **state)
{
    const struct moat_range_event ev[] = {EV(INTRODUCED, "0"), EV(LIMIT, "3.0")};

    (void)state;
    check(ev, 2, "2.9", true, NULL);
    check(ev, 2, "3.0", false, NULL);
}

static void test_versions_git_and_bad(void **state)
{
    const char *const versions[] = {"1.0-1", "1.0-2"};
    const struct moat_range_event git[] = {EV(INTRODUCED, "0"), EV(FIXED, "abcdef")};
    const struct moat_range_event bad[] = {EV(INTRODUCED, "0"), EV(FIXED, "!!notaversion")};
    struct moat_range rg = {MOAT_RANGE_GIT, git, 2}, rb = {MOAT_RANGE_ECOSYSTEM, bad, 2};
    struct moat_affected a = {.versions = versions, .n_versions = 2, .ranges = &rg, .n_ranges = 1};
    const char *fixed;
    bool aff;

    (void)state;
    assert_int_equal(moat_vuln_affects(MOAT_VER_DPKG, &a, "1.0-2", &aff, &fixed), 0);
    assert_true(aff);
    assert_null(fixed);
    assert_int_equal(moat_vuln_affects(MOAT_VER_DPKG, &a, "1.0-3", &aff, &fixed), 0);
    assert_false(aff); /* the GIT range is not evaluated */
    a.ranges = &rb;
    a.n_versions = 0;
    assert_int_equal(moat_vuln_affects(MOAT_VER_DPKG, &a, "1.0-3", &aff, &fixed), -MOAT_E_FORMAT);
}

static void test_two_ranges_take_the_higher_fix(void **state)
{
    const struct moat_range_event e1[] = {EV(INTRODUCED, "0"), EV(FIXED, "1.5")};
    const struct moat_range_event e2[] = {EV(INTRODUCED, "1.0"), EV(FIXED, "1.7")};
    const struct moat_range_event e3[] = {EV(INTRODUCED, "1.0")};
    struct moat_range r[] = {{MOAT_RANGE_ECOSYSTEM, e1, 2},
                             {MOAT_RANGE_ECOSYSTEM, e2, 2},
                             {MOAT_RANGE_ECOSYSTEM, e3, 1}};
    struct moat_affected a = {.ranges = r, .n_ranges = 2};
    const char *fixed;
    bool aff;

    (void)state;
    assert_int_equal(moat_vuln_affects(MOAT_VER_DPKG, &a, "1.2", &aff, &fixed), 0);
    assert_true(aff);
    assert_string_equal(fixed, "1.7");
    a.n_ranges = 3; /* one range with no fix: upgrading does not help */
    assert_int_equal(moat_vuln_affects(MOAT_VER_DPKG, &a, "1.2", &aff, &fixed), 0);
    assert_true(aff);
    assert_null(fixed);
}

static void test_ecosystem_names(void **state)
{
    struct moat_pkg deb = {.type = MOAT_PKG_DEB}, apk = {.type = MOAT_PKG_APK};
    struct moat_os debian = {.id = "debian", .version_id = "12"};
    struct moat_os bookworm = {.id = "debian", .codename = "bookworm"};
    struct moat_os alpine = {.id = "alpine", .version_id = "3.20.3"};
    struct moat_os ubuntu = {.id = "ubuntu", .version_id = "22.04"};
    struct moat_os ubuntu2 = {.id = "ubuntu", .version_id = "23.10"};
    struct moat_os unknown = {.id = "plan9", .version_id = "4"};
    char buf[64];

    (void)state;
    assert_int_equal(moat_vuln_ecosystem(&deb, &debian, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "Debian:12");
    assert_int_equal(moat_vuln_ecosystem(&deb, &bookworm, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "Debian:12");
    assert_int_equal(moat_vuln_ecosystem(&apk, &alpine, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "Alpine:v3.20");
    assert_int_equal(moat_vuln_ecosystem(&deb, &ubuntu, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "Ubuntu:22.04:LTS");
    assert_int_equal(moat_vuln_ecosystem(&deb, &ubuntu2, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "Ubuntu:23.10");
    assert_int_equal(moat_vuln_ecosystem(&deb, &unknown, buf, sizeof(buf)), -MOAT_E_UNSUPPORTED);
    assert_int_equal(moat_vuln_ecosystem(&apk, &debian, buf, sizeof(buf)), -MOAT_E_UNSUPPORTED);
    assert_int_equal(moat_vuln_ecosystem(&deb, &debian, buf, 5), -MOAT_E_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_introduced_fixed),
        cmocka_unit_test(test_unfixed_and_last_affected),
        cmocka_unit_test(test_unsorted_and_reintroduced),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_versions_git_and_bad),
        cmocka_unit_test(test_two_ranges_take_the_higher_fix),
        cmocka_unit_test(test_ecosystem_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
