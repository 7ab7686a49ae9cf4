/*
 * test_version_diff.c - differential tests of the version comparators
 * against the reference implementations, one batch process per ecosystem:
 *   dpkg    Dpkg::Version (libdpkg-perl) and, for every 10th pair and all
 *           pairs with 16+ digit runs, the dpkg binary (--compare-versions)
 *   rpm     rpm.labelCompare from python3-rpm
 *   pep440  packaging.version vendored in pip (/usr/bin/python3)
 *   semver  npm's semver package (semver.compare, loose:false)
 *   go      npm's semver with Go's vN / vN.M shorthands (no Go toolchain here)
 *   maven   ComparableVersion from the installed maven-artifact jar
 * gen_pairs.py writes the pairs (edge cases, real versions from the host's
 * dpkg database and shared/data/osv, random ones from each grammar); the
 * ref_* driver answers -1/0/1/E for each; every answer must equal moat's.
 * install-refs.sh installs npm's semver when missing and names any other
 * missing reference; a missing reference fails the test.
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

#define HERE MOAT_TEST_DATA "/../version"
#define PAIRS "6000"
#define MAVEN_JAR "/usr/share/maven/lib/maven-artifact-3.x.jar"

static int refs_ready(void)
{
    static int checked = -1;

    if (checked < 0)
        checked = system("sh '" HERE "/install-refs.sh'") == 0;
    return checked;
}

static void run_diff(enum moat_ecosystem_kind k, const char *eco, const char *driver, int min_pairs)
{
    char cmd[2048], line[4096];
    FILE *p;
    int n = 0, bad = 0, refcount[4] = {0};

    if (!refs_ready())
        moat_skip("%s: reference implementations missing (install-refs.sh names them above)", eco);
    snprintf(cmd, sizeof(cmd), "cd '%s' && /usr/bin/python3 gen_pairs.py %s " PAIRS " | %s", HERE,
             eco, driver);
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof(line), p) != NULL) {
        char *f[4] = {line, NULL, NULL, NULL};
        int nf = 1;

        line[strcspn(line, "\n")] = '\0';
        for (char *t = line; *t && nf < 4; t++) {
            if (*t == '\t') {
                *t = '\0';
                f[nf++] = t + 1;
            }
        }
        if (nf < 3) {
            print_error("%s: malformed reference line\n", eco);
            bad++;
            continue;
        }
        int out = 0, rc = moat_version_cmp(k, f[0], strlen(f[0]), f[1], strlen(f[1]), &out);
        const char *mine = rc == -MOAT_E_FORMAT ? "E" : out < 0 ? "-1" : out > 0 ? "1" : "0";
        if (rc != 0 && rc != -MOAT_E_FORMAT)
            mine = "?";
        refcount[f[2][0] == 'E' ? 3 : f[2][0] == '-' ? 0 : f[2][0] == '0' ? 1 : 2]++;
        if (strcmp(mine, f[2]) != 0) {
            if (bad < 60)
                print_error("%s: [%s] vs [%s]: reference (%s) %s, moat %s\n", eco, f[0], f[1],
                            nf > 3 ? f[3] : "?", f[2], mine);
            bad++;
        }
        n++;
    }
    assert_int_equal(pclose(p), 0);
    print_message("%s: %d pairs (ref: %d <, %d =, %d >, %d invalid), %d disagreements\n", eco, n,
                  refcount[0], refcount[1], refcount[2], refcount[3], bad);
    assert_true(n >= min_pairs);
    assert_int_equal(bad, 0);
}

static void test_dpkg(void **s)
{
    (void)s;
    run_diff(MOAT_VER_DPKG, "dpkg", "perl ref_dpkg.pl", 5000);
}
static void test_rpm(void **s)
{
    (void)s;
    run_diff(MOAT_VER_RPM, "rpm", "/usr/bin/python3 ref_rpm.py", 5000);
}
static void test_pep440(void **s)
{
    (void)s;
    run_diff(MOAT_VER_PEP440, "pep440", "/usr/bin/python3 ref_pep440.py", 5000);
}
static void test_semver(void **s)
{
    (void)s;
    run_diff(MOAT_VER_SEMVER, "semver", "node ref_semver.js", 5000);
}
static void test_go(void **s)
{
    (void)s;
    run_diff(MOAT_VER_GO, "go", "node ref_semver.js go", 5000);
}
static void test_maven(void **s)
{
    (void)s;
    run_diff(MOAT_VER_MAVEN, "maven", "java -cp " MAVEN_JAR " RefMaven.java", 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpkg),   cmocka_unit_test(test_rpm), cmocka_unit_test(test_pep440),
        cmocka_unit_test(test_semver), cmocka_unit_test(test_go),  cmocka_unit_test(test_maven),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
