/* test_credential.c - the generic rule's validator (src/secret/credential.c): the randomness
 * test's p-values against independent computations (Stirling numbers for the distinct-character
 * count, enumeration of every arrangement for the runs count), its rejection rate on random
 * values against the 3-alpha bound it documents, the values it must refuse (words,
 * identifiers, references, placeholders, markup, code), and the value forms it reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "secret_test.h"

/* P(D <= d) by the closed form C(A,k) k! S(n,k) / A^n, S from its own recurrence. */
static double stirling_cdf(int n, int a, int d)
{
    static double st[30][30];
    double sum = 0;

    memset(st, 0, sizeof st);
    st[0][0] = 1;
    for (int i = 1; i <= n; i++)
        for (int k = 1; k <= i; k++)
            st[i][k] = k * st[i - 1][k] + st[i - 1][k - 1];
    for (int k = 1; k <= d && k <= n && k <= a; k++) {
        double falling = 1; /* A (A-1) ... (A-k+1) = C(A,k) k! */
        for (int j = 0; j < k; j++)
            falling *= a - j;
        double an = 1;
        for (int j = 0; j < n; j++)
            an *= a;
        sum += falling * st[n][k] / an;
    }
    return sum;
}

static double absd(double x)
{
    return x < 0 ? -x : x;
}

static void test_distinct_pvalue(void **state)
{
    /* values whose alphabet is known: hex (16), digits + lower (36), alnum (62) */
    static const char *const vals[] = {"a1a1a1a1b2b2",   "0f0f0f0f0f0f0f0f", "abcd0123abcd0123",
                                       "k3k3k3k3m9m9m9", "aB3aB3aB3aB3cD",   "Zz9Zz9Zz9Zz9Zz9Zz"};
    (void)state;
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        struct moat_secret_randomness r;
        moat_secret_random(vals[i], strlen(vals[i]), &r);
        double want = stirling_cdf((int)r.n, (int)r.alphabet, (int)r.distinct);
        if (absd(r.p_distinct - want) > 1e-12 + 1e-9 * want)
            fail_msg("%s: p_distinct %g, closed form %g (A=%zu, D=%zu)", vals[i], r.p_distinct,
                     want, r.alphabet, r.distinct);
    }
}

/* Runs of a class in a 0/1 pattern. */
static size_t runs_of(unsigned mask, int n)
{
    size_t r = 0;
    for (int i = 0; i < n; i++)
        r += (mask >> i & 1) && (i == 0 || !(mask >> (i - 1) & 1));
    return r;
}

static void test_cluster_pvalue(void **state)
{
    /* 15 lower case letters in one run, 5 digits in one run: enumerate all C(20,15)
     * placements of the letters, and of the digits, and count those with as few runs */
    const char *v = "qwzkxjvbnmhgtrp73951";
    struct moat_secret_randomness r;
    double le1_letters = 0, le1_digits = 0, total = 0;

    (void)state;
    moat_secret_random(v, strlen(v), &r);
    for (unsigned m = 0; m < 1u << 20; m++) {
        if (__builtin_popcount(m) != 15)
            continue;
        total++;
        le1_letters += runs_of(m, 20) <= 1;
        le1_digits += runs_of(~m & 0xfffff, 20) <= 1;
    }
    /* two classes tested: Bonferroni doubles the smaller p */
    double want = 2 * (le1_letters < le1_digits ? le1_letters : le1_digits) / total;
    if (absd(r.p_cluster - want) > 1e-12)
        fail_msg("p_cluster %g, enumeration %g", r.p_cluster, want);
    assert_non_null(r.why); /* 7.7e-4 < alpha */
    assert_non_null(strstr(r.why, "together"));
}

/* Random values from alphabets with at least two classes likely present: the share dropped
 * must stay within the documented bound (3 alpha, plus the structural cases, negligible for
 * these alphabets at 16 characters and more). */
static void test_random_rejection_rate(void **state)
{
#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    static const char *const alpha[] = {
        ALNUM,
        "0123456789abcdef",
        ALNUM "+/",
        ALNUM "!#$%&()*+,-./:;<=>?@[]^_{|}~",
    };

    (void)state;
    if (test_seed() == 0)
        fail_msg("getrandom failed");
    for (size_t a = 0; a < sizeof alpha / sizeof alpha[0]; a++) {
        size_t dropped = 0, runs = 20000, k = strlen(alpha[a]);
        for (size_t i = 0; i < runs; i++) {
            char v[32];
            size_t n = 16 + test_rnd() % 9;
            for (size_t j = 0; j < n; j++)
                v[j] = alpha[a][test_rnd() % k];
            dropped += !moat_secret_random(v, n, NULL);
        }
        print_message("alphabet of %zu: %zu of %zu random values dropped\n", k, dropped, runs);
        /* 3 alpha = 60 expected at most; 100 leaves room for chance (P < 1e-6 under the bound) */
        assert_true(dropped <= 100);
    }
}

static void assert_refused(const char *v, const char *why)
{
    struct moat_secret_randomness r;

    if (moat_secret_random(v, strlen(v), &r))
        fail_msg("'%s' passed as random", v);
    if (!strstr(r.why, why))
        fail_msg("'%s': refused because '%s', expected '%s'", v, r.why, why);
}

static void test_not_random(void **state)
{
    (void)state;
    assert_refused("configuration", "single letter case");
    assert_refused("MYAPPLICATIONKEY", "single letter case");
    assert_refused("12345678901234", "number");
    assert_refused("aaaa1111bbbb2222", "distinct");
    assert_refused("camelCaseIdentifier", "case");
    assert_refused("/run/secrets/DB_PASSWORD", "together");
    assert_refused("short1A", "shorter");
    assert_true(moat_secret_random("Xk9#mQ2!vL7pR4tZ", 16, NULL));
    assert_true(moat_secret_random("3f9a27c1d04e5b68", 16, NULL));
    assert_true(moat_secret_random("kx8wq2mz7vbn4tp3", 16, NULL)); /* [a-z0-9] with digits */
}

/* The validator on whole matches (which start at the key), with the line before them. */
static int ok(const char *before, const char *match, unsigned where)
{
    struct moat_secret_context ctx = {before, strlen(before), where};

    return moat_secret_credential(match, strlen(match), &ctx, NULL);
}

static void test_forms(void **state)
{
    (void)state;
    /* assignments, quoted or not, with the separators of many languages */
    assert_true(ok("", "password = Xk9#mQ2!vL7pR4tZ", 0));
    assert_true(ok("  ", "password: \"Xk9#mQ2!vL7pR4tZ", 0));
    assert_true(ok("\"", "secret\": \"Xk9#mQ2!vL7pR4tZ", 0));
    assert_true(ok("", "password := \"Xk9#mQ2!vL7pR4tZ", MOAT_SECRET_IN_CODE));
    assert_true(ok("'", "token' => 'Xk9#mQ2!vL7pR4tZ", MOAT_SECRET_IN_CODE));
    /* in source code a bare right-hand side is an expression */
    assert_false(ok("    ", "token = Xk9#mQ2!vL7pR4tZ", MOAT_SECRET_IN_CODE));
    /* XML: an element, or key/name attributes; without the XML before it, nothing */
    assert_true(ok("  <db.", "password>Xk9#mQ2!vL7pR4tZ", 0));
    assert_true(ok("<entry key=\"db.", "password\">Xk9#mQ2!vL7pR4tZ", 0));
    assert_true(ok("<add key=\"Api", "Key\" value=\"Xk9#mQ2!vL7pR4tZ", 0));
    assert_true(ok("<property name = 'jdbc.", "password' value='Xk9#mQ2!vL7pR4tZ", 0));
    assert_false(ok("say ", "password>Xk9#mQ2!vL7pR4tZ", 0));
    assert_false(ok("<add monkey=\"", "password\" value=\"Xk9#mQ2!vL7pR4tZ", 0));
    /* XML entities are decoded; markup is not a credential */
    assert_true(ok("<", "password>Xk9#mQ2&amp;vL7pR4tZ", 0));
    assert_false(ok("", "password: String&lt;/div&gt;&lt;div", 0));
    assert_false(ok("", "secret: &amp;gt;4&amp;lt;563^%$&amp;amp;5w", 0));
    /* references, templates, placeholders, URLs, numbers */
    assert_false(ok("", "password=${DB_PASSWORD_FROM_VAULT}", 0));
    assert_false(ok("", "password=$POSTGRES_PASSWORD", 0));
    assert_false(ok("", "password: \"{{ .Values.db.password }}\"", 0));
    assert_false(ok("", "secret = %(db_secret_key)s", 0));
    assert_false(ok("", "token=@SECRET_TOKEN_VALUE@", 0));
    assert_false(ok("", "password=changeme123456", 0));
    assert_false(ok("", "token=https://auth.example.org/x", 0));
    assert_false(ok("", "password = \"0xAb19D82E7f546cC3\"", 0));
    assert_true(ok("", "password=$qes09N9l18Nx", 0)); /* a random value may start with $ */
    /* user/password pairs are judged on the password */
    assert_false(ok("ID/", "Password:master/iPp2@GRq", 0));
    assert_false(ok("", "Password:master/IhqSb1Gg", 0));
    assert_true(ok("ID/", "Password:master/Xk9#mQ2!vL7pR4tZ", 0));
}

static void test_path_is_code(void **state)
{
    (void)state;
    assert_true(moat_secret_path_is_code("usr/lib/python3.11/urllib/request.py"));
    assert_true(moat_secret_path_is_code("usr/share/man/man5/pam.conf.5.gz"));
    assert_true(moat_secret_path_is_code("usr/share/man/man3/EVP.3ssl.gz"));
    assert_true(moat_secret_path_is_code("usr/share/info/gnupg.info-1.gz"));
    assert_true(moat_secret_path_is_code("app/Main.JAVA"));
    assert_false(moat_secret_path_is_code("app/.env"));
    assert_false(moat_secret_path_is_code("etc/profile.d/app.sh"));
    assert_false(moat_secret_path_is_code("etc/app/config"));
    assert_false(moat_secret_path_is_code("app/config.yaml.gz"));
    assert_false(moat_secret_path_is_code("config:Env"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distinct_pvalue),
        cmocka_unit_test(test_cluster_pvalue),
        cmocka_unit_test(test_random_rejection_rate),
        cmocka_unit_test(test_not_random),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_path_is_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
