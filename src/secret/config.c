/*
 * config.c - the YAML secret config. libyaml's event parser builds a small
 * bounded tree (node count, depth, scalar sizes; aliases refused, so no
 * "billion laughs"), then a schema walk turns it into the config and checks
 * each regex with hs_expression_info() so errors name the line and rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hs.h>
#include <yaml.h>

#include "moat/secret/config.h"
#include "moat/secret/secret.h"
#include "moat/base/file.h"

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
    enum ytype type;
    uint32_t line;
    char *str; /* scalar: NUL-terminated, len bytes, no NUL inside */
    size_t len;
    int plain_null;      /* an unquoted empty/~/null scalar */
    struct ynode **kids; /* map: key, value, key, value... */
    size_t n, cap;
};

struct yparse {
    yaml_parser_t p;
    const char *name;
    size_t nodes;
    struct moat_err *err;
};

static void ynode_free(struct ynode *y)
{
    if (!y)
        return;
    for (size_t i = 0; i < y->n; i++)
        ynode_free(y->kids[i]);
    free(y->kids);
    free(y->str);
    free(y);
}

static int yerr(struct yparse *yp, uint32_t line, const char *what)
{
    return moat_err_set(yp->err, MOAT_E_FORMAT, "%s: line %u: %s", yp->name, line, what);
}

static int next_event(struct yparse *yp, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&yp->p, ev)) {
        uint32_t line = (uint32_t)yp->p.problem_mark.line + 1;
        return moat_err_set(yp->err, MOAT_E_FORMAT, "%s: line %u: %s", yp->name, line,
                            yp->p.problem ? yp->p.problem : "YAML syntax error");
    }
    return 0;
}

static int add_kid(struct yparse *yp, struct ynode *parent, struct ynode *kid)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        struct ynode **k = realloc(parent->kids, cap * sizeof *k);
        if (!k) {
            ynode_free(kid);
            return moat_err_set(yp->err, MOAT_E_NOMEM, "%s", yp->name);
        }
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->n++] = kid;
    return 0;
}

/* Build the node that begins with ev (consumed); *out NULL on error. */
static int build(struct yparse *yp, yaml_event_t *ev, unsigned depth, struct ynode **out)
{
    struct ynode *y = NULL;
    uint32_t line = (uint32_t)ev->start_mark.line + 1;
    int rc = 0;

    *out = NULL;
    if (++yp->nodes > MOAT_SECRET_CFG_MAX_NODES) {
        rc = yerr(yp, line, "too many YAML nodes");
        goto out;
    }
    if (depth > MOAT_SECRET_CFG_MAX_DEPTH) {
        rc = yerr(yp, line, "YAML nested too deeply");
        goto out;
    }
    if (ev->type == YAML_ALIAS_EVENT) {
        rc = yerr(yp, line, "YAML aliases are not supported");
        goto out;
    }
    y = calloc(1, sizeof *y);
    if (!y) {
        rc = moat_err_set(yp->err, MOAT_E_NOMEM, "%s", yp->name);
        goto out;
    }
    y->line = line;
    if (ev->type == YAML_SCALAR_EVENT) {
        size_t n = ev->data.scalar.length;
        y->type = Y_SCALAR;
        if (n > MOAT_SECRET_CFG_MAX_STRING) {
            rc = yerr(yp, line, "value longer than 4096 bytes");
            goto out;
        }
        if (memchr(ev->data.scalar.value, 0, n)) {
            rc = yerr(yp, line, "NUL byte in a value");
            goto out;
        }
        if (!(y->str = malloc(n + 1))) {
            rc = moat_err_set(yp->err, MOAT_E_NOMEM, "%s", yp->name);
            goto out;
        }
        memcpy(y->str, ev->data.scalar.value, n);
        y->str[n] = 0;
        y->len = n;
        y->plain_null = ev->data.scalar.plain_implicit &&
                        (n == 0 || strcmp(y->str, "~") == 0 || strcasecmp(y->str, "null") == 0);
        goto out;
    }
    if (ev->type != YAML_SEQUENCE_START_EVENT && ev->type != YAML_MAPPING_START_EVENT) {
        rc = yerr(yp, line, "unexpected YAML event");
        goto out;
    }
    y->type = ev->type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP;
    for (;;) {
        yaml_event_t kev;
        struct ynode *kid = NULL;

        if ((rc = next_event(yp, &kev)) < 0)
            goto out;
        if (kev.type == YAML_SEQUENCE_END_EVENT || kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        rc = build(yp, &kev, depth + 1, &kid);
        if (rc < 0 || (rc = add_kid(yp, y, kid)) < 0)
            goto out;
    }
out:
    yaml_event_delete(ev);
    if (rc < 0) {
        ynode_free(y);
        return rc;
    }
    *out = y;
    return 0;
}

/* The document root, or NULL for an empty stream or document. */
static int parse_tree(struct yparse *yp, struct ynode **root)
{
    yaml_event_t ev;
    int rc;

    *root = NULL;
    for (;;) {
        if ((rc = next_event(yp, &ev)) < 0)
            return rc;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        if (t == YAML_DOCUMENT_START_EVENT && *root) {
            uint32_t line = (uint32_t)ev.start_mark.line + 1;
            yaml_event_delete(&ev);
            return yerr(yp, line, "more than one YAML document");
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
            t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if ((rc = build(yp, &ev, 0, root)) < 0)
            return rc;
    }
}

/* ---- schema ---- */

struct walk {
    const char *name;
    struct moat_err *err;
};

static int werr(struct walk *w, const struct ynode *y, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "name: line N: [rule 'ID': ]problem" */
static int werr(struct walk *w, const struct ynode *y, const char *rule, const char *fmt, ...)
{
    va_list ap;

    if (!w->err)
        return -MOAT_E_FORMAT;
    va_start(ap, fmt);
    moat_err_vset(w->err, MOAT_E_FORMAT, fmt, ap);
    va_end(ap);
    if (rule)
        return moat_err_prefix(w->err, "%s: line %u: rule '%s'", w->name, y->line, rule);
    return moat_err_prefix(w->err, "%s: line %u", w->name, y->line);
}

static int is_null(const struct ynode *y)
{
    return y->type == Y_SCALAR && y->plain_null;
}

static int get_str(struct walk *w, const struct ynode *y, const char *key, const char *rule,
                   char **out)
{
    if (y->type != Y_SCALAR || is_null(y))
        return werr(w, y, rule, "'%s' must be a non-empty string", key);
    free(*out);
    if (!(*out = strdup(y->str)))
        return moat_err_set(w->err, MOAT_E_NOMEM, "%s", w->name);
    return 0;
}

/* A scalar or a list of scalars (older Trivy versions take "path" as a list). */
static int get_list(struct walk *w, const struct ynode *y, const char *key, const char *rule,
                    int scalar_ok, struct moat_secret_strlist *l)
{
    const struct ynode *const *items = &y;
    size_t n = 1;

    if (is_null(y))
        return 0;
    if (y->type == Y_SEQ) {
        items = (const struct ynode *const *)y->kids;
        n = y->n;
    } else if (y->type != Y_SCALAR || !scalar_ok) {
        return werr(w, y, rule, "'%s' must be a list of strings", key);
    }
    if (l->n + n > MOAT_SECRET_CFG_MAX_LIST)
        return werr(w, y, rule, "'%s' has more than 1024 items", key);
    char **v = realloc(l->v, (l->n + n) * sizeof *v);
    if (v)
        l->v = v;
    uint32_t *ln = v ? realloc(l->line, (l->n + n) * sizeof *ln) : NULL;
    if (!v || !ln)
        return moat_err_set(w->err, MOAT_E_NOMEM, "%s", w->name);
    l->line = ln;
    for (size_t i = 0; i < n; i++) {
        if (items[i]->type != Y_SCALAR || is_null(items[i]))
            return werr(w, items[i], rule, "'%s' must be a list of strings", key);
        if (!(l->v[l->n] = strdup(items[i]->str)))
            return moat_err_set(w->err, MOAT_E_NOMEM, "%s", w->name);
        l->line[l->n++] = items[i]->line;
    }
    return 0;
}

static void strlist_free(struct moat_secret_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    free(l->line);
    memset(l, 0, sizeof *l);
}

int moat_secret_strlist_has(const struct moat_secret_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

static int check_id(struct walk *w, const struct ynode *y, const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > MOAT_SECRET_CFG_MAX_ID)
        return werr(w, y, NULL, "id '%s' must be 1 to 128 characters", id);
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-", id[i]))
            return werr(w, y, NULL, "id '%s' may hold only letters, digits and . _ : -", id);
    return 0;
}

/*
 * Check a regex with Hyperscan's parser. A content regex (rule) must match
 * at least one and at most MOAT_SECRET_MAX_MATCH bytes, so the streaming
 * scan can hold and validate every match; path and allow regexes run in
 * block mode on short strings and may be unbounded.
 */
static int check_regex(struct walk *w, const struct ynode *y, const char *rule, const char *key,
                       const char *re, int content)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    int rc = 0;

    if (strlen(re) > MOAT_SECRET_CFG_MAX_PATTERN)
        return werr(w, y, rule, "'%s' is longer than 1024 bytes", key);
    if (hs_expression_info(re, content ? 0 : HS_FLAG_ALLOWEMPTY, &info, &cerr) != HS_SUCCESS) {
        rc = werr(w, y, rule, "'%s': %s", key, cerr ? cerr->message : "invalid regex");
        goto out;
    }
    if (!content)
        goto out;
    if (info->min_width == 0) {
        rc = werr(w, y, rule, "'%s' can match the empty string", key);
    } else if (info->max_width == UINT_MAX) {
        rc = werr(w, y, rule, "'%s' is unbounded (+, * or {n,}); use bounded repeats like {1,64}",
                  key);
    } else if (info->max_width > MOAT_SECRET_MAX_MATCH) {
        rc = werr(w, y, rule, "'%s' can match %u bytes, more than the 1024 allowed", key,
                  info->max_width);
    }
out:
    if (cerr)
        hs_free_compile_error(cerr);
    free(info);
    return rc;
}

static const struct ynode *need_map(struct walk *w, const struct ynode *y, const char *what,
                                    int *rc)
{
    if (y->type != Y_MAP) {
        *rc = werr(w, y, NULL, "%s must be a mapping", what);
        return NULL;
    }
    return y;
}

static void allow_free(struct moat_secret_allow_rule *a)
{
    free(a->id);
    free(a->description);
    free(a->regex);
    strlist_free(&a->paths);
}

static int parse_allow(struct walk *w, const struct ynode *y, const char *rule,
                       struct moat_secret_allow_rule *a)
{
    int rc = 0;

    if (!need_map(w, y, "an allow rule", &rc))
        return rc;
    a->line = y->line;
    for (size_t i = 0; i + 1 < y->n && rc == 0; i += 2) {
        const struct ynode *k = y->kids[i], *v = y->kids[i + 1];
        const char *key = k->type == Y_SCALAR ? k->str : "";
        if (strcmp(key, "id") == 0)
            rc = get_str(w, v, key, rule, &a->id);
        else if (strcmp(key, "description") == 0)
            rc = is_null(v) ? 0 : get_str(w, v, key, rule, &a->description);
        else if (strcmp(key, "regex") == 0)
            rc = get_str(w, v, key, rule, &a->regex);
        else if (strcmp(key, "path") == 0)
            rc = get_list(w, v, key, rule, 1, &a->paths);
        else
            rc = werr(w, k, rule, "unknown key '%s' in an allow rule", key);
    }
    if (rc < 0)
        return rc;
    if (!a->id)
        return werr(w, y, rule, "an allow rule needs an 'id'");
    if ((rc = check_id(w, y, a->id)) < 0)
        return rc;
    if (!a->regex && a->paths.n == 0)
        return werr(w, y, rule, "allow rule '%s' needs a 'regex' or a 'path'", a->id);
    if (a->regex && (rc = check_regex(w, y, rule ? rule : a->id, "regex", a->regex, 0)) < 0)
        return rc;
    for (size_t i = 0; i < a->paths.n; i++)
        if ((rc = check_regex(w, y, rule ? rule : a->id, "path", a->paths.v[i], 0)) < 0)
            return rc;
    return 0;
}

static int parse_allows(struct walk *w, const struct ynode *y, const char *rule,
                        struct moat_secret_allow_rule **out, size_t *n)
{
    int rc = 0;

    if (is_null(y))
        return 0;
    if (y->type != Y_SEQ)
        return werr(w, y, rule, "'allow-rules' must be a list");
    if (y->n > MOAT_SECRET_CFG_MAX_ALLOW)
        return werr(w, y, rule, "more than 512 allow rules");
    if (y->n == 0)
        return 0;
    if (!(*out = calloc(y->n, sizeof **out)))
        return moat_err_set(w->err, MOAT_E_NOMEM, "%s", w->name);
    for (size_t i = 0; i < y->n && rc == 0; i++) {
        rc = parse_allow(w, y->kids[i], rule, &(*out)[i]);
        *n = i + 1;
    }
    return rc;
}

static int parse_severity(struct walk *w, const struct ynode *v, const char *rule,
                          enum moat_severity *sev)
{
    static const char *const names[] = {"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

    if (v->type == Y_SCALAR)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcasecmp(v->str, names[i]) == 0) {
                *sev = (enum moat_severity)i;
                return 0;
            }
    return werr(w, v, rule, "'severity' must be CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN");
}

static void rule_free(struct moat_secret_user_rule *r)
{
    free(r->id);
    free(r->category);
    free(r->title);
    free(r->regex);
    strlist_free(&r->keywords);
    strlist_free(&r->paths);
    for (size_t i = 0; i < r->n_allow; i++)
        allow_free(&r->allow[i]);
    free(r->allow);
}

static int parse_rule(struct walk *w, const struct ynode *y, struct moat_secret_user_rule *r)
{
    int rc = 0, have_sev = 0;
    const struct ynode *allow = NULL;

    if (!need_map(w, y, "a rule", &rc))
        return rc;
    r->line = y->line;
    /* the id first, so later messages can name the rule */
    for (size_t i = 0; i + 1 < y->n && rc == 0; i += 2)
        if (y->kids[i]->type == Y_SCALAR && strcmp(y->kids[i]->str, "id") == 0)
            rc = get_str(w, y->kids[i + 1], "id", NULL, &r->id);
    if (rc < 0)
        return rc;
    if (!r->id)
        return werr(w, y, NULL, "a rule needs an 'id'");
    if ((rc = check_id(w, y, r->id)) < 0)
        return rc;
    for (size_t i = 0; i + 1 < y->n && rc == 0; i += 2) {
        const struct ynode *k = y->kids[i], *v = y->kids[i + 1];
        const char *key = k->type == Y_SCALAR ? k->str : "";
        if (strcmp(key, "id") == 0)
            continue;
        if (strcmp(key, "category") == 0)
            rc = is_null(v) ? 0 : get_str(w, v, key, r->id, &r->category);
        else if (strcmp(key, "title") == 0)
            rc = get_str(w, v, key, r->id, &r->title);
        else if (strcmp(key, "severity") == 0)
            rc = parse_severity(w, v, r->id, &r->severity), have_sev = 1;
        else if (strcmp(key, "regex") == 0)
            rc = get_str(w, v, key, r->id, &r->regex);
        else if (strcmp(key, "keywords") == 0)
            rc = get_list(w, v, key, r->id, 0, &r->keywords);
        else if (strcmp(key, "path") == 0)
            rc = get_list(w, v, key, r->id, 1, &r->paths);
        else if (strcmp(key, "allow-rules") == 0)
            allow = v;
        else if (strcmp(key, "secret-group-name") == 0)
            rc = v->type == Y_SCALAR ? 0 : werr(w, v, r->id, "'%s' must be a string", key);
        else if (strcmp(key, "exclude-block") == 0)
            rc = werr(w, k, r->id, "'exclude-block' is not supported; use allow-rules");
        else
            rc = werr(w, k, r->id, "unknown key '%s'", key);
    }
    if (rc < 0)
        return rc;
    if (!r->regex)
        return werr(w, y, r->id, "a rule needs a 'regex'");
    if (!have_sev)
        return werr(w, y, r->id, "a rule needs a 'severity'");
    if (!r->title && !(r->title = strdup(r->id)))
        return moat_err_set(w->err, MOAT_E_NOMEM, "%s", w->name);
    if ((rc = check_regex(w, y, r->id, "regex", r->regex, 1)) < 0)
        return rc;
    for (size_t i = 0; i < r->paths.n; i++)
        if ((rc = check_regex(w, y, r->id, "path", r->paths.v[i], 0)) < 0)
            return rc;
    return allow ? parse_allows(w, allow, r->id, &r->allow, &r->n_allow) : 0;
}

static int parse_rules(struct walk *w, const struct ynode *y, struct moat_secret_config *c)
{
    const struct moat_secret_rule *builtin;
    size_t nb = moat_secret_builtin_rules(&builtin);
    int rc = 0;

    if (is_null(y))
        return 0;
    if (y->type != Y_SEQ)
        return werr(w, y, NULL, "'rules' must be a list");
    if (y->n > MOAT_SECRET_CFG_MAX_RULES)
        return werr(w, y, NULL, "more than 512 rules");
    if (y->n == 0)
        return 0;
    if (!(c->rules = calloc(y->n, sizeof *c->rules)))
        return moat_err_set(w->err, MOAT_E_NOMEM, "%s", w->name);
    for (size_t i = 0; i < y->n; i++) {
        struct moat_secret_user_rule *r = &c->rules[i];
        c->n_rules = i + 1;
        if ((rc = parse_rule(w, y->kids[i], r)) < 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->rules[j].id, r->id) == 0)
                return werr(w, y->kids[i], NULL, "duplicate rule id '%s'", r->id);
        for (size_t j = 0; j < nb; j++)
            if (strcmp(builtin[j].id, r->id) == 0)
                return werr(w, y->kids[i], NULL, "rule id '%s' is a built-in rule; pick another id",
                            r->id);
    }
    return 0;
}

static int walk_root(struct walk *w, const struct ynode *root, struct moat_secret_config *c)
{
    int rc = 0;

    if (!root || is_null(root))
        return 0;
    if (!need_map(w, root, "the document", &rc))
        return rc;
    for (size_t i = 0; i + 1 < root->n && rc == 0; i += 2) {
        const struct ynode *k = root->kids[i], *v = root->kids[i + 1];
        const char *key = k->type == Y_SCALAR ? k->str : "";
        for (size_t j = 0; j < i; j += 2)
            if (root->kids[j]->type == Y_SCALAR && strcmp(root->kids[j]->str, key) == 0)
                return werr(w, k, NULL, "duplicate key '%s'", key);
        if (strcmp(key, "rules") == 0)
            rc = parse_rules(w, v, c);
        else if (strcmp(key, "allow-rules") == 0)
            rc = parse_allows(w, v, NULL, &c->allow, &c->n_allow);
        else if (strcmp(key, "disable-rules") == 0)
            rc = get_list(w, v, key, NULL, 0, &c->disable);
        else if (strcmp(key, "disable-allow-rules") == 0)
            rc = get_list(w, v, key, NULL, 0, &c->disable_allow);
        else if (strcmp(key, "enable-builtin-rules") == 0) {
            c->has_enable_builtin = 1;
            rc = get_list(w, v, key, NULL, 0, &c->enable_builtin);
        } else
            rc = werr(w, k, NULL, "unknown key '%s'", key);
    }
    return rc;
}

int moat_secret_config_parse(const char *name, const void *data, size_t len,
                             struct moat_secret_config **out, struct moat_err *err)
{
    struct yparse yp = {.name = name, .err = err};
    struct walk w = {name, err};
    struct moat_secret_config *c = NULL;
    struct ynode *root = NULL;
    int rc;

    *out = NULL;
    if (len > MOAT_SECRET_CFG_MAX_BYTES)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: larger than 1 MiB", name);
    if (!yaml_parser_initialize(&yp.p))
        return moat_err_set(err, MOAT_E_NOMEM, "%s", name);
    yaml_parser_set_input_string(&yp.p, data, len);
    rc = parse_tree(&yp, &root);
    yaml_parser_delete(&yp.p);
    if (rc < 0)
        goto out;
    if (!(c = calloc(1, sizeof *c)) || !(c->name = strdup(name))) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s", name);
        goto out;
    }
    if ((rc = walk_root(&w, root, c)) < 0)
        goto out;
    *out = c;
    c = NULL;
out:
    ynode_free(root);
    moat_secret_config_free(c);
    return rc;
}

int moat_secret_config_load(const char *path, struct moat_secret_config **out, struct moat_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    rc = moat_file_read(path, MOAT_SECRET_CFG_MAX_BYTES, &buf, &len, err);
    if (rc < 0)
        return rc;
    rc = moat_secret_config_parse(path, buf, len, out, err);
    free(buf);
    return rc;
}

void moat_secret_config_free(struct moat_secret_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_rules; i++)
        rule_free(&c->rules[i]);
    free(c->rules);
    for (size_t i = 0; i < c->n_allow; i++)
        allow_free(&c->allow[i]);
    free(c->allow);
    strlist_free(&c->disable);
    strlist_free(&c->disable_allow);
    strlist_free(&c->enable_builtin);
    free(c->name);
    free(c);
}
