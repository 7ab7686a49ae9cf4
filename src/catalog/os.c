/*
 * os.c - which distribution an image is: os-release(5) parsing, and the
 * older one-line files (etc/debian_version, etc/alpine-release,
 * etc/redhat-release) used when an image has no os-release.
 *
 * os-release is a shell-compatible KEY=VALUE file: values may be quoted
 * with "..." (backslash escapes \" \\ \$ \` and line continuation) or '...'
 * (no escapes), or unquoted with backslash escapes. Lines that do not parse
 * are ignored, as systemd does; a later assignment replaces an earlier one.
 */
#include "catalog_int.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/buf.h"
#include "moat/base/limits.h"

void moat_os_free(struct moat_os *os)
{
    if (os == NULL)
        return;
    free(os->id);
    free(os->version_id);
    free(os->pretty_name);
    free(os->codename);
    memset(os, 0, sizeof(*os));
}

/* Unquote value v[0..n) into b. Returns 0, 1 when the quoting is broken, or -MOAT_E_*. */
static int unquote(const unsigned char *v, size_t n, struct moat_buf *b)
{
    unsigned char q = 0;
    int r;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = v[i];

        if (q == '\'') {
            if (c == '\'') {
                q = 0;
                continue;
            }
        } else if (c == '\\') {
            if (i + 1 >= n)
                return 1;
            c = v[++i];
            if (q == '"' && c != '"' && c != '\\' && c != '$' && c != '`') {
                if ((r = moat_buf_append(b, "\\", 1)) < 0)
                    return r;
            }
        } else if (c == '"' || c == '\'') {
            if (q == 0) {
                q = c;
                continue;
            }
            if (c == q) {
                q = 0;
                continue;
            }
        } else if (q == 0 && (c == ' ' || c == '\t')) {
            /* Unquoted blank ends the value ("ID=x # comment"). */
            break;
        }
        if ((r = moat_buf_append(b, &c, 1)) < 0)
            return r;
    }
    return q == 0 ? 0 : 1;
}

static char **os_slot(struct moat_os *os, const unsigned char *k, size_t n)
{
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {
        {"ID", offsetof(struct moat_os, id)},
        {"VERSION_ID", offsetof(struct moat_os, version_id)},
        {"PRETTY_NAME", offsetof(struct moat_os, pretty_name)},
        {"VERSION_CODENAME", offsetof(struct moat_os, codename)},
    };

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strlen(keys[i].key) == n && memcmp(keys[i].key, k, n) == 0)
            return (char **)((char *)os + keys[i].off);
    }
    return NULL;
}

int moat_os_release_parse(const unsigned char *data, size_t len, struct moat_os *os,
                          struct moat_err *err)
{
    struct moat_buf b = MOAT_BUF_INIT;
    struct cat_lines it;
    const unsigned char *line;
    size_t n;
    int rc = 0;

    b.max = MOAT_MAX_FIELD_LEN;
    cat_lines_init(&it, data, len);
    while (cat_lines_next(&it, &line, &n)) {
        const unsigned char *eq, *val;
        size_t klen, vlen;
        char **slot;

        cat_trim(&line, &n);
        if (n == 0 || line[0] == '#')
            continue;
        eq = memchr(line, '=', n);
        if (eq == NULL)
            continue;
        klen = (size_t)(eq - line);
        slot = os_slot(os, line, klen);
        if (slot == NULL)
            continue;
        val = eq + 1;
        vlen = n - klen - 1;
        b.len = 0;
        rc = unquote(val, vlen, &b);
        if (rc < 0) {
            rc = moat_err_set(err, -rc, "os-release: line %zu: %s", it.lineno,
                              rc == -MOAT_E_LIMIT ? "value too long" : "out of memory");
            goto out;
        }
        if (rc > 0 || b.len == 0) {
            rc = 0;
            continue;
        }
        free(*slot);
        *slot = NULL;
        rc = cat_dup("os-release", it.lineno, b.data, b.len, slot, err);
        if (rc < 0)
            goto out;
    }
out:
    moat_buf_free(&b);
    return rc;
}

/* The first line, trimmed. */
static void first_line(const unsigned char *data, size_t len, const unsigned char **p, size_t *n)
{
    const unsigned char *nl = memchr(data, '\n', len);

    *p = data;
    *n = nl != NULL ? (size_t)(nl - data) : len;
    cat_trim(p, n);
}

static int set_str(char **slot, const char *where, const void *p, size_t n, struct moat_err *err)
{
    free(*slot);
    *slot = NULL;
    return cat_dup(where, 0, p, n, slot, err);
}

/* "CentOS Linux release 7.9.2009 (Core)" -> id, and the word after "release". */
static int redhat_release(const char *where, const unsigned char *p, size_t n, struct moat_os *os,
                          struct moat_err *err)
{
    static const struct {
        const char *prefix, *id;
    } ids[] = {
        {"CentOS", "centos"},     {"Red Hat", "rhel"},        {"Fedora", "fedora"},
        {"Rocky", "rocky"},       {"AlmaLinux", "almalinux"}, {"Oracle", "ol"},
        {"Amazon Linux", "amzn"},
    };
    const char *id = "rhel";
    int r;

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        size_t pl = strlen(ids[i].prefix);

        if (n >= pl && memcmp(p, ids[i].prefix, pl) == 0) {
            id = ids[i].id;
            break;
        }
    }
    if ((r = set_str(&os->id, where, id, strlen(id), err)) < 0)
        return r;
    if ((r = set_str(&os->pretty_name, where, p, n, err)) < 0)
        return r;
    for (size_t i = 0; i + 8 <= n; i++) {
        if (memcmp(p + i, "release ", 8) == 0) {
            size_t s = i + 8, e = s;

            while (e < n && p[e] != ' ')
                e++;
            if (e > s)
                return set_str(&os->version_id, where, p + s, e - s, err);
            break;
        }
    }
    return 0;
}

int moat_os_release_fallback(const char *where, const unsigned char *data, size_t len,
                             struct moat_os *os, struct moat_err *err)
{
    const char *base = strrchr(where, '/');
    const unsigned char *p;
    size_t n;
    int r;

    base = base != NULL ? base + 1 : where;
    first_line(data, len, &p, &n);
    if (n == 0)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: empty", where);
    if (strcmp(base, "debian_version") == 0 || strcmp(base, "alpine-release") == 0) {
        const char *id = base[0] == 'd' ? "debian" : "alpine";

        if ((r = set_str(&os->id, where, id, strlen(id), err)) < 0)
            return r;
        return set_str(&os->version_id, where, p, n, err);
    }
    if (strcmp(base, "redhat-release") == 0 || strcmp(base, "centos-release") == 0 ||
        strcmp(base, "system-release") == 0)
        return redhat_release(where, p, n, os, err);
    return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: not a known release file", where);
}
