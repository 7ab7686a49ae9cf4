/*
 * admit_policy.c - admit.yaml: strict, bounded parsing with libyaml's
 * document loader. Every problem is one line naming the file and the line;
 * unknown keys are errors so that a typo never silently weakens a policy.
 */
#include "moat/policy/admit.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "moat/base/file.h"

struct ctx {
    const char *where;
    yaml_document_t *doc;
    struct moat_admit_policy *p;
    struct moat_err *err;
};

static int line_of(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static int fail(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    moat_err_set(c->err, MOAT_E_FORMAT, "%s: line %d: %s", c->where, line_of(n), msg);
    free(msg);
    return -MOAT_E_FORMAT;
}

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain-style scalar (not quoted) for booleans and numbers. */
static const char *plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
               ? (const char *)n->data.scalar.value
               : NULL;
}

static int get_bool(struct ctx *c, const char *key, const yaml_node_t *n, bool *out)
{
    const char *s = plain(n);

    if (s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0))
        *out = true;
    else if (s != NULL &&
             (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0))
        *out = false;
    else
        return fail(c, n, "%s: expected true or false", key);
    return 0;
}

static int get_string(struct ctx *c, const char *key, const yaml_node_t *n, const char **out)
{
    const char *s = scalar(n);

    if (s == NULL || *s == '\0')
        return fail(c, n, "%s: expected a non-empty string", key);
    if (n->data.scalar.length > MOAT_ADMIT_MAX_NAME || strlen(s) != n->data.scalar.length)
        return fail(c, n, "%s: value too long or holds a NUL byte", key);
    *out = s;
    return 0;
}

/* A scalar or a sequence of scalars as a list of strings (at most MOAT_ADMIT_MAX_LIST). */
static int get_list(struct ctx *c, const char *key, const yaml_node_t *n, bool allow_scalar,
                    char ***out, size_t *n_out)
{
    const yaml_node_item_t *it;
    size_t count;
    const char *s = NULL;

    if (n->type == YAML_SCALAR_NODE && allow_scalar) {
        if (get_string(c, key, n, &s) < 0)
            return -MOAT_E_FORMAT;
        if ((*out = calloc(1, sizeof **out)) == NULL || ((*out)[0] = strdup(s)) == NULL)
            return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
        *n_out = 1;
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "%s: expected a list", key);
    count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > MOAT_ADMIT_MAX_LIST)
        return fail(c, n, "%s: more than %u entries", key, MOAT_ADMIT_MAX_LIST);
    *out = calloc(count + 1, sizeof **out);
    if (*out == NULL)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *e = yaml_document_get_node(c->doc, *it);

        if (e == NULL || get_string(c, key, e, &s) < 0)
            return e == NULL ? fail(c, n, "%s: broken list", key) : -MOAT_E_FORMAT;
        if (((*out)[*n_out] = strdup(s)) == NULL)
            return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
        (*n_out)++;
    }
    return 0;
}

/* "7d", "12h", "30m", "90s" or plain seconds -> seconds. */
static int get_duration(struct ctx *c, const char *key, const yaml_node_t *n, int64_t *out)
{
    const char *s = scalar(n);
    char *end;
    unsigned long long v;
    int64_t mul = 1;

    if (s == NULL || *s < '0' || *s > '9')
        return fail(c, n, "%s: expected a duration such as 7d, 12h, 30m or 3600s", key);
    errno = 0;
    v = strtoull(s, &end, 10);
    if (strcmp(end, "d") == 0)
        mul = 86400;
    else if (strcmp(end, "h") == 0)
        mul = 3600;
    else if (strcmp(end, "m") == 0)
        mul = 60;
    else if (strcmp(end, "s") != 0 && *end != '\0')
        return fail(c, n, "%s: expected a duration such as 7d, 12h, 30m or 3600s", key);
    if (errno != 0 || v == 0 || v > (unsigned long long)(INT64_MAX / 86400 / 1000))
        return fail(c, n, "%s: duration out of range", key);
    *out = (int64_t)v * mul;
    return 0;
}

static int get_count(struct ctx *c, const char *key, const yaml_node_t *n, int64_t *out)
{
    const char *s = plain(n);
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9')
        return fail(c, n, "%s: expected a whole number", key);
    errno = 0;
    v = strtoul(s, &end, 10);
    if (*end != '\0' || errno != 0 || v > 1000000000ul)
        return fail(c, n, "%s: expected a whole number up to 1000000000", key);
    *out = (int64_t)v;
    return 0;
}

/* Join a relative path onto the policy's directory. */
static int resolve(struct ctx *c, const yaml_node_t *n, const char *path, char **out)
{
    if (path[0] == '/')
        *out = strdup(path);
    else if (asprintf(out, "%s/%s", c->p->base_dir, path) < 0)
        *out = NULL;
    if (*out == NULL)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    (void)n;
    return 0;
}

/* Walk a mapping with duplicate-key detection; calls fn for each key. */
typedef int (*key_fn)(struct ctx *c, const char *key, const yaml_node_t *k, const yaml_node_t *v);

static int each_key(struct ctx *c, const yaml_node_t *map, const char *what, key_fn fn)
{
    const yaml_node_pair_t *pair, *q;

    if (map->type != YAML_MAPPING_NODE)
        return fail(c, map, "%s: expected a mapping of keys to values", what);
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);
        const yaml_node_t *v = yaml_document_get_node(c->doc, pair->value);
        const char *key;
        int rc;

        if (k == NULL || v == NULL || (key = scalar(k)) == NULL)
            return fail(c, map, "%s: keys must be plain strings", what);
        for (q = map->data.mapping.pairs.start; q < pair; q++) {
            const char *other = scalar(yaml_document_get_node(c->doc, q->key));

            if (other != NULL && strcmp(other, key) == 0)
                return fail(c, k, "duplicate key '%s'", key);
        }
        if ((rc = fn(c, key, k, v)) < 0)
            return rc;
    }
    return 0;
}

static int scan_key(struct ctx *c, const char *key, const yaml_node_t *k, const yaml_node_t *v)
{
    struct moat_admit_policy *p = c->p;
    const char *s = NULL;

    if (strcmp(key, "max_severity") == 0) {
        if (get_string(c, "scan.max_severity", v, &s) < 0)
            return -MOAT_E_FORMAT;
        if (strcasecmp(s, "CRITICAL") != 0 && strcasecmp(s, "HIGH") != 0 &&
            strcasecmp(s, "MEDIUM") != 0 && strcasecmp(s, "LOW") != 0 &&
            strcasecmp(s, "UNKNOWN") != 0)
            return fail(c, v,
                        "scan.max_severity: expected UNKNOWN, LOW, MEDIUM, HIGH or "
                        "CRITICAL, got '%.64s'",
                        s);
        moat_severity_parse(s, &p->max_severity);
        p->has_max_severity = true;
        return 0;
    }
    if (strcmp(key, "max_age") == 0)
        return get_duration(c, "scan.max_age", v, &p->max_age);
    if (strcmp(key, "secrets") == 0)
        return get_count(c, "scan.secrets", v, &p->max_secrets);
    return fail(c, k, "scan: unknown key '%.64s' (max_severity, max_age, secrets)", key);
}

/* "cap_sys_admin" / "SYS_ADMIN" -> "SYS_ADMIN" in place; 0 when it is a valid name. */
static int cap_normalize(char *s)
{
    if (strncasecmp(s, "CAP_", 4) == 0)
        memmove(s, s + 4, strlen(s + 4) + 1);
    if (*s == '\0')
        return -1;
    for (char *t = s; *t; t++) {
        if (*t >= 'a' && *t <= 'z')
            *t = (char)(*t - 'a' + 'A');
        if (!((*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') || *t == '_'))
            return -1;
    }
    return 0;
}

static int top_key(struct ctx *c, const char *key, const yaml_node_t *k, const yaml_node_t *v)
{
    struct moat_admit_policy *p = c->p;
    const char *s = NULL;
    int rc;

    if (strcmp(key, "registries") == 0) {
        if ((rc = get_list(c, key, v, false, &p->registries, &p->n_registries)) < 0)
            return rc;
        p->has_registries = true;
        for (size_t i = 0; i < p->n_registries; i++) {
            const char *r = p->registries[i], *slash = strchr(r, '/');
            size_t host = slash != NULL ? (size_t)(slash - r) : strlen(r);

            if ((memchr(r, '.', host) == NULL && memchr(r, ':', host) == NULL &&
                 strncmp(r, "localhost", host) != 0) ||
                strpbrk(r, " \t\r\n") != NULL)
                return fail(c, v,
                            "registries: '%.200s' must start with a registry host "
                            "(docker.io/library/, registry.example.com/team/)",
                            r);
        }
        return 0;
    }
    if (strcmp(key, "custody") == 0) {
        if (get_string(c, key, v, &s) < 0)
            return -MOAT_E_FORMAT;
        return resolve(c, v, s, &p->custody_path);
    }
    if (strcmp(key, "attestations") == 0) {
        if ((rc = get_list(c, key, v, true, &p->attestations, &p->n_attestations)) < 0)
            return rc;
        for (size_t i = 0; i < p->n_attestations; i++) {
            char *full = NULL;

            if ((rc = resolve(c, v, p->attestations[i], &full)) < 0)
                return rc;
            free(p->attestations[i]);
            p->attestations[i] = full;
        }
        return 0;
    }
    if (strcmp(key, "scan") == 0) {
        p->has_scan = true;
        return each_key(c, v, "scan", scan_key);
    }
    if (strcmp(key, "fresh_scan") == 0)
        return get_bool(c, key, v, &p->fresh_scan);
    if (strcmp(key, "non_root") == 0)
        return get_bool(c, key, v, &p->non_root);
    if (strcmp(key, "no_secrets") == 0)
        return get_bool(c, key, v, &p->no_secrets);
    if (strcmp(key, "deny_privileged") == 0)
        return get_bool(c, key, v, &p->deny_privileged);
    if (strcmp(key, "deny_host_namespaces") == 0)
        return get_bool(c, key, v, &p->deny_host_namespaces);
    if (strcmp(key, "deny_socket_mounts") == 0)
        return get_bool(c, key, v, &p->deny_socket_mounts);
    if (strcmp(key, "deny_host_mounts") == 0)
        return get_bool(c, key, v, &p->deny_host_mounts);
    if (strcmp(key, "unknown_endpoints") == 0) {
        if (get_string(c, key, v, &s) < 0)
            return -MOAT_E_FORMAT;
        if (strcmp(s, "allow") != 0 && strcmp(s, "deny") != 0)
            return fail(c, v, "unknown_endpoints: expected allow or deny, got '%.64s'", s);
        p->allow_unknown_endpoints = strcmp(s, "allow") == 0;
        return 0;
    }
    if (strcmp(key, "deny_cap_add") == 0) {
        if ((rc = get_list(c, key, v, false, &p->deny_cap_add, &p->n_deny_cap_add)) < 0)
            return rc;
        for (size_t i = 0; i < p->n_deny_cap_add; i++)
            if (cap_normalize(p->deny_cap_add[i]) < 0)
                return fail(c, v, "deny_cap_add: '%.64s' is not a capability name",
                            p->deny_cap_add[i]);
        return 0;
    }
    return fail(c, k,
                "unknown key '%.64s' (registries, custody, attestations, scan, fresh_scan, "
                "non_root, no_secrets, deny_privileged, deny_host_namespaces, "
                "deny_socket_mounts, deny_host_mounts, deny_cap_add, unknown_endpoints)",
                key);
}

void moat_admit_policy_free(struct moat_admit_policy *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_registries; i++)
        free(p->registries[i]);
    for (size_t i = 0; i < p->n_attestations; i++)
        free(p->attestations[i]);
    for (size_t i = 0; i < p->n_deny_cap_add; i++)
        free(p->deny_cap_add[i]);
    free(p->registries);
    free(p->attestations);
    free(p->deny_cap_add);
    free(p->custody_path);
    free(p->base_dir);
    free(p->path);
    free(p);
}

/* Refuse aliases before loading: the document API would share nodes silently. */
static int check_events(const char *where, const char *yaml, size_t len, struct moat_err *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    size_t count = 0, docs = 0;
    int rc = 0;

    if (!yaml_parser_initialize(&parser))
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: %s", where,
                              parser.problem_mark.line + 1,
                              parser.problem != NULL ? parser.problem : "invalid YAML");
            break;
        }
        if (ev.type == YAML_ALIAS_EVENT)
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: aliases are not allowed", where,
                              ev.start_mark.line + 1);
        else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: more than one document", where,
                              ev.start_mark.line + 1);
        else if (++count > 100000)
            rc = moat_err_set(err, MOAT_E_LIMIT, "%s: too many YAML nodes", where);
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        yaml_event_delete(&ev);
        if (rc < 0)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

int moat_admit_policy_parse(const char *where, const char *yaml, size_t len, const char *base_dir,
                            struct moat_admit_policy **out, struct moat_err *err)
{
    struct moat_admit_policy *p;
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root;
    struct ctx c;
    int rc;

    *out = NULL;
    if (len > MOAT_ADMIT_MAX_POLICY)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: larger than %u bytes", where,
                            MOAT_ADMIT_MAX_POLICY);
    if (memchr(yaml, '\0', len) != NULL)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: NUL byte in the policy", where);
    if ((rc = check_events(where, yaml, len, err)) < 0)
        return rc;
    p = calloc(1, sizeof *p);
    if (p == NULL || (p->path = strdup(where)) == NULL ||
        (p->base_dir = strdup(base_dir != NULL ? base_dir : ".")) == NULL) {
        moat_admit_policy_free(p);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    p->max_secrets = -1;
    if (!yaml_parser_initialize(&parser)) {
        moat_admit_policy_free(p);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: line %zu: %s", where,
                          parser.problem_mark.line + 1,
                          parser.problem != NULL ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        moat_admit_policy_free(p);
        return rc;
    }
    c.where = where;
    c.doc = &doc;
    c.p = p;
    c.err = err;
    root = yaml_document_get_root_node(&doc);
    if (root == NULL)
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: empty policy", where);
    else
        rc = each_key(&c, root, "policy", top_key);
    if (rc == 0 && p->has_scan && !p->has_max_severity && p->max_age == 0 && p->max_secrets < 0)
        rc = fail(&c, root, "%s", "scan: give at least one of max_severity, max_age, secrets");
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc < 0) {
        moat_admit_policy_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int moat_admit_policy_load(const char *path, struct moat_admit_policy **out, struct moat_err *err)
{
    char *data = NULL, *dir_copy = NULL;
    size_t got = 0;
    int rc;

    *out = NULL;
    rc = moat_file_read(path, MOAT_ADMIT_MAX_POLICY, &data, &got, err);
    if (rc < 0)
        return rc;
    dir_copy = strdup(path);
    if (dir_copy == NULL) {
        free(data);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    rc = moat_admit_policy_parse(path, data, got, dirname(dir_copy), out, err);
    free(dir_copy);
    free(data);
    return rc;
}

bool moat_admit_policy_needs_scan(const struct moat_admit_policy *p)
{
    return p->has_scan || p->no_secrets;
}
