/*
 * time.c - RFC 3339 parsing and formatting (see time.h). Pure arithmetic on
 * the proleptic Gregorian calendar: no timegm/gmtime, so no dependence on
 * the size of time_t or on the TZ environment.
 */
#include "moat/base/time.h"

#include <stdbool.h>
#include <string.h>

#include "moat/base/error.h"

#define DAY 86400
/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define T_MIN (-62167219200LL)
#define T_MAX 253402300799LL

/* Days from 1970-01-01 to y-m-d (m 1-12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse: y-m-d of a day count from 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : n[m - 1];
}

/* n decimal digits at *p into *v, advancing *p; false when one is not a digit. */
static bool num(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];

        if (c < '0' || c > '9')
            return false;
        *v = *v * 10 + (c - '0');
    }
    *p += n;
    return true;
}

static bool lit(const char **p, char a, char b)
{
    if (**p != a && **p != b)
        return false;
    (*p)++;
    return true;
}

int moat_time_parse(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    int64_t t;

    if (s == NULL || !num(&s, 4, &y) || !lit(&s, '-', '-') || !num(&s, 2, &mo) ||
        !lit(&s, '-', '-') || !num(&s, 2, &d) || !lit(&s, 'T', 't') || !num(&s, 2, &h) ||
        !lit(&s, ':', ':') || !num(&s, 2, &mi) || !lit(&s, ':', ':') || !num(&s, 2, &sec))
        return -MOAT_E_FORMAT;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return -MOAT_E_FORMAT;
    if (*s == '.') { /* time-secfrac: at least one digit, checked and dropped */
        s++;
        if (*s < '0' || *s > '9')
            return -MOAT_E_FORMAT;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s++ == '+' ? 1 : -1;
        if (!num(&s, 2, &oh) || !lit(&s, ':', ':') || !num(&s, 2, &om) || oh > 23 || om > 59)
            return -MOAT_E_FORMAT;
    } else {
        return -MOAT_E_FORMAT;
    }
    if (*s != '\0')
        return -MOAT_E_FORMAT;
    t = days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec) -
        sign * (oh * 3600 + om * 60);
    if (sec == 60) {
        /* a leap second is 23:59:60 UTC on the last day of a month */
        int64_t ny;
        int nm, nd;

        if ((t + 1) % DAY != 0)
            return -MOAT_E_FORMAT;
        civil_from_days((t + 1) / DAY, &ny, &nm, &nd);
        if (nd != 1)
            return -MOAT_E_FORMAT;
    }
    *out = t;
    return 0;
}

/* Floor division of a by b > 0. */
static int64_t fdiv(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* v as exactly w decimal digits at out (v fits: callers pass calendar fields). */
static char *put(char *out, int64_t v, int w)
{
    for (int i = w - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
    return out + w;
}

/* t as "YYYY-MM-DDTHH:MM:SS" then ".mmm" when ms >= 0, then "Z". */
static int format(int64_t t, int ms, char *out)
{
    int64_t days, secs, y;
    int m, d, r = 0;

    if (t < T_MIN || t > T_MAX) {
        t = 0;
        ms = ms < 0 ? -1 : 0;
        r = -MOAT_E_ARG;
    }
    days = fdiv(t, DAY);
    secs = t - days * DAY;
    civil_from_days(days, &y, &m, &d);
    out = put(out, y, 4);
    *out++ = '-';
    out = put(out, m, 2);
    *out++ = '-';
    out = put(out, d, 2);
    *out++ = 'T';
    out = put(out, secs / 3600, 2);
    *out++ = ':';
    out = put(out, secs / 60 % 60, 2);
    *out++ = ':';
    out = put(out, secs % 60, 2);
    if (ms >= 0) {
        *out++ = '.';
        out = put(out, ms, 3);
    }
    *out++ = 'Z';
    *out = '\0';
    return r;
}

int moat_time_format(int64_t t, char out[MOAT_TIME_LEN])
{
    return format(t, -1, out);
}

int moat_time_format_ms(int64_t ms, char out[MOAT_TIME_MS_LEN])
{
    int rem = (int)(ms % 1000);

    return format(fdiv(ms, 1000), rem < 0 ? rem + 1000 : rem, out);
}
