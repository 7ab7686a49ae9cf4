/*
 * test_version.c - the version comparators on hand-written cases (the ones
 * each scheme's documentation calls out), apk-tools' own test vectors, the
 * OSV ecosystem map and the API's argument checks. The differential suites
 * against the reference implementations are in test_version_diff.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/base/error.h"
#include "moat/version/version.h"
#include "version/version_int.h"

/* cmp(a, b) must be `want` (-1, 0, 1, or 9 for -MOAT_E_FORMAT); also checks antisymmetry. */
static void check(enum moat_ecosystem_kind k, const char *a, const char *b, int want, int line)
{
    int out = 42, back = 42;
    int rc = moat_version_cmp(k, a, strlen(a), b, strlen(b), &out);
    int rb = moat_version_cmp(k, b, strlen(b), a, strlen(a), &back);
    int got = rc == -MOAT_E_FORMAT ? 9 : out;

    if (got != want || rc != rb || (rc == 0 && out != -back)) {
        print_error("line %d: %s: cmp(\"%s\", \"%s\") = %d (rc %d, reverse %d), want %d\n", line,
                    moat_version_kind_name(k), a, b, got, rc, back, want);
        fail();
    }
}

#define LT(k, a, b) check(k, a, b, -1, __LINE__)
#define EQ(k, a, b) check(k, a, b, 0, __LINE__)
#define GT(k, a, b) check(k, a, b, 1, __LINE__)
#define BAD(k, a) check(k, a, "1", 9, __LINE__)

static void test_dpkg(void **state)
{
    (void)state;
    LT(MOAT_VER_DPKG, "1.0~rc1", "1.0");
    LT(MOAT_VER_DPKG, "1.0~~", "1.0~");
    LT(MOAT_VER_DPKG, "1.0", "1.0a");
    LT(MOAT_VER_DPKG, "1.0a", "1.0+");
    LT(MOAT_VER_DPKG, "1.0Z", "1.0a");
    EQ(MOAT_VER_DPKG, "1.0", "0:1.0");
    EQ(MOAT_VER_DPKG, "1.0", "1.0-0");
    EQ(MOAT_VER_DPKG, "1.001", "1.1");
    GT(MOAT_VER_DPKG, "1:0.1", "9.9");
    LT(MOAT_VER_DPKG, "9:1", "10:1");
    LT(MOAT_VER_DPKG, "1.0-1", "1.0-1+b1");
    LT(MOAT_VER_DPKG, "1.0-1~bpo1", "1.0-1");
    LT(MOAT_VER_DPKG, "7.88.1-10+deb12u5", "7.88.1-10+deb12u12");
    GT(MOAT_VER_DPKG, "1.0-1-2", "1.0-1-1"); /* last hyphen splits */
    /* digit runs longer than any integer type */
    LT(MOAT_VER_DPKG, "1.99999999999999999999998", "1.99999999999999999999999");
    EQ(MOAT_VER_DPKG, "1.00000000000000000000000000001", "1.1");
    BAD(MOAT_VER_DPKG, "");
    BAD(MOAT_VER_DPKG, "a1.0");
    BAD(MOAT_VER_DPKG, "1.0-");
    BAD(MOAT_VER_DPKG, ":1.0");
    BAD(MOAT_VER_DPKG, "1:");
    BAD(MOAT_VER_DPKG, "x:1.0");
    BAD(MOAT_VER_DPKG, "1.0 1");
    BAD(MOAT_VER_DPKG, "1.0_1");
    BAD(MOAT_VER_DPKG, "2147483648:1.0"); /* dpkg: epoch too big */
    EQ(MOAT_VER_DPKG, "2147483647:1.0", "2147483647:1.0");
}

static void test_rpm(void **state)
{
    (void)state;
    LT(MOAT_VER_RPM, "1.0~rc1", "1.0");
    LT(MOAT_VER_RPM, "1.0", "1.0^git1");
    LT(MOAT_VER_RPM, "1.0^git1", "1.0.1");
    LT(MOAT_VER_RPM, "1.0^git1", "1.0a");
    LT(MOAT_VER_RPM, "1.0~rc1", "1.0~rc2");
    LT(MOAT_VER_RPM, "1.0a", "1.0.1"); /* numeric segment beats alpha */
    EQ(MOAT_VER_RPM, "1.0", "1_0");    /* separators only separate */
    EQ(MOAT_VER_RPM, "1.01", "1.1");
    LT(MOAT_VER_RPM, "1.0-1.el9", "1.0-2.el9");
    LT(MOAT_VER_RPM, "1.0-9.el9", "1.0-10.el9");
    LT(MOAT_VER_RPM, "2.0-1", "1:1.0-1");
    EQ(MOAT_VER_RPM, "0:1.0-1", "1.0-1");
    EQ(MOAT_VER_RPM, ":1.0-1", "1.0-1");
    LT(MOAT_VER_RPM, "1.0", "1.0-1"); /* labelCompare: missing release first */
    LT(MOAT_VER_RPM, "1.0-", "1.0-0");
    LT(MOAT_VER_RPM, "3.2.1-9.el9", "3.2.1-9.el9_4.2");
    LT(MOAT_VER_RPM, "1.99999999999999999999998", "1.99999999999999999999999");
    BAD(MOAT_VER_RPM, "");
    BAD(MOAT_VER_RPM, "1:");
    BAD(MOAT_VER_RPM, "-1");
    BAD(MOAT_VER_RPM, "1.0 1");
}

static void test_apk(void **state)
{
    (void)state;
    LT(MOAT_VER_APK, "1.0_rc1", "1.0");
    LT(MOAT_VER_APK, "1.0", "1.0_p1");
    LT(MOAT_VER_APK, "1.0_alpha", "1.0_beta");
    LT(MOAT_VER_APK, "1.0_git1", "1.0_p1");
    LT(MOAT_VER_APK, "1.0-r1", "1.0-r2");
    LT(MOAT_VER_APK, "1.0", "1.0-r0");
    LT(MOAT_VER_APK, "1.0-r9", "1.0a");
    LT(MOAT_VER_APK, "1.0~abc", "1.0~abd");
    LT(MOAT_VER_APK, "1.09", "1.1"); /* leading zero: string compare */
    LT(MOAT_VER_APK, "1.2", "1.10");
    BAD(MOAT_VER_APK, "");
    BAD(MOAT_VER_APK, "1.0bc");
    BAD(MOAT_VER_APK, "1.0_foo");
    BAD(MOAT_VER_APK, "1.0-x");
    BAD(MOAT_VER_APK, "v1.0");
    BAD(MOAT_VER_APK, "1.0a1");
}

static void test_semver(void **state)
{
    (void)state;
    /* semver.org's precedence example */
    static const char *chain[] = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                  "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
    for (size_t i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++)
        LT(MOAT_VER_SEMVER, chain[i], chain[i + 1]);
    EQ(MOAT_VER_SEMVER, "1.0.0+build.1", "1.0.0+build.2");
    EQ(MOAT_VER_SEMVER, "v1.2.3", " 1.2.3 ");
    LT(MOAT_VER_SEMVER, "1.2.3-9", "1.2.3-10");
    LT(MOAT_VER_SEMVER, "1.2.3-99", "1.2.3--");
    /* npm: numeric identifiers as JavaScript numbers */
    EQ(MOAT_VER_SEMVER, "1.0.0-99999999999999999999.1", "1.0.0-99999999999999999998.2");
    EQ(MOAT_VER_SEMVER, "9007199254740991.0.0", "9007199254740991.0.0");
    BAD(MOAT_VER_SEMVER, "9007199254740992.0.0");
    BAD(MOAT_VER_SEMVER, "1.2");
    BAD(MOAT_VER_SEMVER, "=1.2.3");
    BAD(MOAT_VER_SEMVER, "01.2.3");
    BAD(MOAT_VER_SEMVER, "1.2.3-01");
    BAD(MOAT_VER_SEMVER, "1.2.3-");
    BAD(MOAT_VER_SEMVER, "1.2.3+");
    BAD(MOAT_VER_SEMVER, "1.2.3-a..b");
}

static void test_go(void **state)
{
    (void)state;
    EQ(MOAT_VER_GO, "v1", "v1.0.0");
    EQ(MOAT_VER_GO, "v1.2", "v1.2.0");
    EQ(MOAT_VER_GO, "v2.0.0+incompatible", "v2.0.0");
    LT(MOAT_VER_GO, "v0.0.0-20210101000000-abcdefabcdef", "v0.0.0-20220101000000-abcdefabcdef");
    LT(MOAT_VER_GO, "v1.2.3", "v1.2.4-0.20210101000000-abcdefabcdef");
    LT(MOAT_VER_GO, "v1.2.4-0.20210101000000-abcdefabcdef", "v1.2.4");
    LT(MOAT_VER_GO, "v1.99999999999999999999998.0", "v1.99999999999999999999999.0");
    BAD(MOAT_VER_GO, "1.2.3");
    BAD(MOAT_VER_GO, "v1-rc1");
    BAD(MOAT_VER_GO, "v1.2.3.4");
    BAD(MOAT_VER_GO, "v01.2.3");
}

static void test_pep440(void **state)
{
    (void)state;
    static const char *chain[] = {"1.0.dev0",       "1.0a1.dev1", "1.0a1", "1.0a1.post1",
                                  "1.0b1",          "1.0rc1",     "1.0",   "1.0+local",
                                  "1.0.post1.dev1", "1.0.post1",  "1.1"};
    for (size_t i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++)
        LT(MOAT_VER_PEP440, chain[i], chain[i + 1]);
    EQ(MOAT_VER_PEP440, "1.0a1", "1.0.0-alpha.1");
    EQ(MOAT_VER_PEP440, "1.0", "v1.0.0");
    EQ(MOAT_VER_PEP440, "1.0c1", "1.0rc1");
    EQ(MOAT_VER_PEP440, "1.0-1", "1.0.post1");
    EQ(MOAT_VER_PEP440, "1.0+ABC", "1.0+abc");
    EQ(MOAT_VER_PEP440, "1.0a-1", "1.0a1");
    EQ(MOAT_VER_PEP440, "1.0a.", "1.0a0");
    GT(MOAT_VER_PEP440, "1!0.1", "2.0");
    LT(MOAT_VER_PEP440, "1.0+abc", "1.0+1");
    LT(MOAT_VER_PEP440, "1.0+1", "1.0+1.a");
    BAD(MOAT_VER_PEP440, "1.0.");
    BAD(MOAT_VER_PEP440, "1..0");
    BAD(MOAT_VER_PEP440, "1.0+");
    EQ(MOAT_VER_PEP440, "1.0-dev-", "1.0.dev0");
    BAD(MOAT_VER_PEP440, "1.0-dev--");
    BAD(MOAT_VER_PEP440, "latest");
}

static void test_maven(void **state)
{
    (void)state;
    static const char *chain[] = {"1-alpha", "1-alpha-1",  "1-beta", "1-milestone",
                                  "1-rc",    "1-snapshot", "1",      "1-sp",
                                  "1-abc",   "1-1",        "1.1"};
    for (size_t i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++)
        LT(MOAT_VER_MAVEN, chain[i], chain[i + 1]);
    EQ(MOAT_VER_MAVEN, "1", "1.0.0");
    EQ(MOAT_VER_MAVEN, "1-ga", "1-final");
    EQ(MOAT_VER_MAVEN, "1-cr1", "1-rc1");
    EQ(MOAT_VER_MAVEN, "1a1", "1-alpha-1");
    EQ(MOAT_VER_MAVEN, "1.0-1", "1-1");
    EQ(MOAT_VER_MAVEN, "2.0.0.RELEASE", "2.0.0");
    GT(MOAT_VER_MAVEN, "1.0000000000.1", "1.0.1"); /* a long zero is not an int zero */
    LT(MOAT_VER_MAVEN, "1.999999999", "1.1000000000");
    BAD(MOAT_VER_MAVEN, "1.0\x01");
}

static void test_apk_vectors(void **state)
{
    char path[4096], line[1024];
    FILE *f;
    int n = 0, bad = 0;

    (void)state;
    snprintf(path, sizeof(path), "%s/version/apk-version.data", MOAT_TEST_DATA);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *hash = strchr(line, '#');
        char a[256], b[256], op;
        size_t an, bn;
        const char *p = line;

        if (hash)
            *hash = '\0';
        an = strcspn(p, " \t\n");
        if (an == 0 || an >= sizeof(a))
            continue;
        memcpy(a, p, an);
        a[an] = '\0';
        p += an + strspn(p + an, " \t");
        op = *p++;
        p += strspn(p, " \t");
        bn = strcspn(p, " \t\n");
        assert_true(bn > 0 && bn < sizeof(b));
        memcpy(b, p, bn);
        b[bn] = '\0';
        int want = op == '<' ? -1 : op == '>' ? 1 : 0;
        int got = ver_sign(ver_apk_cmp(a, an, b, bn));
        int rev = ver_sign(ver_apk_cmp(b, bn, a, an));
        int out, rc = moat_version_cmp(MOAT_VER_APK, a, an, b, bn, &out);
        int valid =
            moat_version_valid(MOAT_VER_APK, a, an) && moat_version_valid(MOAT_VER_APK, b, bn);
        if (got != want || rev != -want ||
            (valid ? (rc != 0 || out != want) : rc != -MOAT_E_FORMAT)) {
            print_error("apk: %s %c %s: got %d (reverse %d, api rc %d)\n", a, op, b, got, rev, rc);
            bad++;
        }
        n++;
    }
    fclose(f);
    print_message("apk-tools vectors: %d pairs, %d disagreements\n", n, bad);
    assert_true(n >= 733);
    assert_int_equal(bad, 0);
}

static void test_ecosystems(void **state)
{
    static const struct {
        const char *eco;
        enum moat_ecosystem_kind k;
    } ok[] = {
        {"Debian", MOAT_VER_DPKG},
        {"Debian:12", MOAT_VER_DPKG},
        {"Ubuntu:22.04:LTS", MOAT_VER_DPKG},
        {"Alpine:v3.20", MOAT_VER_APK},
        {"Wolfi", MOAT_VER_APK},
        {"Red Hat", MOAT_VER_RPM},
        {"AlmaLinux:9", MOAT_VER_RPM},
        {"Rocky Linux", MOAT_VER_RPM},
        {"openSUSE", MOAT_VER_RPM},
        {"npm", MOAT_VER_SEMVER},
        {"crates.io", MOAT_VER_SEMVER},
        {"Go", MOAT_VER_GO},
        {"PyPI", MOAT_VER_PEP440},
        {"Maven", MOAT_VER_MAVEN},
    };
    enum moat_ecosystem_kind k;

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(moat_version_kind_for_ecosystem(ok[i].eco, &k), 0);
        assert_int_equal(k, ok[i].k);
    }
    assert_int_equal(moat_version_kind_for_ecosystem("Packagist", &k), -MOAT_E_UNSUPPORTED);
    assert_int_equal(moat_version_kind_for_ecosystem("Debianx", &k), -MOAT_E_UNSUPPORTED);
    assert_int_equal(moat_version_kind_for_ecosystem("", &k), -MOAT_E_UNSUPPORTED);
    assert_int_equal(moat_version_kind_for_ecosystem(NULL, &k), -MOAT_E_ARG);
}

static void test_api_args(void **state)
{
    int out = 7;

    (void)state;
    assert_int_equal(moat_version_cmp(0, "1", 1, "1", 1, &out), -MOAT_E_ARG);
    assert_int_equal(moat_version_cmp(99, "1", 1, "1", 1, &out), -MOAT_E_ARG);
    assert_int_equal(moat_version_cmp(MOAT_VER_DPKG, "1", 1, "1", 1, NULL), -MOAT_E_ARG);
    assert_int_equal(moat_version_cmp(MOAT_VER_DPKG, NULL, 1, "1", 1, &out), -MOAT_E_ARG);
    assert_int_equal(moat_version_valid(99, "1", 1), 0);
    /* not NUL-terminated: only the given length counts */
    assert_int_equal(moat_version_cmp(MOAT_VER_DPKG, "1.0xyz", 3, "1.0", 3, &out), 0);
    assert_int_equal(out, 0);
    /* an embedded NUL is never valid */
    for (enum moat_ecosystem_kind k = MOAT_VER_DPKG; k <= MOAT_VER_MAVEN; k++)
        assert_int_equal(moat_version_valid(k, "1\0", 2), 0);
    assert_string_equal(moat_version_kind_name(MOAT_VER_PEP440), "pep440");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpkg),       cmocka_unit_test(test_rpm),
        cmocka_unit_test(test_apk),        cmocka_unit_test(test_semver),
        cmocka_unit_test(test_go),         cmocka_unit_test(test_pep440),
        cmocka_unit_test(test_maven),      cmocka_unit_test(test_apk_vectors),
        cmocka_unit_test(test_ecosystems), cmocka_unit_test(test_api_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
