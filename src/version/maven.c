/*
 * maven.c - Maven versions as maven-artifact's ComparableVersion (3.8.x)
 * orders them. The version is lowercased and cut into items at '.', at '-'
 * and at every digit/non-digit switch; '-', a switch, and a qualifier that
 * follows other items of its list open a sub-list that holds the rest of
 * the version, so the item tree is a chain:
 *   1.2-rc-1  ->  [1, 2, [rc, [1]]]     1.0.0.M1  ->  [1, 0, 0, [milestone, [1]]]
 * Numbers compare by value (but int < long < BigInteger items by digit
 * count, as in Java), qualifiers by rank alpha < beta < milestone < rc=cr <
 * snapshot < ""=ga=final=release < sp < any other string (alphabetical),
 * and trailing "null" items (0, "", empty list) are dropped from each list.
 * The chain is parsed into a fixed array on the stack: versions longer than
 * MAVEN_MAX_LEN bytes, with bytes >= 0x80 or control characters, are
 * rejected as invalid.
 */
#include <string.h>

#include "version/version_int.h"

#define MAVEN_MAX_LEN 256

enum ikind { I_INT, I_LONG, I_BIG, I_STR, I_LIST };

struct item {
    const char *p;       /* number digits (leading zeros stripped) or raw string */
    unsigned short n;
    unsigned char kind;
    unsigned char zero;  /* numeric value 0 */
};

/* A parsed version: items[]; an I_LIST item opens the next list of the chain. */
/* A byte adds at most three entries (a qualifier: list, string, list). */
#define MAVEN_MAX_ITEMS (3 * MAVEN_MAX_LEN + 4)

struct mvn {
    struct item it[MAVEN_MAX_ITEMS];
    size_t n;
    /* per list (chain level): first item, leaf count after normalisation, has sub-list */
    unsigned short start[MAVEN_MAX_ITEMS];
    unsigned short nleaf[MAVEN_MAX_ITEMS];
    unsigned char has_sub[MAVEN_MAX_ITEMS];
    size_t nlists;
};

static void add_num(struct mvn *v, const char *p, size_t n)
{
    struct item *it = &v->it[v->n++];
    size_t i = 0;

    while (i < n && p[i] == '0')
        i++;
    if (i == n) { /* all zeros: Java keeps the string as it is */
        it->p = p;
        it->n = (unsigned short)n;
        it->zero = 1;
    } else {
        it->p = p + i;
        it->n = (unsigned short)(n - i);
        it->zero = 0;
    }
    it->kind = it->n <= 9 ? I_INT : it->n <= 18 ? I_LONG : I_BIG;
}

static void add_str(struct mvn *v, const char *p, size_t n)
{
    struct item *it = &v->it[v->n++];

    it->kind = I_STR;
    it->p = p;
    it->n = (unsigned short)n;
    it->zero = 0;
}

static void add_list(struct mvn *v)
{
    struct item *it = &v->it[v->n++];

    it->kind = I_LIST;
    it->p = NULL;
    it->n = 0;
    it->zero = 0;
}

static int is_digit_at(const char *s, size_t i) { return ver_isdigit(s[i]); }

static void add_item(struct mvn *v, int digit, const char *p, size_t n)
{
    if (digit)
        add_num(v, p, n);
    else
        add_str(v, p, n);
}

/* Qualifier rank: 0..6 for the known ones, 7 for any other string. */
static int qual_rank(const char *p, size_t n, const char **canon, size_t *cn, int followed_by_digit)
{
    static const char *const quals[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
    char c0 = n ? (char)ver_tolower((unsigned char)p[0]) : 0;

    *canon = NULL;
    *cn = 0;
    if (followed_by_digit && n == 1) {
        if (c0 == 'a')
            return 0;
        if (c0 == 'b')
            return 1;
        if (c0 == 'm')
            return 2;
    }
    struct {
        const char *alias;
        int rank;
    } aliases[] = {{"ga", 5}, {"final", 5}, {"release", 5}, {"cr", 3}};
    for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
        size_t l = strlen(aliases[a].alias);
        if (l == n) {
            size_t i = 0;
            while (i < n && ver_tolower((unsigned char)p[i]) == aliases[a].alias[i])
                i++;
            if (i == n)
                return aliases[a].rank;
        }
    }
    for (int q = 0; q < 7; q++) {
        size_t l = strlen(quals[q]);
        if (l == n) {
            size_t i = 0;
            while (i < n && ver_tolower((unsigned char)p[i]) == quals[q][i])
                i++;
            if (i == n)
                return q;
        }
    }
    *canon = p;
    *cn = n;
    return 7;
}

static int mvn_parse(const char *s, size_t n, struct mvn *v)
{
    size_t start = 0, cur = 0; /* cur: items in the current (innermost) list */
    int digit = 0;

    if (n > MAVEN_MAX_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    }
    v->n = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.' || c == '-') {
            if (i == start)
                add_num(v, "0", 1);
            else
                add_item(v, digit, s + start, i - start);
            cur++;
            start = i + 1;
            if (c == '-')
                add_list(v), cur = 0;
        } else if (is_digit_at(s, i)) {
            if (!digit && i > start) {
                /* 1.0.0.X1 < 1.0.0-X2: a qualifier after items opens a sub-list */
                if (cur > 0)
                    add_list(v);
                add_str(v, s + start, i - start);
                start = i;
                add_list(v);
                cur = 0;
            }
            digit = 1;
        } else {
            if (digit && i > start) {
                add_num(v, s + start, i - start);
                start = i;
                add_list(v);
                cur = 0;
            }
            digit = 0;
        }
    }
    if (n > start) {
        if (!digit && cur > 0)
            add_list(v);
        add_item(v, digit, s + start, n - start);
    }
    return 1;
}

/* Strings carry a flag for "followed by a digit" (a1 = alpha-1): work it out from the source. */
static int str_followed_by_digit(const struct mvn *v, size_t idx, const char *end)
{
    const struct item *it = &v->it[idx];
    const char *after = it->p + it->n;

    return after < end && ver_isdigit(*after);
}

static int item_is_null(const struct mvn *v, size_t idx, const char *end)
{
    const struct item *it = &v->it[idx];
    const char *c;
    size_t cn;

    if (it->kind == I_STR)
        return qual_rank(it->p, it->n, &c, &cn, str_followed_by_digit(v, idx, end)) == 5;
    return it->zero;
}

/* Split the chain into lists and normalise them, innermost first. */
static void mvn_normalise(struct mvn *v, const char *end)
{
    size_t l = 0;

    v->start[0] = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->it[i].kind == I_LIST) {
            v->nleaf[l] = (unsigned short)(i - v->start[l]);
            v->has_sub[l] = 1;
            l++;
            v->start[l] = (unsigned short)(i + 1);
        }
    }
    v->nleaf[l] = (unsigned short)(v->n - v->start[l]);
    v->has_sub[l] = 0;
    v->nlists = l + 1;
    for (size_t k = v->nlists; k-- > 0;) {
        if (v->has_sub[k] && v->nleaf[k + 1] == 0 && !v->has_sub[k + 1])
            v->has_sub[k] = 0; /* empty sub-list is null: removed */
        while (v->nleaf[k] > 0 && item_is_null(v, (size_t)v->start[k] + v->nleaf[k] - 1, end))
            v->nleaf[k]--;
    }
}

struct side {
    const struct mvn *v;
    const char *end;
};

/* Element e of list k: 1 leaf (*idx set), 2 sub-list, 0 none. */
static int element(const struct side *s, size_t k, size_t e, size_t *idx)
{
    if (e < s->v->nleaf[k]) {
        *idx = s->v->start[k] + e;
        return 1;
    }
    if (e == s->v->nleaf[k] && s->v->has_sub[k])
        return 2;
    return 0;
}

static int leaf_kind(const struct side *s, size_t idx) { return s->v->it[idx].kind; }

static int str_cmp_qual(const struct side *a, size_t ia, const struct side *b, size_t ib)
{
    const struct item *x = &a->v->it[ia], *y = &b->v->it[ib];
    const char *cx, *cy;
    size_t cxn, cyn;
    int rx = qual_rank(x->p, x->n, &cx, &cxn, str_followed_by_digit(a->v, ia, a->end));
    int ry = qual_rank(y->p, y->n, &cy, &cyn, str_followed_by_digit(b->v, ib, b->end));

    if (rx != ry || rx != 7)
        return rx < ry ? -1 : rx > ry;
    /* "7-" + lowercase value: compare the lowercased strings */
    for (size_t i = 0; i < cxn && i < cyn; i++) {
        int p = ver_tolower((unsigned char)cx[i]), q = ver_tolower((unsigned char)cy[i]);
        if (p != q)
            return p < q ? -1 : 1;
    }
    return cxn == cyn ? 0 : (cxn < cyn ? -1 : 1);
}

static int list_cmp_null(const struct side *a, size_t k);

/* A leaf against "nothing" (Java's compareTo(null)). */
static int leaf_cmp_null(const struct side *a, size_t ia)
{
    const struct item *x = &a->v->it[ia];
    const char *c;
    size_t cn;

    if (x->kind == I_STR) {
        int r = qual_rank(x->p, x->n, &c, &cn, str_followed_by_digit(a->v, ia, a->end));
        return r < 5 ? -1 : r > 5;
    }
    return x->zero ? 0 : 1;
}

static int list_cmp_null(const struct side *a, size_t k)
{
    size_t idx;
    int e;

    for (size_t i = 0; (e = element(a, k, i, &idx)) != 0; i++) {
        int r = e == 1 ? leaf_cmp_null(a, idx) : list_cmp_null(a, k + 1);
        if (r != 0)
            return r;
    }
    return 0;
}

static int leaf_cmp(const struct side *a, size_t ia, const struct side *b, size_t ib)
{
    int ka = leaf_kind(a, ia), kb = leaf_kind(b, ib);
    const struct item *x = &a->v->it[ia], *y = &b->v->it[ib];

    if (ka == I_STR || kb == I_STR) {
        if (ka == I_STR && kb == I_STR)
            return str_cmp_qual(a, ia, b, ib);
        return ka == I_STR ? -1 : 1; /* numbers beat qualifiers */
    }
    if (ka != kb)
        return ka < kb ? -1 : 1; /* int < long < BigInteger */
    if (x->zero || y->zero)
        return y->zero - x->zero;
    return ver_numcmp(x->p, x->n, y->p, y->n);
}

/* Element kinds: 0 none, 1 leaf, 2 list. Compare list k of a with list k of b. */
static int list_cmp(const struct side *a, const struct side *b, size_t k)
{
    for (size_t e = 0;; e++) {
        size_t ia = 0, ib = 0;
        int ea = element(a, k, e, &ia), eb = element(b, k, e, &ib), r;

        if (ea == 0 && eb == 0)
            return 0;
        if (ea == 0)
            r = eb == 1 ? -leaf_cmp_null(b, ib) : -list_cmp_null(b, k + 1);
        else if (eb == 0)
            r = ea == 1 ? leaf_cmp_null(a, ia) : list_cmp_null(a, k + 1);
        else if (ea == 2 && eb == 2)
            r = list_cmp(a, b, k + 1);
        else if (ea == 2) /* list vs leaf: below numbers, above strings */
            r = leaf_kind(b, ib) == I_STR ? 1 : -1;
        else if (eb == 2)
            r = leaf_kind(a, ia) == I_STR ? -1 : 1;
        else
            r = leaf_cmp(a, ia, b, ib);
        if (r != 0)
            return r;
    }
}

int ver_maven_valid(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] >= 0x80 || (unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return 0;
    }
    return n <= MAVEN_MAX_LEN;
}

int ver_maven_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct mvn x, y;
    struct side sa = {&x, a + an}, sb = {&y, b + bn};

    if (!mvn_parse(a, an, &x) || !mvn_parse(b, bn, &y))
        return ver_bytecmp(a, an, b, bn);
    mvn_normalise(&x, a + an);
    mvn_normalise(&y, b + bn);
    return list_cmp(&sa, &sb, 0);
}
