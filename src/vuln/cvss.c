/*
 * cvss.c - CVSS vector parsing and scoring (v2.0, v3.0, v3.1, v4.0).
 *
 * One table-driven parser for every version: a vector is "PREFIX/" followed
 * by "KEY:VALUE" components separated by '/'. Each version has a table of
 * metrics (name, allowed values, mandatory or not); the parser records the
 * index of the value chosen for each metric and rejects unknown metrics and
 * values, duplicates, empty components and missing mandatory metrics. CVSS
 * v4.0 additionally requires the specification's order (as FIRST's reference
 * calculator does); v2 and v3.x accept any order.
 *
 * Scoring follows the FIRST specifications and, where they leave floating
 * point details open, FIRST's own reference calculators, operation for
 * operation, so results agree with them exactly: the v3.0 ceiling, the v3.1
 * Roundup (Appendix A), the v4.0 macrovector interpolation with the same
 * 0.1-step severity levels and the calculator's round-half-up with a 1e-6
 * epsilon.
 *
 * Must not allocate, keep state between calls or read past len.
 */
#include "vuln/vuln_int.h"
#include "moat/vuln/cvss.h"

#include <stdint.h>
#include <string.h>

/* Keep a*b+c as two roundings everywhere: the reference calculators do. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* cvss_v4_table.c */

#define MAX_METRICS 32
#define MAX_VALUES 7

struct metric_def {
    const char *name;
    const char *values[MAX_VALUES]; /* NULL-terminated */
    int mandatory;
};

struct version_def {
    enum moat_cvss_version version;
    const char *label;
    const struct metric_def *metrics;
    size_t n_metrics;
    int ordered; /* metrics must appear in table order */
};

/* ---- metric tables ------------------------------------------------------ */

static const struct metric_def v2_metrics[] = {
    {"AV", {"L", "A", "N"}, 1},
    {"AC", {"H", "M", "L"}, 1},
    {"Au", {"M", "S", "N"}, 1},
    {"C", {"N", "P", "C"}, 1},
    {"I", {"N", "P", "C"}, 1},
    {"A", {"N", "P", "C"}, 1},
    {"E", {"U", "POC", "F", "H", "ND"}, 0},
    {"RL", {"OF", "TF", "W", "U", "ND"}, 0},
    {"RC", {"UC", "UR", "C", "ND"}, 0},
    {"CDP", {"N", "L", "LM", "MH", "H", "ND"}, 0},
    {"TD", {"N", "L", "M", "H", "ND"}, 0},
    {"CR", {"L", "M", "H", "ND"}, 0},
    {"IR", {"L", "M", "H", "ND"}, 0},
    {"AR", {"L", "M", "H", "ND"}, 0},
};
enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A };

static const struct metric_def v3_metrics[] = {
    {"AV", {"N", "A", "L", "P"}, 1},
    {"AC", {"L", "H"}, 1},
    {"PR", {"N", "L", "H"}, 1},
    {"UI", {"N", "R"}, 1},
    {"S", {"U", "C"}, 1},
    {"C", {"H", "L", "N"}, 1},
    {"I", {"H", "L", "N"}, 1},
    {"A", {"H", "L", "N"}, 1},
    {"E", {"X", "U", "P", "F", "H"}, 0},
    {"RL", {"X", "O", "T", "W", "U"}, 0},
    {"RC", {"X", "U", "R", "C"}, 0},
    {"CR", {"X", "L", "M", "H"}, 0},
    {"IR", {"X", "L", "M", "H"}, 0},
    {"AR", {"X", "L", "M", "H"}, 0},
    {"MAV", {"X", "N", "A", "L", "P"}, 0},
    {"MAC", {"X", "L", "H"}, 0},
    {"MPR", {"X", "N", "L", "H"}, 0},
    {"MUI", {"X", "N", "R"}, 0},
    {"MS", {"X", "U", "C"}, 0},
    {"MC", {"X", "N", "L", "H"}, 0},
    {"MI", {"X", "N", "L", "H"}, 0},
    {"MA", {"X", "N", "L", "H"}, 0},
};
enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A };

/* CVSS v4.0 specification, Table 23 order (base, threat, environmental, supplemental). */
static const struct metric_def v4_metrics[] = {
    {"AV", {"N", "A", "L", "P"}, 1},
    {"AC", {"L", "H"}, 1},
    {"AT", {"N", "P"}, 1},
    {"PR", {"N", "L", "H"}, 1},
    {"UI", {"N", "P", "A"}, 1},
    {"VC", {"H", "L", "N"}, 1},
    {"VI", {"H", "L", "N"}, 1},
    {"VA", {"H", "L", "N"}, 1},
    {"SC", {"H", "L", "N"}, 1},
    {"SI", {"H", "L", "N"}, 1},
    {"SA", {"H", "L", "N"}, 1},
    {"E", {"X", "A", "P", "U"}, 0},
    {"CR", {"X", "H", "M", "L"}, 0},
    {"IR", {"X", "H", "M", "L"}, 0},
    {"AR", {"X", "H", "M", "L"}, 0},
    {"MAV", {"X", "N", "A", "L", "P"}, 0},
    {"MAC", {"X", "L", "H"}, 0},
    {"MAT", {"X", "N", "P"}, 0},
    {"MPR", {"X", "N", "L", "H"}, 0},
    {"MUI", {"X", "N", "P", "A"}, 0},
    {"MVC", {"X", "H", "L", "N"}, 0},
    {"MVI", {"X", "H", "L", "N"}, 0},
    {"MVA", {"X", "H", "L", "N"}, 0},
    {"MSC", {"X", "H", "L", "N"}, 0},
    {"MSI", {"X", "S", "H", "L", "N"}, 0},
    {"MSA", {"X", "S", "H", "L", "N"}, 0},
    {"S", {"X", "N", "P"}, 0},
    {"AU", {"X", "N", "Y"}, 0},
    {"R", {"X", "A", "U", "I"}, 0},
    {"V", {"X", "D", "C"}, 0},
    {"RE", {"X", "L", "M", "H"}, 0},
    {"U", {"X", "Clear", "Green", "Amber", "Red"}, 0},
};
enum {
    V4_AV,
    V4_AC,
    V4_AT,
    V4_PR,
    V4_UI,
    V4_VC,
    V4_VI,
    V4_VA,
    V4_SC,
    V4_SI,
    V4_SA,
    V4_E,
    V4_CR,
    V4_IR,
    V4_AR,
    V4_MAV,
    V4_MAC,
    V4_MAT,
    V4_MPR,
    V4_MUI,
    V4_MVC,
    V4_MVI,
    V4_MVA,
    V4_MSC,
    V4_MSI,
    V4_MSA,
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct version_def versions[] = {
    {MOAT_CVSS_V2, "CVSS v2.0", v2_metrics, N_OF(v2_metrics), 0},
    {MOAT_CVSS_V30, "CVSS v3.0", v3_metrics, N_OF(v3_metrics), 0},
    {MOAT_CVSS_V31, "CVSS v3.1", v3_metrics, N_OF(v3_metrics), 0},
    {MOAT_CVSS_V40, "CVSS v4.0", v4_metrics, N_OF(v4_metrics), 1},
};

/* ---- arithmetic ---------------------------------------------------------
 * libmoat does not link libm; these cover the non-negative values below
 * 2^52 that scoring needs, with the exact semantics of the reference
 * calculators' Math.round / Math.ceil / Math.floor. */

static double trunc_pos(double x)
{
    return (double)(int64_t)x;
}

static double floor_pos(double x)
{
    return trunc_pos(x);
}

static double ceil_pos(double x)
{
    double t = trunc_pos(x);
    return t < x ? t + 1 : t;
}

/* Math.round for x >= 0: half rounds up; x - t is exact, so no double rounding. */
static double round_pos(double x)
{
    double t = trunc_pos(x);
    return x - t >= 0.5 ? t + 1 : t;
}

static double pow15(double x)
{
    double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
    return x8 * x4 * x2 * x;
}

/* ---- parsing ------------------------------------------------------------ */

struct parsed {
    const struct version_def *def;
    int value[MAX_METRICS]; /* index into metric_def.values, -1 = absent */
};

static int span_eq(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(s, lit, l) == 0;
}

/* Printable excerpt for messages: at most 16 bytes, non-printables as '?'. */
static void excerpt(char out[20], const char *s, size_t n)
{
    size_t k = n > 16 ? 16 : n;
    for (size_t i = 0; i < k; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n > 16) {
        out[k - 1] = '.';
        out[k - 2] = '.';
    }
    out[k] = '\0';
}

static int parse(const char *v, size_t len, struct parsed *p, struct moat_err *err)
{
    const struct version_def *def;
    size_t pos, last = 0;
    int seen_any = 0;
    char a[20], b[20];

    if (memchr(v, '\0', len) != NULL)
        return moat_err_set(err, MOAT_E_FORMAT, "CVSS vector contains a NUL byte");
    if (len >= 9 && memcmp(v, "CVSS:", 5) == 0 && v[8] == '/') {
        if (memcmp(v + 5, "3.1", 3) == 0)
            def = &versions[2];
        else if (memcmp(v + 5, "3.0", 3) == 0)
            def = &versions[1];
        else if (memcmp(v + 5, "4.0", 3) == 0)
            def = &versions[3];
        else if (memcmp(v + 5, "2.0", 3) == 0)
            def = &versions[0];
        else {
            excerpt(a, v, len < 8 ? len : 8);
            return moat_err_set(err, MOAT_E_FORMAT, "unknown CVSS version prefix '%s'", a);
        }
        pos = 9;
    } else if (len >= 5 && memcmp(v, "CVSS:", 5) == 0) {
        excerpt(a, v, len);
        return moat_err_set(err, MOAT_E_FORMAT, "unknown CVSS version prefix in '%s'", a);
    } else {
        def = &versions[0]; /* bare v2 vectors, as NVD publishes them */
        pos = 0;
    }

    p->def = def;
    for (size_t i = 0; i < MAX_METRICS; i++)
        p->value[i] = -1;

    while (pos <= len) {
        const char *comp = v + pos;
        const char *slash = memchr(comp, '/', len - pos);
        size_t clen = slash != NULL ? (size_t)(slash - comp) : len - pos;
        const char *colon = memchr(comp, ':', clen);
        size_t klen, vlen, m;

        if (clen == 0)
            return moat_err_set(err, MOAT_E_FORMAT,
                                "%s vector has an empty component at offset %zu", def->label, pos);
        if (colon == NULL) {
            excerpt(a, comp, clen);
            return moat_err_set(err, MOAT_E_FORMAT, "%s component '%s' is not KEY:VALUE",
                                def->label, a);
        }
        klen = (size_t)(colon - comp);
        vlen = clen - klen - 1;
        for (m = 0; m < def->n_metrics; m++)
            if (span_eq(comp, klen, def->metrics[m].name))
                break;
        excerpt(a, comp, klen);
        if (m == def->n_metrics)
            return moat_err_set(err, MOAT_E_FORMAT, "unknown %s metric '%s'", def->label, a);
        if (p->value[m] >= 0)
            return moat_err_set(err, MOAT_E_FORMAT, "duplicate %s metric '%s'", def->label, a);
        if (def->ordered && seen_any && m < last)
            return moat_err_set(err, MOAT_E_FORMAT, "%s metric '%s' out of order", def->label, a);
        for (size_t k = 0; k < MAX_VALUES && def->metrics[m].values[k] != NULL; k++)
            if (span_eq(colon + 1, vlen, def->metrics[m].values[k])) {
                p->value[m] = (int)k;
                break;
            }
        if (p->value[m] < 0) {
            excerpt(b, colon + 1, vlen);
            return moat_err_set(err, MOAT_E_FORMAT, "bad value '%s' for %s metric '%s'", b,
                                def->label, a);
        }
        last = m;
        seen_any = 1;
        if (slash == NULL)
            break;
        pos += clen + 1;
        if (pos == len)
            return moat_err_set(err, MOAT_E_FORMAT, "%s vector ends with '/'", def->label);
    }
    for (size_t m = 0; m < def->n_metrics; m++)
        if (def->metrics[m].mandatory && p->value[m] < 0)
            return moat_err_set(err, MOAT_E_FORMAT, "%s vector lacks mandatory metric '%s'",
                                def->label, def->metrics[m].name);
    return 0;
}

/* ---- v2 ----------------------------------------------------------------- */

static double score_v2(const struct parsed *p)
{
    static const double av[] = {0.395, 0.646, 1.0};
    static const double ac[] = {0.35, 0.61, 0.71};
    static const double au[] = {0.45, 0.56, 0.704};
    static const double cia[] = {0.0, 0.275, 0.660};
    double impact, expl, f;

    impact = 10.41 * (1 - (1 - cia[p->value[V2_C]]) * (1 - cia[p->value[V2_I]]) *
                              (1 - cia[p->value[V2_A]]));
    expl = 20 * av[p->value[V2_AV]] * ac[p->value[V2_AC]] * au[p->value[V2_AU]];
    f = impact == 0 ? 0 : 1.176;
    double v = ((0.6 * impact) + (0.4 * expl) - 1.5) * f;
    return v > 0 ? round_pos(v * 10) / 10 : 0.0;
}

/* ---- v3.x --------------------------------------------------------------- */

/* CVSS v3.1 Appendix A: Roundup without floating point surprises. */
static double roundup_31(double x)
{
    double i = round_pos(x * 100000);
    if ((int64_t)i % 10000 == 0)
        return i / 100000.0;
    return (floor_pos(i / 10000) + 1) / 10.0;
}

static double roundup_30(double x)
{
    return ceil_pos(x * 10) / 10;
}

static double score_v3(const struct parsed *p)
{
    static const double av[] = {0.85, 0.62, 0.55, 0.2};
    static const double ac[] = {0.77, 0.44};
    static const double pr_u[] = {0.85, 0.62, 0.27};
    static const double pr_c[] = {0.85, 0.68, 0.5};
    static const double ui[] = {0.85, 0.62};
    static const double cia[] = {0.56, 0.22, 0};
    int changed = p->value[V3_S] == 1;
    double iss, impact, expl, sum;

    iss = 1 - ((1 - cia[p->value[V3_C]]) * (1 - cia[p->value[V3_I]]) * (1 - cia[p->value[V3_A]]));
    if (changed)
        impact = 7.52 * (iss - 0.029) - 3.25 * pow15(iss - 0.02);
    else
        impact = 6.42 * iss;
    expl = 8.22 * av[p->value[V3_AV]] * ac[p->value[V3_AC]] *
           (changed ? pr_c : pr_u)[p->value[V3_PR]] * ui[p->value[V3_UI]];
    if (impact <= 0)
        return 0.0;
    sum = changed ? 1.08 * (expl + impact) : expl + impact;
    if (sum > 10)
        sum = 10;
    return p->def->version == MOAT_CVSS_V30 ? roundup_30(sum) : roundup_31(sum);
}

/* ---- v4.0 --------------------------------------------------------------- */

/* Effective value letter of a v4 metric: environmental overrides and the
 * worst-case defaults for E and CR/IR/AR (specification section 8). */
static char v4_eff(const struct parsed *p, int m)
{
    static const int modified[] = {
        [V4_AV] = V4_MAV, [V4_AC] = V4_MAC, [V4_AT] = V4_MAT, [V4_PR] = V4_MPR,
        [V4_UI] = V4_MUI, [V4_VC] = V4_MVC, [V4_VI] = V4_MVI, [V4_VA] = V4_MVA,
        [V4_SC] = V4_MSC, [V4_SI] = V4_MSI, [V4_SA] = V4_MSA,
    };
    int k;

    if (m <= V4_SA) {
        k = p->value[modified[m]];
        if (k > 0) /* set and not X */
            return v4_metrics[modified[m]].values[k][0];
        return v4_metrics[m].values[p->value[m]][0];
    }
    k = p->value[m];
    if (k <= 0) /* absent or X */
        return m == V4_E ? 'A' : 'H';
    return v4_metrics[m].values[k][0];
}

/* Severity level of a value inside its EQ (0.0 = most severe, step 0.1), as
 * the reference calculator defines them; literal doubles on purpose. */
static double v4_level(int m, char c)
{
    static const double step[] = {0.0, 0.1, 0.2, 0.3};
    const char *order;

    switch (m) {
    case V4_AV:
        order = "NALP";
        break;
    case V4_PR:
        order = "NLH";
        break;
    case V4_UI:
        order = "NPA";
        break;
    case V4_AC:
        order = "LH";
        break;
    case V4_AT:
        order = "NP";
        break;
    case V4_VC:
    case V4_VI:
    case V4_VA:
        order = "HLN";
        break;
    case V4_SC:
        order = "?HLN";
        break;
    case V4_SI:
    case V4_SA:
        order = "SHLN";
        break;
    default:
        order = "HML";
        break; /* CR, IR, AR */
    }
    return step[strchr(order, c) - order];
}

/* Highest-severity vectors per EQ level, from the specification's
 * "max composed" table. Letters follow the metric lists below. */
static const int eq1_metrics[] = {V4_AV, V4_PR, V4_UI};
static const char *const eq1_max[3][3] = {{"NNN"}, {"ANN", "NLN", "NNP"}, {"PNN", "ALP"}};
static const int eq2_metrics[] = {V4_AC, V4_AT};
static const char *const eq2_max[2][2] = {{"LN"}, {"HN", "LP"}};
static const int eq36_metrics[] = {V4_VC, V4_VI, V4_VA, V4_CR, V4_IR, V4_AR};
static const char *const eq36_max[3][2][5] = {
    {{"HHHHHH"}, {"HHLMMH", "HHHMMM"}},
    {{"LHHHHH", "HLHHHH"}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM"}},
    {{NULL}, {"LLLHHH"}},
};
static const int eq4_metrics[] = {V4_SC, V4_SI, V4_SA};
static const char *const eq4_max[3] = {"HSS", "HHH", "LLL"};

/* Maximal severity depth of each EQ level (the reference's max_severity). */
static const int eq1_depth[3] = {1, 4, 5};
static const int eq2_depth[2] = {1, 2};
static const int eq36_depth[3][2] = {{7, 6}, {8, 8}, {0, 10}};
static const int eq4_depth[3] = {6, 5, 4};

static size_t count_max(const char *const *list, size_t cap)
{
    size_t n = 0;
    while (n < cap && list[n] != NULL)
        n++;
    return n;
}

/* Distance sum for one EQ; *neg set when a metric is less severe in the max vector. */
static double v4_dist(const struct parsed *p, const int *metrics, size_t n, const char *max,
                      double *d)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        d[i] = v4_level(metrics[i], v4_eff(p, metrics[i])) - v4_level(metrics[i], max[i]);
        sum += d[i];
    }
    return sum;
}

static double score_v4(const struct parsed *p)
{
    char av = v4_eff(p, V4_AV), pr = v4_eff(p, V4_PR), ui = v4_eff(p, V4_UI);
    char vc = v4_eff(p, V4_VC), vi = v4_eff(p, V4_VI), va = v4_eff(p, V4_VA);
    char sc = v4_eff(p, V4_SC), si = v4_eff(p, V4_SI), sa = v4_eff(p, V4_SA);
    char e = v4_eff(p, V4_E);
    int eq1, eq2, eq3, eq4, eq5, eq6;
    double value, lower[5], sev[5], depth[5], mean = 0, sum = 0;
    int n_lower = 0;
    size_t n1, n2, n36;

    if (vc == 'N' && vi == 'N' && va == 'N' && sc == 'N' && si == 'N' && sa == 'N')
        return 0.0;

    /* Macrovector (specification Tables 24-29). */
    if (av == 'N' && pr == 'N' && ui == 'N')
        eq1 = 0;
    else if ((av == 'N' || pr == 'N' || ui == 'N') && av != 'P')
        eq1 = 1;
    else
        eq1 = 2;
    eq2 = (v4_eff(p, V4_AC) == 'L' && v4_eff(p, V4_AT) == 'N') ? 0 : 1;
    if (vc == 'H' && vi == 'H')
        eq3 = 0;
    else if (vc == 'H' || vi == 'H' || va == 'H')
        eq3 = 1;
    else
        eq3 = 2;
    if (si == 'S' || sa == 'S')
        eq4 = 0;
    else if (sc == 'H' || si == 'H' || sa == 'H')
        eq4 = 1;
    else
        eq4 = 2;
    eq5 = e == 'A' ? 0 : e == 'P' ? 1 : 2;
    eq6 = ((v4_eff(p, V4_CR) == 'H' && vc == 'H') || (v4_eff(p, V4_IR) == 'H' && vi == 'H') ||
           (v4_eff(p, V4_AR) == 'H' && va == 'H'))
              ? 0
              : 1;

    value = vuln_cvss4_macro_score(eq1, eq2, eq3, eq4, eq5, eq6);

    /* Scores of the next lower macrovector in each EQ; < 0 = none. */
    lower[0] = vuln_cvss4_macro_score(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
    lower[1] = vuln_cvss4_macro_score(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
    if (eq3 == 0 && eq6 == 0) {
        double l = vuln_cvss4_macro_score(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
        double r = vuln_cvss4_macro_score(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
        lower[2] = (l < 0 || r < 0) ? -1 : (l > r ? l : r);
    } else if (eq3 == 1 && eq6 == 0) {
        lower[2] = vuln_cvss4_macro_score(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
    } else if (eq3 == 2 && eq6 == 1) {
        lower[2] = -1;
    } else {
        lower[2] = vuln_cvss4_macro_score(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
    }
    lower[3] = vuln_cvss4_macro_score(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
    lower[4] = vuln_cvss4_macro_score(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

    /* Severity distance from the first highest-severity vector of this
     * macrovector that is at least as severe in every metric; when none is,
     * the reference calculator keeps the last one tried, and so do we. */
    n1 = count_max(eq1_max[eq1], 3);
    n2 = count_max(eq2_max[eq2], 2);
    n36 = count_max(eq36_max[eq3][eq6], 5);
    {
        double d1[3] = {0}, d2[2] = {0}, d36[6] = {0}, d4[3] = {0};
        int found = 0;
        for (size_t i1 = 0; i1 < n1 && !found; i1++)
            for (size_t i2 = 0; i2 < n2 && !found; i2++)
                for (size_t i3 = 0; i3 < n36 && !found; i3++) {
                    sev[0] = v4_dist(p, eq1_metrics, 3, eq1_max[eq1][i1], d1);
                    sev[1] = v4_dist(p, eq2_metrics, 2, eq2_max[eq2][i2], d2);
                    sev[2] = v4_dist(p, eq36_metrics, 6, eq36_max[eq3][eq6][i3], d36);
                    sev[3] = v4_dist(p, eq4_metrics, 3, eq4_max[eq4], d4);
                    found = 1;
                    for (size_t k = 0; k < 3; k++)
                        if (d1[k] < 0 || d4[k] < 0)
                            found = 0;
                    for (size_t k = 0; k < 2; k++)
                        if (d2[k] < 0)
                            found = 0;
                    for (size_t k = 0; k < 6; k++)
                        if (d36[k] < 0)
                            found = 0;
                }
        /* The reference sums in metric-table order: AV PR UI / AC AT / VC VI VA CR IR AR / SC SI
         * SA. */
        sev[0] = d1[0] + d1[1] + d1[2];
        sev[1] = d2[0] + d2[1];
        sev[2] = d36[0] + d36[1] + d36[2] + d36[3] + d36[4] + d36[5];
        sev[3] = d4[0] + d4[1] + d4[2];
        sev[4] = 0;
    }

    depth[0] = eq1_depth[eq1] * 0.1;
    depth[1] = eq2_depth[eq2] * 0.1;
    depth[2] = eq36_depth[eq3][eq6] * 0.1;
    depth[3] = eq4_depth[eq4] * 0.1;
    depth[4] = 1;
    {
        double norm[5] = {0, 0, 0, 0, 0};
        for (int i = 0; i < 5; i++) {
            if (lower[i] < 0)
                continue;
            n_lower++;
            /* EQ5's proportion is always 0 (specification section 8.2). */
            norm[i] = (value - lower[i]) * (i == 4 ? 0 : sev[i] / depth[i]);
        }
        sum = norm[0] + norm[1] + norm[2] + norm[3] + norm[4];
    }
    if (n_lower > 0)
        mean = sum / n_lower;
    value -= mean;
    if (value < 0)
        value = 0;
    if (value > 10)
        value = 10;
    /* Round half up; the epsilon (FIRST's calculator has the same) keeps
     * float noise such as 4.9499999... from turning a .x5 into a round-down. */
    return round_pos((value + 1e-6) * 10) / 10;
}

/* ---- entry point -------------------------------------------------------- */

int moat_cvss_score(const char *vector, size_t len, enum moat_cvss_version *version, double *score,
                    struct moat_err *err)
{
    struct parsed p = {0};
    double s;
    int r;

    if (vector == NULL || score == NULL)
        return moat_err_set(err, MOAT_E_ARG, "moat_cvss_score: NULL argument");
    if (len > MOAT_CVSS_MAX_LEN)
        return moat_err_set(err, MOAT_E_LIMIT, "CVSS vector of %zu bytes exceeds %d", len,
                            MOAT_CVSS_MAX_LEN);
    r = parse(vector, len, &p, err);
    if (r < 0)
        return r;
    switch (p.def->version) {
    case MOAT_CVSS_V2:
        s = score_v2(&p);
        break;
    case MOAT_CVSS_V30:
    case MOAT_CVSS_V31:
        s = score_v3(&p);
        break;
    default:
        s = score_v4(&p);
        break;
    }
    if (version != NULL)
        *version = p.def->version;
    *score = s;
    return 0;
}
