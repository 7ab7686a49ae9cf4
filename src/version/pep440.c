/*
 * pep440.c - Python package versions (PEP 440) as packaging.version.Version
 * parses and orders them: [v][N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local],
 * with every spelling packaging accepts (alpha/beta/c/pre/preview, rev/r,
 * implicit post "-N", optional separators and numbers, any case, ASCII
 * whitespace around). Anything else is invalid, as InvalidVersion is.
 * The grammar is packaging's regular expression; where it is ambiguous
 * (1.0a-1: pre-release 1, or post-release 1?) the matcher below tries the
 * alternatives in the same order as Python's backtracking regex engine.
 */
#include <string.h>

#include "version/version_int.h"

struct span {
    const char *p;
    size_t n;
    int present;
};

struct pep {
    struct span epoch, release, pre_n, post_n, dev_n, local;
    int pre_l; /* 0 a, 1 b, 2 rc; -1 none */
    int post, dev;
};

struct m {
    const char *s;
    size_t n;
    struct pep *v;
};

static int is_sep(int c) { return c == '-' || c == '_' || c == '.'; }

static size_t digits_at(const struct m *m, size_t pos)
{
    size_t i = pos;

    while (i < m->n && ver_isdigit(m->s[i]))
        i++;
    return i - pos;
}

/* Case-insensitive literal at pos; returns its length or 0. */
static size_t lit_at(const struct m *m, size_t pos, const char *lit)
{
    size_t l = strlen(lit);

    if (m->n - pos < l)
        return 0;
    for (size_t i = 0; i < l; i++) {
        if (ver_tolower((unsigned char)m->s[pos + i]) != lit[i])
            return 0;
    }
    return l;
}

static int match_local(struct m *m, size_t pos)
{
    if (pos < m->n && m->s[pos] == '+') {
        size_t i = pos + 1;

        for (;;) {
            size_t st = i;
            while (i < m->n && ver_isalnum(m->s[i]))
                i++;
            if (i == st)
                return 0;
            if (i < m->n && is_sep(m->s[i])) {
                i++;
                continue;
            }
            break;
        }
        if (i != m->n)
            return 0;
        m->v->local = (struct span){m->s + pos + 1, m->n - pos - 1, 1};
        return 1;
    }
    m->v->local.present = 0;
    return pos == m->n;
}

/* [-_.]? LABEL [-_.]? [0-9]*, then next(); tries the regex's choices in order. */
static int match_labelled(struct m *m, size_t pos, const char *const *labels, int nlabels,
                          struct span *num, int *which, int (*next)(struct m *, size_t))
{
    for (int sep1 = 1; sep1 >= 0; sep1--) {
        size_t p = pos;
        if (sep1) {
            if (p >= m->n || !is_sep(m->s[p]))
                continue;
            p++;
        }
        for (int l = 0; l < nlabels; l++) {
            size_t ll = lit_at(m, p, labels[l]);
            if (ll == 0)
                continue;
            for (int sep2 = 1; sep2 >= 0; sep2--) {
                size_t q = p + ll;
                if (sep2) {
                    if (q >= m->n || !is_sep(m->s[q]))
                        continue;
                    q++;
                }
                size_t d = digits_at(m, q);
                *which = l;
                *num = (struct span){m->s + q, d, d > 0};
                if (next(m, q + d))
                    return 1;
                if (d > 0) {
                    num->present = 0;
                    num->n = 0;
                    if (next(m, q))
                        return 1;
                }
            }
        }
    }
    return 0;
}

static int match_dev(struct m *m, size_t pos)
{
    static const char *const dev[] = {"dev"};
    int which;

    m->v->dev = 1;
    if (match_labelled(m, pos, dev, 1, &m->v->dev_n, &which, match_local))
        return 1;
    m->v->dev = 0;
    return match_local(m, pos);
}

static int match_post(struct m *m, size_t pos)
{
    static const char *const post[] = {"post", "rev", "r"};
    int which;

    m->v->post = 1;
    if (pos < m->n && m->s[pos] == '-') {
        size_t d = digits_at(m, pos + 1);
        if (d > 0) {
            m->v->post_n = (struct span){m->s + pos + 1, d, 1};
            if (match_dev(m, pos + 1 + d))
                return 1;
        }
    }
    if (match_labelled(m, pos, post, 3, &m->v->post_n, &which, match_dev))
        return 1;
    m->v->post = 0;
    return match_dev(m, pos);
}

static int match_pre(struct m *m, size_t pos)
{
    static const char *const pre[] = {"a", "b", "c", "rc", "alpha", "beta", "pre", "preview"};
    static const int rank[] = {0, 1, 2, 2, 0, 1, 2, 2};
    int which;

    if (match_labelled(m, pos, pre, 8, &m->v->pre_n, &which, match_post)) {
        m->v->pre_l = rank[which];
        return 1;
    }
    m->v->pre_l = -1;
    return match_post(m, pos);
}

static int is_pyspace(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int pep_parse(const char *s, size_t n, struct pep *v)
{
    struct m m;
    size_t pos = 0, d;

    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80 || s[i] == '\0')
            return 0;
    }
    while (n > 0 && is_pyspace(s[0]))
        s++, n--;
    while (n > 0 && is_pyspace(s[n - 1]))
        n--;
    memset(v, 0, sizeof(*v));
    m = (struct m){s, n, v};
    if (pos < n && (s[pos] == 'v' || s[pos] == 'V'))
        pos++;
    d = digits_at(&m, pos);
    if (d > 0 && pos + d < n && s[pos + d] == '!') {
        v->epoch = (struct span){s + pos, d, 1};
        pos += d + 1;
    }
    d = digits_at(&m, pos);
    if (d == 0)
        return 0;
    v->release.p = s + pos;
    pos += d;
    while (pos + 1 < n && s[pos] == '.' && ver_isdigit(s[pos + 1]))
        pos += 1 + digits_at(&m, pos + 1);
    v->release.n = (size_t)(s + pos - v->release.p);
    v->release.present = 1;
    return match_pre(&m, pos);
}

int ver_pep440_valid(const char *v, size_t n)
{
    struct pep p;

    return pep_parse(v, n, &p);
}

/* Next '.'-separated (or, for local, [-_.]-separated) part of sp at *pos. */
static int next_part(const struct span *sp, size_t *pos, int local, const char **p, size_t *pn)
{
    size_t i = *pos;

    if (!sp->present || i > sp->n)
        return 0;
    *p = sp->p + i;
    while (i < sp->n && !(local ? is_sep(sp->p[i]) : sp->p[i] == '.'))
        i++;
    *pn = (size_t)(sp->p + i - *p);
    *pos = i + 1;
    return 1;
}

static int release_cmp(const struct span *a, const struct span *b)
{
    size_t pa = 0, pb = 0;

    for (;;) {
        const char *x = "0", *y = "0";
        size_t xn = 1, yn = 1;
        int hx = next_part(a, &pa, 0, &x, &xn), hy = next_part(b, &pb, 0, &y, &yn);

        if (!hx && !hy)
            return 0;
        if (!hx)
            x = "0", xn = 1;
        if (!hy)
            y = "0", yn = 1;
        int r = ver_numcmp(x, xn, y, yn);
        if (r != 0)
            return r;
    }
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!ver_isdigit(s[i]))
            return 0;
    }
    return 1;
}

static int lower_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    for (size_t i = 0; i < an && i < bn; i++) {
        int x = ver_tolower((unsigned char)a[i]), y = ver_tolower((unsigned char)b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return an == bn ? 0 : (an < bn ? -1 : 1);
}

static int local_cmp(const struct span *a, const struct span *b)
{
    size_t pa = 0, pb = 0;

    if (!a->present || !b->present)
        return a->present - b->present;
    for (;;) {
        const char *x = "", *y = "";
        size_t xn = 0, yn = 0;
        int hx = next_part(a, &pa, 1, &x, &xn), hy = next_part(b, &pb, 1, &y, &yn);

        if (!hx || !hy)
            return hx - hy;
        int xd = all_digits(x, xn), yd = all_digits(y, yn), r;
        if (xd && yd)
            r = ver_numcmp(x, xn, y, yn);
        else if (xd || yd)
            r = xd ? 1 : -1;
        else
            r = lower_cmp(x, xn, y, yn);
        if (r != 0)
            return r;
    }
}

static int num_or_zero(const struct span *a, const struct span *b)
{
    return ver_numcmp(a->present ? a->p : "0", a->present ? a->n : 1,
                           b->present ? b->p : "0", b->present ? b->n : 1);
}

/* packaging's _cmpkey: the pre-release slot is -inf for X.devN, +inf when absent. */
static int pre_key(const struct pep *v)
{
    if (v->pre_l < 0 && !v->post && v->dev)
        return 0;
    return v->pre_l < 0 ? 2 : 1;
}

int ver_pep440_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct pep x, y;
    int r;

    if (!pep_parse(a, an, &x) || !pep_parse(b, bn, &y))
        return ver_bytecmp(a, an, b, bn);
    if ((r = num_or_zero(&x.epoch, &y.epoch)) != 0)
        return r;
    if ((r = release_cmp(&x.release, &y.release)) != 0)
        return r;
    int kx = pre_key(&x), ky = pre_key(&y);
    if (kx != ky)
        return kx < ky ? -1 : 1;
    if (kx == 1) {
        if (x.pre_l != y.pre_l)
            return x.pre_l < y.pre_l ? -1 : 1;
        if ((r = num_or_zero(&x.pre_n, &y.pre_n)) != 0)
            return r;
    }
    if (x.post != y.post)
        return x.post - y.post;
    if (x.post && (r = num_or_zero(&x.post_n, &y.post_n)) != 0)
        return r;
    if (x.dev != y.dev)
        return y.dev - x.dev;
    if (x.dev && (r = num_or_zero(&x.dev_n, &y.dev_n)) != 0)
        return r;
    return local_cmp(&x.local, &y.local);
}
