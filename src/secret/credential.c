/*
 * credential.c - the validator of the generic credential rule: take the value out of
 * a match (KEY = VALUE, KEY: "VALUE", <key>VALUE</key>, <add key="KEY" value="VALUE"/>,
 * ...), drop what is not a literal (references, templates, placeholders, numbers, an
 * unquoted expression in source code), and keep the value only when it looks like a
 * random string. The randomness test asks whether the value could have been drawn
 * uniformly from the alphabet its character classes imply, with three statistics
 * whose distributions under that hypothesis are exact, each rejected at
 * MOAT_SECRET_RANDOM_ALPHA (docs/secret-rules.md derives them):
 *   - distinct characters: the occupancy distribution of n draws from A symbols;
 *   - clustering: the number of runs of each class given the class counts (a word
 *     or an identifier keeps its letters together: "OPENSSL_zalloc");
 *   - letter case: upper case letters among the letters ~ Binomial(letters, 1/2)
 *     ("camelCaseName" has too few).
 * No libm: every probability is a ratio of binomial coefficients or a short recursion.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "moat/secret/secret.h"

#define MAX_VALUE 128u /* the rule's repeats stop at 100 characters */

/* ---- the randomness test ---- */

/* C(n, k) as a double (exact below 2^53, within rounding above; n <= MAX_VALUE). */
static double choose(size_t n, size_t k)
{
    double c = 1;

    if (k > n)
        return 0;
    if (k > n - k)
        k = n - k;
    for (size_t i = 1; i <= k; i++)
        c = c * (double)(n - k + i) / (double)i;
    return c;
}

/* P(D <= d) for D the number of distinct symbols among n uniform draws from a symbols. */
static double occupancy_cdf(size_t n, size_t a, size_t d)
{
    double p[MAX_VALUE + 2] = {1.0}, sum = 0;
    size_t top = 0; /* p[k] = P(k distinct after i draws), k <= top */

    for (size_t i = 0; i < n; i++) {
        size_t hi = top + 1 <= a ? top + 1 : a;
        for (size_t k = hi; k > 0; k--)
            p[k] = p[k] * (double)k / (double)a + p[k - 1] * (double)(a - k + 1) / (double)a;
        p[0] = 0;
        top = hi;
    }
    for (size_t k = 0; k <= d && k <= top; k++)
        sum += p[k];
    return sum;
}

/* P(R <= r) for R the number of runs (maximal blocks) of nc marked items placed uniformly
 * among no others: C(nc-1, k-1) C(no+1, k) / C(nc+no, nc) for exactly k runs. */
static double runs_cdf(size_t nc, size_t no, size_t r)
{
    double sum = 0;

    for (size_t k = 1; k <= r; k++)
        sum += choose(nc - 1, k - 1) * choose(no + 1, k);
    return sum / choose(nc + no, nc);
}

/* Two-sided P for k successes in m fair coin flips. */
static double binom_two_sided(size_t m, size_t k)
{
    double lo = 0, hi = 0, all = 0;

    for (size_t i = 0; i <= m; i++) {
        double c = choose(m, i);
        all += c;
        if (i <= k)
            lo += c;
        if (i >= k)
            hi += c;
    }
    lo = (lo < hi ? lo : hi) * 2 / all;
    return lo < 1 ? lo : 1;
}

enum { C_LOWER, C_UPPER, C_DIGIT, C_SYMBOL, N_CLASS };

static int class_of(unsigned char c)
{
    return islower(c) ? C_LOWER : isupper(c) ? C_UPPER : isdigit(c) ? C_DIGIT : C_SYMBOL;
}

static int all_in(const char *v, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!v[i] || !strchr(set, v[i]))
            return 0;
    return 1;
}

int moat_secret_random(const char *v, size_t n, struct moat_secret_randomness *out)
{
    size_t count[N_CLASS] = {0}, runs[N_CLASS] = {0}, tested = 0;
    unsigned char seen[256] = {0}, sym_seen[256] = {0};
    size_t symbols = 0;
    int hex = 0;
    struct moat_secret_randomness r = {.n = n, .p_distinct = 1, .p_cluster = 1, .p_case = 1};

    if (n < MOAT_SECRET_MIN_VALUE || n > MAX_VALUE) {
        r.why = n < MOAT_SECRET_MIN_VALUE ? "shorter than 12 characters" : "too long";
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        int k = class_of(c);
        if (c <= 0x20 || c >= 0x7f) {
            r.why = "not printable ASCII";
            goto out;
        }
        count[k]++;
        runs[k] += i == 0 || class_of((unsigned char)v[i - 1]) != k;
        r.distinct += !seen[c];
        seen[c] = 1;
        if (k == C_SYMBOL && !sym_seen[c]) {
            sym_seen[c] = 1;
            symbols++;
        }
    }
    if (count[C_DIGIT] == n) {
        r.why = "a number";
        goto out;
    }
    hex = all_in(v, n, "0123456789abcdef") || all_in(v, n, "0123456789ABCDEF");
    if (hex && count[C_DIGIT] > 0) {
        r.alphabet = 16;
    } else {
        if (!!count[C_LOWER] + !!count[C_UPPER] + !!count[C_DIGIT] < 2) {
            /* one letter case (with or without punctuation) is a word or an identifier to
             * this test: it cannot tell "kqzvbxmwtrpl" from "configuration" */
            r.why = "a single letter case, no digits";
            goto out;
        }
        /* the smallest alphabet the classes seen imply: punctuation counts only the marks
         * present, as a generator's symbol set may be small (base64url has two) */
        r.alphabet = (count[C_LOWER] > 0 ? 26u : 0u) + (count[C_UPPER] > 0 ? 26u : 0u) +
                     (count[C_DIGIT] > 0 ? 10u : 0u) + symbols;
    }
    r.p_distinct = occupancy_cdf(n, r.alphabet, r.distinct);
    if (r.p_distinct < MOAT_SECRET_RANDOM_ALPHA) {
        r.why = "too few distinct characters for its length and alphabet";
        goto out;
    }
    for (int k = 0; k < C_SYMBOL; k++)
        tested += count[k] >= 2 && count[k] < n;
    for (int k = 0; k < C_SYMBOL; k++) {
        if (count[k] < 2 || count[k] == n)
            continue;
        double p = runs_cdf(count[k], n - count[k], runs[k]) * (double)tested;
        if (p < r.p_cluster)
            r.p_cluster = p;
    }
    if (r.p_cluster < MOAT_SECRET_RANDOM_ALPHA) {
        r.why = "its letters or digits stay together, as in words";
        goto out;
    }
    if (count[C_LOWER] > 0 && count[C_UPPER] > 0 && !hex)
        r.p_case = binom_two_sided(count[C_LOWER] + count[C_UPPER], count[C_UPPER]);
    if (r.p_case < MOAT_SECRET_RANDOM_ALPHA) {
        r.why = "upper and lower case letters out of balance";
        goto out;
    }
out:
    if (out)
        *out = r;
    return r.why == NULL;
}

/* ---- what is not a literal value ---- */

static int is_ident(unsigned char c)
{
    return isalnum(c) || c == '_';
}

/* "${NAME...}", "{{ x }}", "%(name)s", "#{x}", "$NAME", "@NAME@", "%NAME%": a reference or a
 * template, filled in elsewhere. */
static int is_reference(const char *v, size_t n)
{
    size_t i;

    for (i = 0; i + 2 < n; i++) {
        if (v[i] == '$' && v[i + 1] == '{' && (isalpha((unsigned char)v[i + 2]) || v[i + 2] == '_'))
            return 1;
        if ((v[i] == '#' || v[i] == '%') && v[i + 1] == (v[i] == '#' ? '{' : '(') &&
            memchr(v + i, v[i] == '#' ? '}' : ')', n - i))
            return 1;
        if (v[i] == '{' && v[i + 1] == '{' && memmem(v + i, n - i, "}}", 2))
            return 1;
    }
    /* the whole value one name after a sigil, in one letter case as names are written
     * ($DB_PASSWORD, $db_pass, @PASSWORD@, %SECRET%); "$qX9..." is a random value */
    if (n > 2 && (v[0] == '$' || v[0] == '@' || v[0] == '%')) {
        size_t end = v[0] == '$' ? n : n - 1, upper = 0, lower = 0;
        for (i = 1; i < end && is_ident((unsigned char)v[i]); i++) {
            upper += isupper((unsigned char)v[i]) != 0;
            lower += islower((unsigned char)v[i]) != 0;
        }
        if (i == end && (v[0] == '$' || v[end] == v[0]) && !(upper && lower))
            return 1;
    }
    return 0;
}

static int is_placeholder(const char *v, size_t n)
{
    static const char *const words[] = {"example",  "changeme", "password", "xxxx",
                                        "your_",    "your-",    "dummy",    "placeholder",
                                        "redacted", "sample",   "****",
                                        "%20" /* an URL-encoded space: prose, not a key */};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; i + wl <= n; i++)
            if (strncasecmp(v + i, words[w], wl) == 0)
                return 1;
    }
    return 0;
}

int moat_secret_placeholder(const char *v, size_t n)
{
    return is_placeholder(v, n);
}

/* A run of 6 or more consecutive characters, up or down ("123456", "abcdef", "76543210"):
 * typed by a person writing a fake token, vanishingly rare in a random one. */
int moat_secret_has_sequence(const char *v, size_t n)
{
    size_t up = 1, down = 1;

    for (size_t i = 1; i < n; i++) {
        int d = (unsigned char)v[i] - (unsigned char)v[i - 1];
        int alnum = isalnum((unsigned char)v[i]) && isalnum((unsigned char)v[i - 1]);
        up = alnum && d == 1 ? up + 1 : 1;
        down = alnum && d == -1 ? down + 1 : 1;
        if (up >= 6 || down >= 6)
            return 1;
    }
    return 0;
}

/* Decode the five XML entities in place; returns the new length. */
static size_t xml_unescape(char *v, size_t n)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t k = 0;

    for (size_t i = 0; i < n;) {
        size_t e = 0;
        while (v[i] == '&' && e < sizeof ents / sizeof ents[0] &&
               (n - i < strlen(ents[e].ent) || memcmp(v + i, ents[e].ent, strlen(ents[e].ent))))
            e++;
        if (v[i] == '&' && e < sizeof ents / sizeof ents[0]) {
            v[k++] = ents[e].c;
            i += strlen(ents[e].ent);
        } else {
            v[k++] = v[i++];
        }
    }
    return k;
}

static int is_name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
}

/* Whether the line before the key ends as XML puts a name there: "<ns:db." (an element) or,
 * attr set, key="db. / name='db. (an attribute value). */
static int xml_before(const struct moat_secret_context *ctx, int attr)
{
    const char *b = ctx ? ctx->before : NULL;
    size_t i = ctx ? ctx->before_len : 0;

    while (i > 0 && is_name_char((unsigned char)b[i - 1]))
        i--;
    if (!attr)
        return i > 0 && b[i - 1] == '<';
    if (i == 0 || (b[i - 1] != '"' && b[i - 1] != '\''))
        return 0;
    for (i--; i > 0 && (b[i - 1] == ' ' || b[i - 1] == '\t');)
        i--;
    if (i == 0 || b[--i] != '=')
        return 0;
    while (i > 0 && (b[i - 1] == ' ' || b[i - 1] == '\t'))
        i--;
    return (i >= 3 && strncasecmp(b + i - 3, "key", 3) == 0 &&
            (i == 3 || !is_ident((unsigned char)b[i - 4]))) ||
           (i >= 4 && strncasecmp(b + i - 4, "name", 4) == 0 &&
            (i == 4 || !is_ident((unsigned char)b[i - 5])));
}

/* Whether the key is the second half of a user/password pair: "ID/" or "user/" before it. */
static int pair_before(const struct moat_secret_context *ctx)
{
    size_t i = ctx ? ctx->before_len : 0;

    if (i < 2 || ctx->before[i - 1] != '/')
        return 0;
    return isalpha((unsigned char)ctx->before[i - 2]);
}

/*
 * The value of a match of the generic rule, which starts at the key: KEY["'] [:=] VALUE
 * (quoted or bare), KEY["']>VALUE (XML element content), KEY["'] value="VALUE" (XML
 * key/value attributes); the XML forms need XML before the key. *quoted says whether the
 * value stood in quotes (or in an element), *pair whether the key is "user/password".
 */
static int find_value(const char *t, size_t n, const struct moat_secret_context *ctx, size_t *vs,
                      size_t *ve, int *quoted, int *pair)
{
    size_t i = 0;
    int key_quoted = 0;

    *quoted = *pair = 0;
    while (i < n && (isalpha((unsigned char)t[i]) || t[i] == '_' || t[i] == '-' || t[i] == '.'))
        i++;
    if (i < n && (t[i] == '"' || t[i] == '\'')) {
        key_quoted = 1;
        i++;
    }
    if (i < n && t[i] == '>') { /* <KEY>VALUE or key="KEY">VALUE */
        if (!xml_before(ctx, key_quoted))
            return 0;
        for (i++; i < n && (t[i] == ' ' || t[i] == '\t');)
            i++;
        *vs = i;
        *ve = n;
        *quoted = 1;
        return 1;
    }
    while (i < n && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (i < n && t[i] != ':' && t[i] != '=') { /* KEY" value="VALUE */
        if (!key_quoted || !xml_before(ctx, 1) || n - i < 5 || strncasecmp(t + i, "value", 5))
            return 0;
        while (i < n && t[i] != '"' && t[i] != '\'')
            i++;
        *vs = i + 1;
        *ve = n;
        *quoted = 1;
        return *vs <= n;
    }
    if (i == n)
        return 0;
    *pair = pair_before(ctx);
    if (i + 1 < n && ((t[i] == ':' && t[i + 1] == '=') || (t[i] == '=' && t[i + 1] == '>')))
        i++;
    for (i++; i < n && (t[i] == ' ' || t[i] == '\t');)
        i++;
    if (i < n && (t[i] == '"' || t[i] == '\'')) {
        const char *close = memchr(t + i + 1, t[i], n - i - 1);
        *quoted = 1;
        *vs = i + 1;
        *ve = close ? (size_t)(close - t) : n;
    } else {
        *vs = i;
        *ve = n;
    }
    return 1;
}

int moat_secret_credential(const char *text, size_t n, const struct moat_secret_context *ctx,
                           struct moat_secret_randomness *why)
{
    char v[MAX_VALUE + 1];
    size_t vs, ve, vn, lower = 0;
    int quoted, pair;
    struct moat_secret_randomness r = {0};

    if (!find_value(text, n, ctx, &vs, &ve, &quoted, &pair) || ve - vs > MAX_VALUE) {
        r.why = "no value";
        goto out;
    }
    if (!quoted && ctx && (ctx->where & MOAT_SECRET_IN_CODE)) {
        r.why = "an expression in source code, not a literal";
        goto out;
    }
    vn = ve - vs;
    memcpy(v, text + vs, vn);
    vn = xml_unescape(v, vn);
    /* still escaped after one decoding ("&amp;lt;"), or a closing tag: HTML text inside a
     * document (a rich-text label of a diagram, a page), not a value a program reads */
    if (memmem(v, vn, "</", 2) || xml_unescape(v, vn) != vn) {
        r.why = "markup";
        goto out;
    }
    while (vn > 0 && v[vn - 1] == '=') /* base64 padding */
        vn--;
    /* a user/password pair ("ID/Password: admin/...", "password: master/..."): the
     * password is the part after the slash */
    while (lower < vn && lower <= 16 && islower((unsigned char)v[lower]))
        lower++;
    if ((pair || (lower >= 3 && lower <= 16 && lower < vn && v[lower] == '/')) &&
        memchr(v, '/', vn)) {
        size_t cut = (size_t)((const char *)memchr(v, '/', vn) - v) + 1;
        memmove(v, v + cut, vn - cut);
        vn -= cut;
    }
    if (is_reference(v, vn) || is_placeholder(v, vn) || moat_secret_has_sequence(v, vn)) {
        r.why = "a reference, a template or a placeholder";
        goto out;
    }
    if (memmem(v, vn, "://", 3)) {
        r.why = "a URL";
        goto out;
    }
    if (vn > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') &&
        all_in(v + 2, vn - 2, "0123456789abcdefABCDEF")) {
        r.why = "a number";
        goto out;
    }
    return moat_secret_random(v, vn, why);
out:
    if (why)
        *why = r;
    return 0;
}

int moat_secret_path_is_code(const char *path)
{
    static const char *const exts[] = {
        "py",   "pyi", "pyx", "pl",    "pm",      "pod",    "t",   "rb",  "js",  "mjs", "cjs",
        "ts",   "tsx", "jsx", "go",    "c",       "h",      "cc",  "cpp", "cxx", "hh",  "hpp",
        "java", "kt",  "kts", "scala", "groovy",  "gradle", "php", "lua", "rs",  "cs",  "swift",
        "m",    "mm",  "r",   "tcl",   "el",      "lisp",   "scm", "hs",  "ml",  "ps1", "psm1",
        "vb",   "vbs", "sql", "texi",  "texinfo", "info",   "man", "roff"};
    const char *base = strrchr(path, '/'), *dot;
    size_t n;

    base = base ? base + 1 : path;
    n = strlen(base);
    /* the content of x.gz / x.zst is x's */
    if (n > 3 && strcmp(base + n - 3, ".gz") == 0)
        n -= 3;
    else if (n > 4 && strcmp(base + n - 4, ".zst") == 0)
        n -= 4;
    dot = memrchr(base, '.', n);
    if (!dot || dot == base)
        return 0;
    dot++;
    n -= (size_t)(dot - base);
    /* roff man pages: x.1, x.3pm, x.1ssl; texinfo: x.info-2 */
    if (n >= 1 && n <= 5 && dot[0] >= '1' && dot[0] <= '9')
        return 1;
    if (n > 5 && strncmp(dot, "info-", 5) == 0)
        return 1;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strlen(exts[i]) == n && strncasecmp(dot, exts[i], n) == 0)
            return 1;
    return 0;
}
