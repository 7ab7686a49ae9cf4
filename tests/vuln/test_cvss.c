/*
 * test_cvss.c - CVSS scoring (src/vuln/cvss.c):
 *  - the scored examples of FIRST's specification documents
 *    (tests/data/cvss/examples-*.tsv, see the README there);
 *  - invalid vectors and bounds;
 *  - a differential test: thousands of random vectors (valid ones, and
 *    one-edit mutations of them) scored by moat and by an independent
 *    implementation (npm ae-cvss-calculator, driven by cvss-ref.js in one
 *    node process; installed by cvss-install-refs.sh when missing). Any
 *    score difference > 0.05 or validity disagreement fails the test, except
 *    where the reference is knowingly lenient (it lets a duplicate metric
 *    win, ignores v4.0 order, fills missing v4.0 base metrics, takes the
 *    value S, defined only for MSI/MSA, for SC/SI/SA), which only
 *    moat rejects, as the specifications say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/base/finding.h"
#include "moat/vuln/cvss.h"

#define VULN_TESTS MOAT_TEST_DATA "/../vuln"

static int score_str(const char *v, enum moat_cvss_version *ver, double *s, struct moat_err *err)
{
    return moat_cvss_score(v, strlen(v), ver, s, err);
}

/* ---- spec examples ------------------------------------------------------ */

static size_t run_examples(const char *file, enum moat_cvss_version want)
{
    char path[512], line[512];
    FILE *f;
    size_t n = 0, bad = 0;

    snprintf(path, sizeof(path), "%s/cvss/%s", MOAT_TEST_DATA, file);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *tab1, *tab2, *end;
        double expect, got = -1;
        enum moat_cvss_version ver = 0;
        struct moat_err err = MOAT_ERR_INIT;
        int r;

        if (line[0] == '#' || line[0] == '\n')
            continue;
        tab1 = strchr(line, '\t');
        assert_non_null(tab1);
        tab2 = strchr(tab1 + 1, '\t');
        assert_non_null(tab2);
        expect = strtod(tab1 + 1, &end);
        assert_ptr_equal(end, tab2);
        r = moat_cvss_score(line, (size_t)(tab1 - line), &ver, &got, &err);
        if (r != 0 || ver != want || got < expect - 0.001 || got > expect + 0.001) {
            fprintf(stderr, "%s: %.*s: want %.1f, got r=%d %.1f (%s)\n", file, (int)(tab1 - line),
                    line, expect, r, got, moat_err_msg(&err));
            bad++;
        }
        moat_err_clear(&err);
        n++;
    }
    fclose(f);
    fprintf(stderr, "%s: %zu examples, %zu wrong\n", file, n, bad);
    assert_int_equal(bad, 0);
    assert_true(n >= 10);
    return n;
}

static void test_examples_v31(void **state)
{
    (void)state;
    run_examples("examples-v3.1.tsv", MOAT_CVSS_V31);
}

static void test_examples_v30(void **state)
{
    (void)state;
    run_examples("examples-v3.0.tsv", MOAT_CVSS_V30);
}

static void test_examples_v2(void **state)
{
    (void)state;
    run_examples("examples-v2.tsv", MOAT_CVSS_V2);
}

static void test_examples_v40(void **state)
{
    (void)state;
    run_examples("examples-v4.0.tsv", MOAT_CVSS_V40);
}

/* ---- specific behaviour -------------------------------------------------- */

static void test_basics(void **state)
{
    enum moat_cvss_version ver;
    double s;
    struct moat_err err = MOAT_ERR_INIT;
    /* Not NUL-terminated: only the first len bytes count. */
    const char buf[] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HXXXX";

    (void)state;
    assert_int_equal(moat_cvss_score(buf, sizeof(buf) - 5, &ver, &s, &err), 0);
    assert_int_equal(ver, MOAT_CVSS_V31);
    assert_true(s > 9.79 && s < 9.81);
    assert_int_equal(moat_severity_from_score(s), MOAT_SEV_CRITICAL);

    /* v3.x: any order, temporal/environmental metrics validated but base score returned. */
    assert_int_equal(
        score_str("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:U/RL:O/MAV:P", &ver, &s, &err),
        0);
    assert_true(s > 9.79 && s < 9.81);
    /* v3.0 rounding differs from v3.1 Roundup on this vector? Both are defined; just check range.
     */
    assert_int_equal(score_str("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", &ver, &s, &err), 0);
    assert_true(s == 0.0);
    assert_int_equal(moat_severity_from_score(s), MOAT_SEV_UNKNOWN);

    /* v2 with and without prefix. */
    assert_int_equal(score_str("AV:N/AC:L/Au:N/C:P/I:P/A:P", &ver, &s, &err), 0);
    assert_int_equal(ver, MOAT_CVSS_V2);
    assert_true(s > 7.49 && s < 7.51);
    assert_int_equal(score_str("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", &ver, &s, &err), 0);
    assert_true(s > 7.49 && s < 7.51);

    /* v4: threat metric lowers the score; supplemental metrics do not change it. */
    assert_int_equal(score_str("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                               &ver, &s, &err),
                     0);
    assert_int_equal(ver, MOAT_CVSS_V40);
    assert_true(s > 9.29 && s < 9.31);
    assert_int_equal(
        score_str(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/U:Amber",
            &ver, &s, &err),
        0);
    assert_true(s > 9.29 && s < 9.31);
    assert_int_equal(
        score_str("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", &ver, &s,
                  &err),
        0);
    assert_true(s > 8.09 && s < 8.11);
    /* No impact at all -> 0.0. */
    assert_int_equal(score_str("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                               &ver, &s, &err),
                     0);
    assert_true(s == 0.0);
    moat_err_clear(&err);
}

static void test_invalid(void **state)
{
    static const char *const bad[] = {
        "",
        "CVSS:3.1",
        "CVSS:3.1/",
        "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",          /* missing A */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",     /* trailing slash */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L",  /* duplicate */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q",      /* bad value */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:h",      /* case matters */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:X", /* unknown metric */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:ND", /* v2 value in v3 */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N//S:U/C:H/I:H/A:H",     /* empty component */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A",        /* no colon */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H:H",    /* extra colon */
        "CVSS:3.1/AV::N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H",               /* X is not a base value */
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", /* missing SA */
        "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",          /* order */
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:H/E:A", /* order */
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:A",  /* duplicate */
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", /* S only in MSI */
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:amber",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S",
        "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", /* v3 metrics under v4 */
        "AV:N/AC:L/Au:N/C:P/I:P",                       /* v2 missing A */
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X",               /* v3 value in v2 */
        "(AV:N/AC:L/Au:N/C:P/I:P/A:P)",
        " CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H ",
    };
    enum moat_cvss_version ver = 0;
    double s = -7;
    struct moat_err err = MOAT_ERR_INIT;
    char big[MOAT_CVSS_MAX_LEN + 2];
    const char nul[] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\0/E:U";

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = score_str(bad[i], &ver, &s, &err);
        if (r != -MOAT_E_FORMAT)
            fprintf(stderr, "accepted or wrong code %d: '%s'\n", r, bad[i]);
        assert_int_equal(r, -MOAT_E_FORMAT);
        assert_non_null(err.msg);
        assert_true(s == -7); /* untouched on failure */
        moat_err_clear(&err);
    }
    assert_int_equal(moat_cvss_score(nul, sizeof(nul) - 1, &ver, &s, &err), -MOAT_E_FORMAT);
    memset(big, 'A', sizeof(big));
    memcpy(big, "CVSS:3.1/", 9);
    assert_int_equal(moat_cvss_score(big, sizeof(big), &ver, &s, &err), -MOAT_E_LIMIT);
    assert_int_equal(moat_cvss_score(NULL, 3, &ver, &s, &err), -MOAT_E_ARG);
    assert_int_equal(moat_cvss_score("AV:N", 4, &ver, NULL, &err), -MOAT_E_ARG);
    /* NULL err and NULL version are allowed. */
    assert_int_equal(moat_cvss_score("AV:N/AC:L/Au:N/C:P/I:P/A:P", 26, NULL, &s, NULL), 0);
    moat_err_clear(&err);
}

/* ---- differential test --------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)((r->s >> 11) % n);
}

struct gen_metric {
    const char *name;
    const char *values; /* space-separated */
    int mandatory;
};

static const struct gen_metric gen_v2[] = {
    {"AV", "L A N", 1},       {"AC", "H M L", 1},
    {"Au", "M S N", 1},       {"C", "N P C", 1},
    {"I", "N P C", 1},        {"A", "N P C", 1},
    {"E", "U POC F H ND", 0}, {"RL", "OF TF W U ND", 0},
    {"RC", "UC UR C ND", 0},  {"CDP", "N L LM MH H ND", 0},
    {"TD", "N L M H ND", 0},  {"CR", "L M H ND", 0},
    {"IR", "L M H ND", 0},    {"AR", "L M H ND", 0},
    {NULL, NULL, 0},
};
static const struct gen_metric gen_v3[] = {
    {"AV", "N A L P", 1},  {"AC", "L H", 1},       {"PR", "N L H", 1},      {"UI", "N R", 1},
    {"S", "U C", 1},       {"C", "H L N", 1},      {"I", "H L N", 1},       {"A", "H L N", 1},
    {"E", "X U P F H", 0}, {"RL", "X O T W U", 0}, {"RC", "X U R C", 0},    {"CR", "X L M H", 0},
    {"IR", "X L M H", 0},  {"AR", "X L M H", 0},   {"MAV", "X N A L P", 0}, {"MAC", "X L H", 0},
    {"MPR", "X N L H", 0}, {"MUI", "X N R", 0},    {"MS", "X U C", 0},      {"MC", "X N L H", 0},
    {"MI", "X N L H", 0},  {"MA", "X N L H", 0},   {NULL, NULL, 0},
};
static const struct gen_metric gen_v4[] = {
    {"AV", "N A L P", 1},    {"AC", "L H", 1},
    {"AT", "N P", 1},        {"PR", "N L H", 1},
    {"UI", "N P A", 1},      {"VC", "H L N", 1},
    {"VI", "H L N", 1},      {"VA", "H L N", 1},
    {"SC", "H L N", 1},      {"SI", "H L N", 1},
    {"SA", "H L N", 1},      {"E", "X A P U", 0},
    {"CR", "X H M L", 0},    {"IR", "X H M L", 0},
    {"AR", "X H M L", 0},    {"MAV", "X N A L P", 0},
    {"MAC", "X L H", 0},     {"MAT", "X N P", 0},
    {"MPR", "X N L H", 0},   {"MUI", "X N P A", 0},
    {"MVC", "X H L N", 0},   {"MVI", "X H L N", 0},
    {"MVA", "X H L N", 0},   {"MSC", "X H L N", 0},
    {"MSI", "X S H L N", 0}, {"MSA", "X S H L N", 0},
    {"S", "X N P", 0},       {"AU", "X N Y", 0},
    {"R", "X A U I", 0},     {"V", "X D C", 0},
    {"RE", "X L M H", 0},    {"U", "X Clear Green Amber Red", 0},
    {NULL, NULL, 0},
};

/* Append "KEY:VALUE" with a random value of m. */
static void put_metric(struct rng *r, char *out, size_t cap, const struct gen_metric *m)
{
    const char *v = m->values, *end;
    size_t n = 1, pick, len = strlen(out);

    for (const char *p = v; *p; p++)
        n += *p == ' ';
    pick = rnd(r, (uint32_t)n);
    while (pick-- > 0)
        v = strchr(v, ' ') + 1;
    end = strchr(v, ' ');
    if (end == NULL)
        end = v + strlen(v);
    snprintf(out + len, cap - len, "%s%s:%.*s", len && out[len - 1] != '/' ? "/" : "", m->name,
             (int)(end - v), v);
}

static void gen_vector(struct rng *r, char *out, size_t cap)
{
    static const struct {
        const char *prefix;
        const struct gen_metric *m;
        int ordered;
    } kinds[] = {
        {"", gen_v2, 0},          {"CVSS:2.0/", gen_v2, 0}, {"CVSS:3.0/", gen_v3, 0},
        {"CVSS:3.1/", gen_v3, 0}, {"CVSS:4.0/", gen_v4, 1}, {"CVSS:4.0/", gen_v4, 1},
    };
    uint32_t k = rnd(r, sizeof(kinds) / sizeof(kinds[0]));
    const struct gen_metric *m = kinds[k].m;
    size_t n = 0, idx[40];
    uint32_t with_optional = rnd(r, 2);

    for (size_t i = 0; m[i].name != NULL; i++)
        if (m[i].mandatory || (with_optional && rnd(r, 3) == 0))
            idx[n++] = i;
    if (!kinds[k].ordered && rnd(r, 4) == 0) /* v2/v3 accept any order */
        for (size_t i = n; i > 1; i--) {
            size_t j = rnd(r, (uint32_t)i), t = idx[i - 1];
            idx[i - 1] = idx[j];
            idx[j] = t;
        }
    snprintf(out, cap, "%s", kinds[k].prefix);
    for (size_t i = 0; i < n; i++)
        put_metric(r, out, cap, &m[idx[i]]);
}

/* One random edit: delete, replace or insert a byte, or repeat a component. */
static void mutate(struct rng *r, char *v, size_t cap)
{
    static const char alphabet[] = "ACHLMNPSUXR:/0.4";
    size_t len = strlen(v), at = rnd(r, (uint32_t)len);
    char tmp[512];

    switch (rnd(r, 4)) {
    case 0:
        memmove(v + at, v + at + 1, len - at);
        break;
    case 1:
        v[at] = alphabet[rnd(r, sizeof(alphabet) - 1)];
        break;
    case 2:
        if (len + 2 < cap) {
            memmove(v + at + 1, v + at, len - at + 1);
            v[at] = alphabet[rnd(r, sizeof(alphabet) - 1)];
        }
        break;
    default: {
        const char *slash = strrchr(v, '/');
        size_t tail = slash != NULL ? strlen(slash) : 0;
        if (slash != NULL && len + tail < cap) {
            memcpy(tmp, slash, tail);
            memcpy(v + len, tmp, tail);
            v[len + tail] = '\0';
        }
    }
    }
}

static int have_reference(void)
{
    char cmd[1024];

    if (system("command -v node >/dev/null 2>&1") != 0)
        return 0;
    snprintf(cmd, sizeof(cmd), "sh '%s/cvss-install-refs.sh' >/dev/null", VULN_TESTS);
    return system(cmd) == 0;
}

#define N_DIFF 6000

static void test_differential(void **state)
{
    char in_path[] = "/tmp/moat-cvss-in-XXXXXX", out_path[] = "/tmp/moat-cvss-out-XXXXXX";
    char(*vec)[300] = NULL;
    char cmd[2048], line[128];
    FILE *in = NULL, *out = NULL;
    struct rng r = {0x9e3779b97f4a7c15ull};
    size_t n_valid = 0, n_invalid = 0, n_stricter = 0, n_bad = 0, counted[5] = {0};
    int fd;

    (void)state;
    if (!have_reference())
        moat_skip("differential: node or ae-cvss-calculator unavailable "
                  "(tests/vuln/cvss-install-refs.sh)");
    vec = calloc(N_DIFF, sizeof(*vec));
    assert_non_null(vec);
    fd = mkstemp(in_path);
    assert_true(fd >= 0);
    in = fdopen(fd, "w");
    assert_non_null(in);
    for (size_t i = 0; i < N_DIFF; i++) {
        gen_vector(&r, vec[i], sizeof(vec[i]));
        if (i % 3 == 2) /* a third are one edit away from valid */
            mutate(&r, vec[i], sizeof(vec[i]));
        for (char *p = vec[i]; *p; p++) /* keep the line protocol intact */
            if (*p == '\n')
                *p = '?';
        fprintf(in, "%s\n", vec[i]);
    }
    assert_int_equal(fclose(in), 0);
    fd = mkstemp(out_path);
    assert_true(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof(cmd), "node '%s/cvss-ref.js' < '%s' > '%s' 2>/dev/null", VULN_TESTS,
             in_path, out_path);
    assert_int_equal(system(cmd), 0);
    out = fopen(out_path, "r");
    assert_non_null(out);

    for (size_t i = 0; i < N_DIFF; i++) {
        enum moat_cvss_version ver = 0;
        struct moat_err err = MOAT_ERR_INIT;
        double mine = -1, ref = -1;
        int ref_ok, r2;

        assert_non_null(fgets(line, sizeof(line), out));
        ref_ok = strncmp(line, "OK ", 3) == 0;
        if (ref_ok)
            ref = strtod(line + 3, NULL);
        r2 = score_str(vec[i], &ver, &mine, &err);
        if (r2 == 0 && ref_ok) {
            n_valid++;
            counted[ver == MOAT_CVSS_V2    ? 0
                    : ver == MOAT_CVSS_V30 ? 1
                    : ver == MOAT_CVSS_V31 ? 2
                                           : 3]++;
            if (mine - ref > 0.05 || ref - mine > 0.05) {
                if (n_bad++ < 10)
                    fprintf(stderr, "score differs: %s: moat %.1f, reference %.1f\n", vec[i], mine,
                            ref);
            }
        } else if (r2 != 0 && !ref_ok) {
            n_invalid++;
        } else if (r2 != 0 && ref_ok && err.msg != NULL &&
                   (strstr(err.msg, "duplicate") != NULL ||
                    strstr(err.msg, "out of order") != NULL ||
                    (strncmp(vec[i], "CVSS:4.0/", 9) == 0 &&
                     (strstr(err.msg, "lacks mandatory") != NULL ||
                      strstr(err.msg, "bad value 'S' for CVSS v4.0 metric 'S") != NULL)))) {
            n_stricter++; /* the reference is lenient here; the specification is not */
        } else {
            if (n_bad++ < 10)
                fprintf(stderr, "validity differs: %s: moat %s, reference %s", vec[i],
                        r2 == 0 ? "valid" : moat_err_msg(&err), line);
        }
        moat_err_clear(&err);
    }
    fclose(out);
    unlink(in_path);
    unlink(out_path);
    free(vec);
    fprintf(stderr,
            "differential: %d vectors: %zu scored alike (v2 %zu, v3.0 %zu, v3.1 %zu, v4.0 %zu), "
            "%zu rejected by both, "
            "%zu rejected by moat only (duplicate/order/missing v4 base metric/S in SC-SA), %zu "
            "disagreements\n",
            N_DIFF, n_valid, counted[0], counted[1], counted[2], counted[3], n_invalid, n_stricter,
            n_bad);
    assert_int_equal(n_bad, 0);
    assert_true(n_valid > N_DIFF / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_v31), cmocka_unit_test(test_examples_v30),
        cmocka_unit_test(test_examples_v2),  cmocka_unit_test(test_examples_v40),
        cmocka_unit_test(test_basics),       cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
