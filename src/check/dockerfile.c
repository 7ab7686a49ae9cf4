/*
 * dockerfile.c - the Dockerfile parser (see dockerfile.h). One pass over
 * the physical lines: directives, comments (with ignore pragmas), logical
 * lines built from continuations, then heredoc bodies, then the instruction
 * is split into keyword, flags and arguments (JSON or shell form). ARG and
 * ENV are tracked per stage (global ARGs before the first FROM) so FROM,
 * WORKDIR and USER can be expanded the way the builder would.
 *
 * Every length is checked before it is used; the input is never assumed to
 * be NUL-terminated and may contain any byte.
 */
#include "moat/check/dockerfile.h"

#include <ctype.h>
#include <errno.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include "moat/base/buf.h"
#include "moat/base/file.h"
#include "moat/base/json.h"
#include "moat/base/strv.h"

#define EXPAND_MAX_DEPTH 8
#define MAX_HEREDOCS 8
#define MAX_VARS 1024

struct vars {
    char **names, **vals; /* vals[i] NULL = declared without a value */
    size_t n, cap;
};

struct parser {
    const char *name;
    const char *data;
    size_t len, pos;
    uint32_t lineno; /* number of the line last returned by next_line */
    char escape;
    struct moat_err *err;
    struct moat_dockerfile *df;
    struct vars global, stage;
    struct moat_strv pending; /* ignore ids waiting for the next instruction */
};

static const char *const keywords[] = {
    "FROM",    "RUN", "CMD",     "LABEL",      "MAINTAINER",  "EXPOSE",
    "ENV",     "ADD", "COPY",    "ENTRYPOINT", "VOLUME",      "USER",
    "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int nomem(struct parser *ps)
{
    return moat_err_set(ps->err, MOAT_E_NOMEM, "%s: out of memory", ps->name);
}

/* Next physical line without its newline (and a trailing \r); false at EOF. */
static bool next_line(struct parser *ps, const char **line, size_t *n, int *rc)
{
    const char *start, *nl;
    size_t avail;

    *rc = 0;
    if (ps->pos >= ps->len)
        return false;
    start = ps->data + ps->pos;
    avail = ps->len - ps->pos;
    nl = memchr(start, '\n', avail);
    *n = nl != NULL ? (size_t)(nl - start) : avail;
    ps->pos += *n + (nl != NULL ? 1 : 0);
    ps->lineno++;
    if (*n > MOAT_DF_MAX_LINE) {
        *rc = moat_err_set(ps->err, MOAT_E_LIMIT, "%s:%u: line longer than %u bytes", ps->name,
                           ps->lineno, MOAT_DF_MAX_LINE);
        return false;
    }
    if (*n > 0 && start[*n - 1] == '\r')
        (*n)--;
    *line = start;
    return true;
}

static void skip_ws(const char **s, const char *end)
{
    while (*s < end && is_ws(**s))
        (*s)++;
}

/* ---- variables ---- */

static void vars_free(struct vars *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->names[i]);
        free(v->vals[i]);
    }
    free(v->names);
    free(v->vals);
    memset(v, 0, sizeof(*v));
}

/* Find name (n bytes) in v; the latest definition wins. */
static ssize_t vars_find(const struct vars *v, const char *name, size_t n)
{
    for (size_t i = v->n; i-- > 0;)
        if (strlen(v->names[i]) == n && memcmp(v->names[i], name, n) == 0)
            return (ssize_t)i;
    return -1;
}

/* Set name to val (copied; NULL = declared, no value). 0 or -1 on no memory/limit. */
static int vars_set(struct vars *v, const char *name, const char *val)
{
    ssize_t i = vars_find(v, name, strlen(name));
    char *nv = NULL;

    if (val != NULL && (nv = strdup(val)) == NULL)
        return -1;
    if (i >= 0) {
        free(v->vals[i]);
        v->vals[i] = nv;
        return 0;
    }
    if (v->n == MAX_VARS) {
        free(nv);
        return 0; /* silently ignore more variables than any real file has */
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        char **a = realloc(v->names, cap * sizeof(*a)), **b;

        if (a == NULL) {
            free(nv);
            return -1;
        }
        v->names = a;
        b = realloc(v->vals, cap * sizeof(*b));
        if (b == NULL) {
            free(nv);
            return -1;
        }
        v->vals = b;
        v->cap = cap;
    }
    if ((v->names[v->n] = strdup(name)) == NULL) {
        free(nv);
        return -1;
    }
    v->vals[v->n++] = nv;
    return 0;
}

/* ---- expansion ---- */

struct expander {
    const struct vars *vars;
    char escape;
    bool unresolved;
};

static bool name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static int expand_into(struct expander *ex, const char *s, size_t n, struct moat_buf *out,
                       int depth);

/* Value of variable name[0..n) or NULL; *set tells declared-with-value. */
static const char *lookup(struct expander *ex, const char *name, size_t n)
{
    ssize_t i = vars_find(ex->vars, name, n);

    return i >= 0 ? ex->vars->vals[i] : NULL;
}

/* s points after "${"; expands up to the matching '}' and returns bytes consumed (incl. '}'). */
static int expand_brace(struct expander *ex, const char *s, size_t n, struct moat_buf *out,
                        int depth, size_t *used)
{
    size_t i = 0, name_len, word_start, level = 1;
    const char *val;
    char op = 0;
    bool colon = false;
    int rc = 0;

    while (i < n && name_char(s[i]))
        i++;
    name_len = i;
    if (i < n && s[i] == ':') {
        colon = true;
        i++;
    }
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        op = s[i];
        i++;
    } else if (colon) {
        op = '-'; /* ${V:?} and friends: treat like :- with the rest as text */
    }
    word_start = i;
    while (i < n) {
        if (s[i] == ex->escape && i + 1 < n) {
            i += 2;
            continue;
        }
        if (s[i] == '{' && i > 0 && s[i - 1] == '$')
            level++;
        else if (s[i] == '}' && --level == 0)
            break;
        i++;
    }
    if (i >= n) { /* unterminated: copy literally */
        *used = n;
        if (moat_buf_append(out, "${", 2) < 0 || moat_buf_append(out, s, n) < 0)
            return -1;
        return 0;
    }
    *used = i + 1;
    val = lookup(ex, s, name_len);
    if (op == 0) {
        if (val == NULL)
            ex->unresolved = true;
        else if (moat_buf_append(out, val, strlen(val)) < 0)
            return -1;
    } else if (op == '-') {
        bool use_default = val == NULL || (colon && val[0] == '\0');

        if (!use_default)
            rc = moat_buf_append(out, val, strlen(val));
        else
            rc = expand_into(ex, s + word_start, i - word_start, out, depth + 1);
    } else { /* '+' */
        bool use_alt = val != NULL && !(colon && val[0] == '\0');

        if (use_alt)
            rc = expand_into(ex, s + word_start, i - word_start, out, depth + 1);
    }
    return rc < 0 ? -1 : 0;
}

/* Expand $V / ${V...}, drop quotes and escapes (single quotes: literal). 0 or -1. */
static int expand_into(struct expander *ex, const char *s, size_t n, struct moat_buf *out,
                       int depth)
{
    char quote = 0;

    if (depth > EXPAND_MAX_DEPTH)
        return moat_buf_append(out, s, n);
    for (size_t i = 0; i < n;) {
        char c = s[i];

        if (quote != '\'' && c == ex->escape && i + 1 < n) {
            if (moat_buf_append(out, s + i + 1, 1) < 0)
                return -1;
            i += 2;
            continue;
        }
        if (c == '\'' || c == '"') {
            if (quote == 0) {
                quote = c;
                i++;
                continue;
            }
            if (quote == c) {
                quote = 0;
                i++;
                continue;
            }
        }
        if (c == '$' && quote != '\'' && i + 1 < n) {
            if (s[i + 1] == '{') {
                size_t used = 0;

                if (expand_brace(ex, s + i + 2, n - i - 2, out, depth, &used) < 0)
                    return -1;
                i += 2 + used;
                continue;
            }
            if (name_start(s[i + 1])) {
                size_t j = i + 1;
                const char *val;

                while (j < n && name_char(s[j]))
                    j++;
                val = lookup(ex, s + i + 1, j - i - 1);
                if (val == NULL)
                    ex->unresolved = true;
                else if (moat_buf_append(out, val, strlen(val)) < 0)
                    return -1;
                i = j;
                continue;
            }
        }
        if (moat_buf_append(out, &c, 1) < 0)
            return -1;
        i++;
    }
    return 0;
}

/* A new expanded copy of s[0..n); NULL on no memory. */
static char *expand(const struct vars *vars, char escape, const char *s, size_t n, bool *unresolved)
{
    struct expander ex = {vars, escape, false};
    struct moat_buf b = MOAT_BUF_INIT;
    char *r;

    b.max = MOAT_DF_MAX_LOGICAL;
    if (expand_into(&ex, s, n, &b, 0) < 0 || moat_buf_append(&b, "", 0) < 0) {
        moat_buf_free(&b);
        return NULL;
    }
    if (unresolved != NULL && ex.unresolved)
        *unresolved = true;
    r = moat_buf_steal(&b, NULL);
    return r != NULL ? r : strdup("");
}

/* ---- word splitting (quotes and escapes kept) ---- */

/* Append each whitespace-separated word of s (quotes honoured) to *v, built here only. 0 or -1. */
static int split_words(const char *s, char escape, char ***v, size_t *n)
{
    struct moat_strv sv = moat_strv_view(*v, *n);
    size_t i = 0, len = strlen(s);
    int r = 0;

    while (i < len && r == 0) {
        size_t start;
        char quote = 0;

        while (i < len && (is_ws(s[i]) || s[i] == '\n'))
            i++;
        if (i >= len)
            break;
        start = i;
        while (i < len) {
            char c = s[i];

            if (quote != '\'' && c == escape && i + 1 < len) {
                i += 2;
                continue;
            }
            if (quote == 0 && (c == '"' || c == '\''))
                quote = c;
            else if (quote != 0 && c == quote)
                quote = 0;
            else if (quote == 0 && (is_ws(c) || c == '\n'))
                break;
            i++;
        }
        if (sv.n >= MOAT_DF_MAX_ARGV)
            break;
        r = moat_strv_pushn(&sv, s + start, i - start) < 0 ? -1 : 0;
    }
    *v = sv.v;
    *n = sv.n;
    return r;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- instructions ---- */

static void instr_free(struct moat_df_instr *in)
{
    free(in->cmd);
    free(in->args);
    for (size_t i = 0; i < in->n_flags; i++) {
        free(in->flags[i].name);
        free(in->flags[i].value);
    }
    free(in->flags);
    free_strv(in->argv, in->argc);
    free(in->heredoc);
    free(in->expanded);
    free_strv(in->ignores, in->n_ignores);
    memset(in, 0, sizeof(*in));
}

void moat_dockerfile_free(struct moat_dockerfile *df)
{
    if (df == NULL)
        return;
    for (size_t i = 0; i < df->n; i++)
        instr_free(&df->v[i]);
    free(df->v);
    for (size_t i = 0; i < df->n_stages; i++) {
        free(df->stages[i].image);
        free(df->stages[i].name);
    }
    free(df->stages);
    free(df->syntax);
    memset(df, 0, sizeof(*df));
}

const char *moat_df_flag(const struct moat_df_instr *in, const char *name, bool *present)
{
    if (present != NULL)
        *present = false;
    for (size_t i = in->n_flags; i-- > 0;)
        if (strcasecmp(in->flags[i].name, name) == 0) {
            if (present != NULL)
                *present = true;
            return in->flags[i].value;
        }
    return NULL;
}

/* Parse a "# moat ignore=A,B" / "# hadolint ignore=A B" comment into ps->pending. */
static int pragma(struct parser *ps, const char *s, const char *end)
{
    static const char *const tools[] = {"moat", "hadolint"};
    bool matched = false;

    s++; /* '#' */
    skip_ws(&s, end);
    for (size_t t = 0; t < 2 && !matched; t++) {
        size_t tl = strlen(tools[t]);

        if ((size_t)(end - s) > tl && strncasecmp(s, tools[t], tl) == 0 && is_ws(s[tl])) {
            s += tl;
            matched = true;
        }
    }
    if (!matched)
        return 0;
    skip_ws(&s, end);
    if ((size_t)(end - s) < 6 || strncasecmp(s, "ignore", 6) != 0)
        return 0;
    s += 6;
    skip_ws(&s, end);
    if (s >= end || *s != '=')
        return 0;
    s++;
    while (s < end) {
        const char *w;

        while (s < end && (is_ws(*s) || *s == ','))
            s++;
        w = s;
        while (s < end && !is_ws(*s) && *s != ',')
            s++;
        if (s == w || ps->pending.n >= 64)
            break;
        if (moat_strv_pushn(&ps->pending, w, (size_t)(s - w)) < 0)
            return nomem(ps);
    }
    return 0;
}

/* True when a line ends in the escape character (trailing blanks allowed); *cut = its offset. */
static bool continues(const char *line, size_t n, char escape, size_t *cut)
{
    while (n > 0 && is_ws(line[n - 1]))
        n--;
    if (n == 0 || line[n - 1] != escape)
        return false;
    *cut = n - 1;
    return true;
}

static bool is_comment(const char *line, size_t n)
{
    const char *s = line, *end = line + n;

    skip_ws(&s, end);
    return s < end && *s == '#';
}

static bool is_blank(const char *line, size_t n)
{
    const char *s = line, *end = line + n;

    skip_ws(&s, end);
    return s == end;
}

struct heredoc {
    char word[128];
    bool strip_tabs;
};

/* Find heredoc markers "<<[-]['"]WORD['"]" in a RUN/COPY/ADD line. */
static size_t find_heredocs(const char *s, struct heredoc *h, size_t max)
{
    size_t n = 0, len = strlen(s);

    for (size_t i = 0; i + 2 < len && n < max; i++) {
        size_t j, w;
        char q = 0;

        if (s[i] != '<' || s[i + 1] != '<' || (i > 0 && !is_ws(s[i - 1])))
            continue;
        j = i + 2;
        h[n].strip_tabs = false;
        if (j < len && s[j] == '-') {
            h[n].strip_tabs = true;
            j++;
        }
        if (j < len && (s[j] == '"' || s[j] == '\''))
            q = s[j++];
        if (j >= len || !name_start(s[j]))
            continue;
        w = 0;
        while (j < len && (name_char(s[j]) || s[j] == '-' || s[j] == '.') &&
               w + 1 < sizeof(h[n].word))
            h[n].word[w++] = s[j++];
        h[n].word[w] = '\0';
        if (q != 0 && (j >= len || s[j] != q))
            continue;
        n++;
        i = j;
    }
    return n;
}

/* Read heredoc bodies after the logical line into b. */
static int read_heredocs(struct parser *ps, const struct heredoc *h, size_t nh, struct moat_buf *b,
                         uint32_t start_line)
{
    for (size_t k = 0; k < nh; k++) {
        const char *line;
        size_t n;
        int rc;
        bool done = false;

        while (next_line(ps, &line, &n, &rc)) {
            const char *s = line;
            size_t m = n;

            if (h[k].strip_tabs)
                while (m > 0 && *s == '\t') {
                    s++;
                    m--;
                }
            if (m == strlen(h[k].word) && memcmp(s, h[k].word, m) == 0) {
                done = true;
                break;
            }
            if (moat_buf_append(b, s, m) < 0 || moat_buf_append(b, "\n", 1) < 0)
                return b->len + m + 1 > b->max
                           ? moat_err_set(ps->err, MOAT_E_LIMIT,
                                          "%s:%u: heredoc larger than %u bytes", ps->name,
                                          start_line, MOAT_DF_MAX_HEREDOC)
                           : nomem(ps);
        }
        if (rc < 0)
            return rc;
        if (!done)
            return moat_err_set(ps->err, MOAT_E_FORMAT, "%s:%u: unterminated heredoc <<%s",
                                ps->name, start_line, h[k].word);
    }
    return 0;
}

static bool takes_json(const char *cmd)
{
    static const char *const j[] = {"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"};

    for (size_t i = 0; i < sizeof(j) / sizeof(j[0]); i++)
        if (strcmp(cmd, j[i]) == 0)
            return true;
    return false;
}

static bool takes_flags(const char *cmd)
{
    return strcmp(cmd, "FROM") == 0 || strcmp(cmd, "RUN") == 0 || strcmp(cmd, "COPY") == 0 ||
           strcmp(cmd, "ADD") == 0 || strcmp(cmd, "HEALTHCHECK") == 0;
}

/* Try the exec form; leaves in->json false when args is not a JSON array of strings. */
static int parse_json_form(struct parser *ps, struct moat_df_instr *in)
{
    struct moat_err jerr = MOAT_ERR_INIT;
    json_t *arr = NULL;
    size_t i;
    int rc = 0;

    in->json_malformed = true;
    if (moat_json_parse(in->args, strlen(in->args), MOAT_DF_MAX_LOGICAL, ps->name, &arr, &jerr) <
        0) {
        rc = jerr.code == MOAT_E_NOMEM ? nomem(ps) : 0;
        goto out;
    }
    if (!json_is_array(arr) || json_array_size(arr) > MOAT_DF_MAX_ARGV)
        goto out;
    for (i = 0; i < json_array_size(arr); i++)
        if (!json_is_string(json_array_get(arr, i)))
            goto out;
    in->argv = calloc(json_array_size(arr) + 1, sizeof(char *));
    if (in->argv == NULL) {
        rc = nomem(ps);
        goto out;
    }
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);

        if ((in->argv[i] = dupn(json_string_value(e), json_string_length(e))) == NULL) {
            rc = nomem(ps);
            goto out;
        }
        in->argc = i + 1;
    }
    in->json = true;
    in->json_malformed = false;
out:
    json_decref(arr);
    moat_err_clear(&jerr);
    return rc;
}

static int add_flag(struct parser *ps, struct moat_df_instr *in, const char *tok, size_t n)
{
    const char *eq = memchr(tok, '=', n);
    struct moat_df_flag *a;
    size_t nl = eq != NULL ? (size_t)(eq - tok) : n;

    if (in->n_flags >= MOAT_DF_MAX_FLAGS)
        return 0;
    /* at most MOAT_DF_MAX_FLAGS, so the room for all of them comes with the first */
    if (in->flags == NULL && (in->flags = calloc(MOAT_DF_MAX_FLAGS, sizeof(*in->flags))) == NULL)
        return nomem(ps);
    a = in->flags;
    a[in->n_flags].name = dupn(tok, nl);
    a[in->n_flags].value = eq != NULL ? dupn(eq + 1, n - nl - 1) : NULL;
    if (a[in->n_flags].name == NULL || (eq != NULL && a[in->n_flags].value == NULL)) {
        free(a[in->n_flags].name);
        free(a[in->n_flags].value);
        return nomem(ps);
    }
    in->n_flags++;
    return 0;
}

/* Handle ARG/ENV declarations: update the variable tables. */
static int declare(struct parser *ps, struct moat_df_instr *in)
{
    bool is_env = strcmp(in->cmd, "ENV") == 0;
    struct vars *v = in->stage < 0 ? &ps->global : &ps->stage;
    int rc = 0;

    if (is_env && in->argc >= 2 && strchr(in->argv[0], '=') == NULL) {
        /* legacy "ENV name value with spaces" */
        const char *val = in->args + strlen(in->argv[0]);
        char *e;

        while (*val != '\0' && is_ws(*val))
            val++;
        e = expand(v, ps->escape, val, strlen(val), NULL);
        if (e == NULL || vars_set(v, in->argv[0], e) < 0)
            rc = nomem(ps);
        free(e);
        return rc;
    }
    for (size_t i = 0; i < in->argc && rc == 0; i++) {
        const char *w = in->argv[i], *eq = strchr(w, '=');
        char *name, *val = NULL;

        name = eq != NULL ? dupn(w, (size_t)(eq - w)) : strdup(w);
        if (name == NULL)
            return nomem(ps);
        if (eq != NULL)
            val = expand(v, ps->escape, eq + 1, strlen(eq + 1), NULL);
        else if (!is_env && in->stage >= 0) {
            ssize_t g = vars_find(&ps->global, name, strlen(name));

            if (g >= 0 && ps->global.vals[g] != NULL)
                val = strdup(ps->global.vals[g]);
        }
        if ((eq != NULL && val == NULL) || vars_set(v, name, val) < 0)
            rc = nomem(ps);
        free(name);
        free(val);
    }
    return rc;
}

static int add_stage(struct parser *ps, struct moat_df_instr *in)
{
    struct moat_dockerfile *df = ps->df;
    struct moat_df_stage *st;

    if (df->n_stages == df->cap_stages) {
        size_t cap = df->cap_stages ? df->cap_stages * 2 : 4;
        struct moat_df_stage *a = realloc(df->stages, cap * sizeof(*a));

        if (a == NULL)
            return nomem(ps);
        df->stages = a;
        df->cap_stages = cap;
    }
    st = &df->stages[df->n_stages];
    memset(st, 0, sizeof(*st));
    st->line = in->line;
    st->instr = df->n;
    if (in->argc >= 1) {
        st->image =
            expand(&ps->global, ps->escape, in->argv[0], strlen(in->argv[0]), &st->unresolved);
        if (st->image == NULL)
            return nomem(ps);
    } else if ((st->image = strdup("")) == NULL)
        return nomem(ps);
    if (in->argc >= 3 && strcasecmp(in->argv[in->argc - 2], "as") == 0) {
        if ((st->name = strdup(in->argv[in->argc - 1])) == NULL) {
            free(st->image);
            return nomem(ps);
        }
        for (char *p = st->name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    df->n_stages++;
    in->stage = (int)df->n_stages - 1;
    vars_free(&ps->stage);
    if ((in->expanded = strdup(st->image)) == NULL)
        return nomem(ps);
    in->unresolved = st->unresolved;
    return 0;
}

/* Edit distance of a and b (case-insensitive), capped at 3: enough to suggest a keyword. */
static size_t distance(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b), row[16], prev, cur;

    if (an >= sizeof(row) || bn >= sizeof(row) || (an > bn ? an - bn : bn - an) > 2)
        return 3;
    for (size_t j = 0; j <= bn; j++)
        row[j] = j;
    for (size_t i = 1; i <= an; i++) {
        prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= bn; j++) {
            size_t sub = prev + (toupper((unsigned char)a[i - 1]) != b[j - 1]);

            cur = row[j];
            row[j] = sub < row[j] + 1 ? (sub < row[j - 1] + 1 ? sub : row[j - 1] + 1)
                                      : (row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1);
            prev = cur;
        }
    }
    return row[bn] < 3 ? row[bn] : 3;
}

/* BuildKit refuses an unknown instruction ("unknown instruction: FROOM"); so does moat. */
static int unknown_instruction(struct parser *ps, const char *kw, size_t kwn, uint32_t line)
{
    const char *best = NULL;
    size_t best_d = 3;

    for (size_t i = 0; i < kwn; i++)
        if (kw[i] < 0x21 || kw[i] > 0x7e) /* not text to put in a message */
            return moat_err_set(ps->err, MOAT_E_FORMAT, "%s:%u: unknown instruction", ps->name,
                                line);
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
        size_t d = distance(kw, kwn, keywords[i]);

        if (d < best_d) {
            best_d = d;
            best = keywords[i];
        }
    }
    if (best != NULL && kwn >= 3)
        return moat_err_set(ps->err, MOAT_E_FORMAT,
                            "%s:%u: unknown instruction: %.*s (did you mean %s?)", ps->name, line,
                            (int)kwn, kw, best);
    return moat_err_set(ps->err, MOAT_E_FORMAT, "%s:%u: unknown instruction: %.*s", ps->name, line,
                        (int)kwn, kw);
}

/* Build one instruction from its logical text (keyword first). */
static int instruction(struct parser *ps, const char *text, size_t n, const char *heredoc,
                       uint32_t line, uint32_t end_line)
{
    struct moat_dockerfile *df = ps->df;
    struct moat_df_instr in = {0};
    const char *s = text, *end = text + n, *kw;
    size_t kwn;
    int rc = 0;

    skip_ws(&s, end);
    kw = s;
    while (s < end && !is_ws(*s))
        s++;
    kwn = (size_t)(s - kw);
    if (kwn > 64)
        kwn = 64;
    in.line = line;
    in.end_line = end_line;
    in.stage = df->n_stages > 0 ? (int)df->n_stages - 1 : -1;
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (strlen(keywords[i]) == kwn && strncasecmp(kw, keywords[i], kwn) == 0) {
            in.cmd = strdup(keywords[i]);
            break;
        }
    if (in.cmd == NULL) {
        rc = unknown_instruction(ps, kw, kwn, line);
        goto out;
    }
    if (in.cmd == NULL) {
        rc = nomem(ps);
        goto out;
    }
    skip_ws(&s, end);
    if (takes_flags(in.cmd)) {
        while (end - s > 2 && s[0] == '-' && s[1] == '-' && isalpha((unsigned char)s[2])) {
            const char *t = s + 2;

            while (s < end && !is_ws(*s))
                s++;
            if ((rc = add_flag(ps, &in, t, (size_t)(s - t))) < 0)
                goto out;
            skip_ws(&s, end);
        }
    }
    while (end > s && is_ws(end[-1]))
        end--;
    if ((in.args = dupn(s, (size_t)(end - s))) == NULL) {
        rc = nomem(ps);
        goto out;
    }
    if (heredoc != NULL && (in.heredoc = strdup(heredoc)) == NULL) {
        rc = nomem(ps);
        goto out;
    }
    if (takes_json(in.cmd) && in.args[0] == '[' && (rc = parse_json_form(ps, &in)) < 0)
        goto out;
    if (!in.json && split_words(in.args, ps->escape, &in.argv, &in.argc) < 0) {
        rc = nomem(ps);
        goto out;
    }
    in.ignores = ps->pending.v;
    in.n_ignores = ps->pending.n;
    ps->pending = (struct moat_strv)MOAT_STRV_INIT;
    if (strcmp(in.cmd, "FROM") == 0) {
        if (df->n == df->cap) { /* make room first so the stage's instr index stays valid */
            size_t cap = df->cap ? df->cap * 2 : 32;
            struct moat_df_instr *a = realloc(df->v, cap * sizeof(*a));

            if (a == NULL) {
                rc = nomem(ps);
                goto out;
            }
            df->v = a;
            df->cap = cap;
        }
        if ((rc = add_stage(ps, &in)) < 0)
            goto out;
    } else if (strcmp(in.cmd, "ARG") == 0 || strcmp(in.cmd, "ENV") == 0) {
        if ((rc = declare(ps, &in)) < 0)
            goto out;
    } else if (strcmp(in.cmd, "WORKDIR") == 0 || strcmp(in.cmd, "USER") == 0) {
        in.expanded = expand(&ps->stage, ps->escape, in.args, strlen(in.args), &in.unresolved);
        if (in.expanded == NULL) {
            rc = nomem(ps);
            goto out;
        }
    }
    if (df->n == df->cap) {
        size_t cap = df->cap ? df->cap * 2 : 32;
        struct moat_df_instr *a = realloc(df->v, cap * sizeof(*a));

        if (a == NULL) {
            rc = nomem(ps);
            goto out;
        }
        df->v = a;
        df->cap = cap;
    }
    df->v[df->n++] = in;
    memset(&in, 0, sizeof(in));
out:
    instr_free(&in);
    return rc;
}

/* Parser directives at the top: "# escape=`", "# syntax=...". */
static int directives(struct parser *ps)
{
    for (;;) {
        size_t save = ps->pos, n, kn;
        uint32_t save_line = ps->lineno;
        const char *line, *s, *end, *k;
        int rc;

        if (!next_line(ps, &line, &n, &rc))
            return rc;
        s = line;
        end = line + n;
        skip_ws(&s, end);
        if (s < end && *s == '#') {
            s++;
            skip_ws(&s, end);
            k = s;
            while (s < end && isalpha((unsigned char)*s))
                s++;
            kn = (size_t)(s - k);
            skip_ws(&s, end);
            if (kn > 0 && s < end && *s == '=') {
                s++;
                skip_ws(&s, end);
                while (end > s && is_ws(end[-1]))
                    end--;
                if (kn == 6 && strncasecmp(k, "escape", 6) == 0) {
                    if (end - s != 1 || (*s != '\\' && *s != '`'))
                        return moat_err_set(ps->err, MOAT_E_FORMAT,
                                            "%s:%u: invalid escape directive (want \\ or `)",
                                            ps->name, ps->lineno);
                    ps->escape = *s;
                    continue;
                }
                if (kn == 6 && strncasecmp(k, "syntax", 6) == 0) {
                    free(ps->df->syntax);
                    if ((ps->df->syntax = dupn(s, (size_t)(end - s))) == NULL)
                        return nomem(ps);
                    continue;
                }
                if (kn == 5 && strncasecmp(k, "check", 5) == 0)
                    continue;
            }
        }
        ps->pos = save; /* not a directive: the body starts here */
        ps->lineno = save_line;
        return 0;
    }
}

static int body(struct parser *ps)
{
    struct moat_buf logical = MOAT_BUF_INIT, hd = MOAT_BUF_INIT;
    const char *line;
    size_t n;
    int rc = 0;

    logical.max = MOAT_DF_MAX_LOGICAL;
    hd.max = MOAT_DF_MAX_HEREDOC;
    while (next_line(ps, &line, &n, &rc)) {
        uint32_t start = ps->lineno;
        size_t cut;
        bool more;
        struct heredoc h[MAX_HEREDOCS];
        size_t nh = 0;

        if (is_blank(line, n)) {
            moat_strv_free(&ps->pending);
            continue;
        }
        if (is_comment(line, n)) {
            const char *s = line;

            skip_ws(&s, line + n);
            if ((rc = pragma(ps, s, line + n)) < 0)
                goto out;
            continue;
        }
        logical.len = 0;
        hd.len = 0;
        for (;;) {
            more = continues(line, n, ps->escape, &cut);
            if (moat_buf_append(&logical, line, more ? cut : n) < 0) {
                rc = logical.len + n > logical.max
                         ? moat_err_set(ps->err, MOAT_E_LIMIT,
                                        "%s:%u: instruction longer than %u bytes", ps->name, start,
                                        MOAT_DF_MAX_LOGICAL)
                         : nomem(ps);
                goto out;
            }
            if (!more)
                break;
            /* skip comment and empty lines inside the continuation */
            do {
                if (!next_line(ps, &line, &n, &rc)) {
                    if (rc < 0)
                        goto out;
                    line = NULL;
                    break;
                }
            } while (is_comment(line, n) || is_blank(line, n));
            if (line == NULL)
                break;
        }
        if (moat_buf_append(&logical, "", 0) < 0) {
            rc = nomem(ps);
            goto out;
        }
        {
            const char *s = logical.data, *e = logical.data + logical.len;
            const char *k;

            skip_ws(&s, e);
            k = s;
            while (s < e && !is_ws(*s))
                s++;
            if ((s - k == 3 && (strncasecmp(k, "RUN", 3) == 0 || strncasecmp(k, "ADD", 3) == 0)) ||
                (s - k == 4 && strncasecmp(k, "COPY", 4) == 0))
                nh = find_heredocs(s, h, MAX_HEREDOCS);
        }
        if (nh > 0) {
            if ((rc = read_heredocs(ps, h, nh, &hd, start)) < 0)
                goto out;
            if (moat_buf_append(&hd, "", 0) < 0) {
                rc = nomem(ps);
                goto out;
            }
        }
        if (ps->df->n >= MOAT_DF_MAX_INSTRS) {
            rc = moat_err_set(ps->err, MOAT_E_LIMIT, "%s:%u: more than %u instructions", ps->name,
                              start, MOAT_DF_MAX_INSTRS);
            goto out;
        }
        if ((rc = instruction(ps, logical.data, logical.len, nh > 0 ? hd.data : NULL, start,
                              ps->lineno)) < 0)
            goto out;
    }
out:
    moat_buf_free(&logical);
    moat_buf_free(&hd);
    return rc;
}

int moat_dockerfile_parse(const char *name, const char *data, size_t len,
                          struct moat_dockerfile *df, struct moat_err *err)
{
    struct parser ps = {0};
    int rc;

    memset(df, 0, sizeof(*df));
    ps.name = name != NULL ? name : "Dockerfile";
    ps.err = err;
    ps.df = df;
    ps.escape = '\\';
    if (len > MOAT_DF_MAX_BYTES) {
        rc = moat_err_set(err, MOAT_E_LIMIT, "%s:1: file larger than %u bytes", ps.name,
                          MOAT_DF_MAX_BYTES);
        goto out;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    ps.data = data;
    ps.len = len;
    if ((rc = directives(&ps)) < 0)
        goto out;
    df->escape = ps.escape;
    rc = body(&ps);
    if (rc == 0 && df->n == 0) /* BuildKit: "the Dockerfile cannot be empty" */
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: the Dockerfile has no instructions", ps.name);
out:
    vars_free(&ps.global);
    vars_free(&ps.stage);
    moat_strv_free(&ps.pending);
    if (rc < 0)
        moat_dockerfile_free(df);
    return rc;
}

int moat_dockerfile_load(const char *path, struct moat_dockerfile *df, struct moat_err *err)
{
    struct moat_buf b = MOAT_BUF_INIT;
    char chunk[65536], *data = NULL;
    size_t got, len = 0;
    int rc = 0;

    memset(df, 0, sizeof(*df));
    if (strcmp(path, "-") != 0) {
        struct stat st;
        char *inside = NULL;

        /* a build context directory: its Dockerfile, as `docker build DIR` reads it */
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (asprintf(&inside, "%s%sDockerfile", path,
                         path[strlen(path) - 1] == '/' ? "" : "/") < 0)
                return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
            if (stat(inside, &st) != 0 && errno == ENOENT) {
                free(inside);
                return moat_err_set(err, MOAT_E_NOTFOUND, "%s: no Dockerfile in this directory",
                                    path);
            }
            path = inside;
        }
        /* a regular file only: a FIFO or device is refused with its own reason */
        if ((rc = moat_file_read(path, MOAT_DF_MAX_BYTES, &data, &len, err)) == 0)
            rc = moat_dockerfile_parse(path, data, len, df, err);
        free(data);
        free(inside);
        return rc;
    }
    b.max = MOAT_DF_MAX_BYTES;
    while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        if (moat_buf_append(&b, chunk, got) < 0) {
            rc = b.len + got > b.max
                     ? moat_err_set(err, MOAT_E_LIMIT, "<stdin>:1: file larger than %u bytes",
                                    MOAT_DF_MAX_BYTES)
                     : moat_err_set(err, MOAT_E_NOMEM, "<stdin>: out of memory");
            goto out;
        }
    if (ferror(stdin)) {
        rc = moat_err_set(err, MOAT_E_IO, "<stdin>: read error: %s", strerror(errno));
        goto out;
    }
    rc = moat_dockerfile_parse("<stdin>", b.data != NULL ? b.data : "", b.len, df, err);
out:
    moat_buf_free(&b);
    return rc;
}
