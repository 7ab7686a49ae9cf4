/*
 * apk.c - Alpine (apk-tools 2.14/3.x) version comparison:
 *   digit{.digit}...{letter}{_suffix{digits}}...{~hash}{-r#}
 * Tokens compare pairwise while both sides have the same token kind;
 * numbers by value (a later dotted component with a leading zero compares
 * as a string, like Gentoo), suffixes by rank alpha < beta < pre < rc <
 * (none) < cvs < svn < git < hg < p, hashes as strings. When the kinds
 * differ, a pre-release suffix sorts first, otherwise the side whose next
 * token comes later in the grammar (end last but one, invalid last) sorts
 * first: 1.0 < 1.0.1, 1.0_rc1 < 1.0, 1.0-r1 < 1.0a. Like
 * apk-tools, ver_apk_cmp() also orders invalid strings; the public
 * API refuses them. Numbers of any length compare exactly (apk-tools keeps
 * 64 bits), and bytes >= 0x80 are invalid.
 */
#include <stdint.h>
#include <string.h>

#include "version/version_int.h"

enum tok {
    T_INITIAL_DIGIT,
    T_DIGIT,
    T_LETTER,
    T_SUFFIX,
    T_SUFFIX_NO,
    T_COMMIT_HASH,
    T_REVISION_NO,
    T_END,
    T_INVALID,
};

enum { S_INVALID, S_ALPHA, S_BETA, S_PRE, S_RC, S_NONE, S_CVS, S_SVN, S_GIT, S_HG, S_P };

struct tstate {
    enum tok tok;
    int suffix;
    const char *val; /* the token's text */
    size_t vn;
    const char *p; /* the rest of the input */
    size_t n;
};

static int suffix_value(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int val;
    } tab[] = {
        {"alpha", S_ALPHA}, {"beta", S_BETA}, {"pre", S_PRE}, {"rc", S_RC}, {"cvs", S_CVS},
        {"svn", S_SVN},     {"git", S_GIT},   {"hg", S_HG},   {"p", S_P},
    };

    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
        if (strlen(tab[i].name) == n && memcmp(tab[i].name, s, n) == 0)
            return tab[i].val;
    }
    return S_INVALID;
}

static void parse_digits(struct tstate *t)
{
    size_t i = 0;

    while (i < t->n && ver_isdigit(t->p[i]))
        i++;
    t->val = t->p;
    t->vn = i;
    t->p += i;
    t->n -= i;
    if (i == 0)
        t->tok = T_INVALID;
}

static void token_first(struct tstate *t, const char *p, size_t n)
{
    t->p = p;
    t->n = n;
    t->suffix = S_INVALID;
    t->tok = T_INITIAL_DIGIT;
    parse_digits(t);
}

static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_hex(int c) { return ver_isdigit(c) || (c >= 'a' && c <= 'f'); }

static void token_next(struct tstate *t)
{
    size_t i;

    if (t->n == 0) {
        t->tok = T_END;
        return;
    }
    switch (t->p[0]) {
    case '.':
        if (t->tok > T_DIGIT)
            goto invalid;
        t->p++, t->n--;
        /* fallthrough */
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        if (t->tok == T_INITIAL_DIGIT || t->tok == T_DIGIT)
            t->tok = T_DIGIT;
        else if (t->tok == T_SUFFIX)
            t->tok = T_SUFFIX_NO;
        else
            goto invalid;
        parse_digits(t);
        return;
    case '_':
        if (t->tok > T_SUFFIX_NO)
            goto invalid;
        t->p++, t->n--;
        for (i = 0; i < t->n && is_lower(t->p[i]); i++)
            ;
        t->val = t->p;
        t->vn = i;
        t->p += i, t->n -= i;
        t->suffix = suffix_value(t->val, t->vn);
        if (t->suffix == S_INVALID)
            goto invalid;
        t->tok = T_SUFFIX;
        return;
    case '~':
        if (t->tok >= T_COMMIT_HASH)
            goto invalid;
        t->p++, t->n--;
        for (i = 0; i < t->n && is_hex(t->p[i]); i++)
            ;
        if (i == 0)
            goto invalid;
        t->val = t->p;
        t->vn = i;
        t->p += i, t->n -= i;
        t->tok = T_COMMIT_HASH;
        return;
    case '-':
        if (t->tok >= T_REVISION_NO || t->n < 2 || t->p[1] != 'r')
            goto invalid;
        t->p += 2, t->n -= 2;
        t->tok = T_REVISION_NO;
        parse_digits(t);
        return;
    default:
        if (is_lower(t->p[0])) {
            if (t->tok > T_DIGIT)
                goto invalid;
            t->val = t->p;
            t->vn = 1;
            t->p++, t->n--;
            t->tok = T_LETTER;
            return;
        }
        break;
    }
invalid:
    t->tok = T_INVALID;
}

static int token_cmp(const struct tstate *a, const struct tstate *b)
{
    switch (a->tok) {
    case T_DIGIT:
        if (a->val[0] == '0' || b->val[0] == '0')
            return ver_bytecmp(a->val, a->vn, b->val, b->vn);
        /* fallthrough */
    case T_INITIAL_DIGIT:
    case T_SUFFIX_NO:
    case T_REVISION_NO:
        return ver_numcmp(a->val, a->vn, b->val, b->vn);
    case T_LETTER:
        return ver_sign((unsigned char)a->val[0] - (unsigned char)b->val[0]);
    case T_SUFFIX:
        return ver_sign(a->suffix - b->suffix);
    default:
        return ver_bytecmp(a->val, a->vn, b->val, b->vn);
    }
}

int ver_apk_valid(const char *v, size_t n)
{
    struct tstate t;

    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] >= 0x80)
            return 0;
    }
    for (token_first(&t, v, n); t.tok < T_END; token_next(&t))
        ;
    return t.tok == T_END;
}

int ver_apk_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct tstate ta, tb;

    for (token_first(&ta, a, an), token_first(&tb, b, bn); ta.tok == tb.tok && ta.tok < T_END;
         token_next(&ta), token_next(&tb)) {
        int r = token_cmp(&ta, &tb);
        if (r != 0)
            return r;
    }
    if (ta.tok == tb.tok)
        return 0;
    if (ta.tok == T_SUFFIX && ta.suffix < S_NONE)
        return -1;
    if (tb.tok == T_SUFFIX && tb.suffix < S_NONE)
        return 1;
    return ta.tok > tb.tok ? -1 : 1;
}
