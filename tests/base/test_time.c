/*
 * test_time.c - the one RFC 3339 parser and formatter. Expected values come
 * from RFC 3339's own examples (section 5.8, seconds from GNU date -u -d) and
 * from glibc's timegm/gmtime_r over a sweep of dates and offsets.
 *
 * Behaviour changed against the four copies it replaces: report/vex.c took
 * "+99:99" offsets, 31 February and a space for "T"; check/misconfig_config.c
 * took 31 February, a space and an empty fraction; policy/decide.c took
 * 31 February; all four took second 60 anywhere. Each is refused here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "moat/base/error.h"
#include "moat/base/time.h"

static int64_t parse(const char *s)
{
    int64_t t = 0x5a5a;

    if (moat_time_parse(s, &t) != 0)
        fail_msg("refused \"%s\"", s);
    return t;
}

static void test_rfc_examples(void **state)
{
    (void)state;
    /* RFC 3339 section 5.8, values from GNU date -u -d */
    assert_int_equal(parse("1985-04-12T23:20:50.52Z"), 482196050);
    assert_int_equal(parse("1996-12-19T16:39:57-08:00"), 851042397);
    assert_int_equal(parse("1937-01-01T12:00:27.87+00:20"), -1041337173);
    /* the leap second examples: 23:59:60 UTC, counted as 23:59:59 */
    assert_int_equal(parse("1990-12-31T23:59:60Z"), 662687999);
    assert_int_equal(parse("1990-12-31T15:59:60-08:00"), 662687999);
    /* lower-case t and z (section 5.6 NOTE), "-00:00" (section 4.3) */
    assert_int_equal(parse("1985-04-12t23:20:50z"), 482196050);
    assert_int_equal(parse("1985-04-12T23:20:50-00:00"), 482196050);
    /* the ends of the four-digit years */
    assert_int_equal(parse("0000-01-01T00:00:00Z"), -62167219200LL);
    assert_int_equal(parse("9999-12-31T23:59:59Z"), 253402300799LL);
    /* the most recent leap second, and an offset moving it to another local day */
    assert_int_equal(parse("2016-12-31T23:59:60Z"), 1483228799);
    assert_int_equal(parse("2017-01-01T05:29:60+05:30"), 1483228799);
    assert_int_equal(parse("2015-06-30T23:59:60.5Z"), parse("2015-06-30T23:59:59Z"));
}

static void test_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "2025-01-01",
        "2025-01-01T00:00:00",       /* no offset */
        "2025-01-01 00:00:00Z",      /* space for T */
        "2025-01-01T00:00:00+99:99", /* the offset report/vex.c took */
        "2025-01-01T00:00:00+24:00", /* offsets stop at 23:59 */
        "2025-01-01T00:00:00-23:60",
        "2025-01-01T00:00:00+0100", /* offset without the colon */
        "2025-01-01T00:00:00+01",
        "2025-01-01T00:00:00.Z",  /* empty fraction */
        "2025-01-01T00:00:00,5Z", /* ISO 8601 comma */
        "2025-01-01T00:00:00Zjunk",
        "2025-01-01T00:00:00Z ",
        "2025-02-29T00:00:00Z", /* 2025 is not a leap year */
        "1900-02-29T00:00:00Z", /* nor 1900 */
        "2025-04-31T00:00:00Z",
        "2025-02-31T00:00:00Z",
        "2025-00-10T00:00:00Z",
        "2025-13-01T00:00:00Z",
        "2025-01-00T00:00:00Z",
        "2025-01-01T24:00:00Z",
        "2025-01-01T23:60:00Z",
        "2025-01-01T23:59:61Z",
        "2016-12-30T23:59:60Z",      /* leap second not on the last day of the month */
        "2016-12-31T23:58:60Z",      /* nor at 23:59 */
        "2016-12-31T23:59:60+01:00", /* 22:59:60 UTC */
        "+2025-01-01T00:00:00Z",
        "025-01-01T00:00:00Z",
        "20250-01-01T00:00:00Z",
        "2025-1-01T00:00:00Z",
        "2025-01-01T0:00:00Z",
        "2025/01/01T00:00:00Z",
        "２025-01-01T00:00:00Z",
    };
    int64_t t = 77;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (moat_time_parse(bad[i], &t) != -MOAT_E_FORMAT)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(t, 77); /* untouched on failure */
    assert_int_equal(moat_time_parse(NULL, &t), -MOAT_E_FORMAT);
    assert_int_equal(parse("2024-02-29T00:00:00Z"), 1709164800);
    assert_int_equal(parse("2000-02-29T00:00:00Z"), 951782400);
}

/* Every day of 1890-2110 at a varying time and offset, against glibc's timegm. */
static void test_against_timegm(void **state)
{
    struct tm base = {.tm_year = -10, .tm_mon = 0, .tm_mday = 1};
    time_t day0 = timegm(&base);

    (void)state;
    for (int64_t k = 0; k < 220 * 366; k++) {
        time_t t = day0 + (time_t)(k * 86400 + (k * 7919) % 86400);
        int off = (int)((k * 37) % (24 * 60 * 2 - 1)) - (24 * 60 - 1); /* -23:59..+23:59 */
        time_t local = t + off * 60;
        struct tm tm;
        char s[64];

        assert_non_null(gmtime_r(&local, &tm));
        snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(k % 1000),
                 off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
        if (parse(s) != (int64_t)t)
            fail_msg("%s: %lld, timegm says %lld", s, (long long)parse(s), (long long)t);
    }
}

static void test_format(void **state)
{
    char out[MOAT_TIME_LEN], ms[MOAT_TIME_MS_LEN];

    (void)state;
    assert_int_equal(moat_time_format(0, out), 0);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    assert_int_equal(moat_time_format(1735689600, out), 0);
    assert_string_equal(out, "2025-01-01T00:00:00Z");
    assert_int_equal(moat_time_format(-1, out), 0);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    assert_int_equal(moat_time_format(-62167219200LL, out), 0);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    assert_int_equal(moat_time_format(253402300799LL, out), 0);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    assert_int_equal(moat_time_format(253402300800LL, out), -MOAT_E_ARG);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    assert_int_equal(moat_time_format(-62167219201LL, out), -MOAT_E_ARG);
    assert_int_equal(moat_time_format(INT64_MIN, out), -MOAT_E_ARG);
    assert_int_equal(moat_time_format_ms(1735689600123LL, ms), 0);
    assert_string_equal(ms, "2025-01-01T00:00:00.123Z");
    assert_int_equal(moat_time_format_ms(-1, ms), 0);
    assert_string_equal(ms, "1969-12-31T23:59:59.999Z");
    assert_int_equal(moat_time_format_ms(INT64_MIN, ms), -MOAT_E_ARG);
    assert_int_equal(moat_time_format_ms(INT64_MAX, ms), -MOAT_E_ARG);
    assert_string_equal(ms, "1970-01-01T00:00:00.000Z");
    /* round trip against gmtime_r, and back through the parser */
    for (int64_t t = -5000000000LL; t < 5000000000LL; t += 999983) {
        time_t tt = (time_t)t;
        struct tm tm;
        char want[64];

        assert_non_null(gmtime_r(&tt, &tm));
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        assert_int_equal(moat_time_format(t, out), 0);
        assert_string_equal(out, want);
        assert_int_equal(parse(out), t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_against_timegm),
        cmocka_unit_test(test_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
