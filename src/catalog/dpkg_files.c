/*
 * dpkg_files.c - what a Debian package installed and under which licence:
 * var/lib/dpkg/info/<pkg>[:<arch>].list (one absolute path per line),
 * distroless var/lib/dpkg/status.d/<name>.md5sums ("<md5>  <path>"), and
 * the machine-readable (DEP-5) usr/share/doc/<pkg>/copyright, from which
 * the distinct "License:" short names are collected, as Trivy does.
 */
#include "catalog_int.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/buf.h"
#include "moat/base/limits.h"

static int parse_paths(const char *where, const unsigned char *data, size_t len, int md5,
                       struct moat_pkg *p, struct moat_err *err)
{
    struct cat_strv files = {0};
    struct cat_lines it;
    const unsigned char *line;
    size_t n;
    int r = 0;

    cat_lines_init(&it, data, len);
    while (cat_lines_next(&it, &line, &n)) {
        if (md5) {
            /* "<32 hex>  path": skip the digest and the blanks after it. */
            const unsigned char *sp = memchr(line, ' ', n);

            if (sp == NULL)
                continue;
            n -= (size_t)(sp - line);
            line = sp;
            while (n > 0 && line[0] == ' ') {
                line++;
                n--;
            }
        }
        while (n > 0 && line[0] == '/') {
            line++;
            n--;
        }
        if (n == 0 || (n == 1 && line[0] == '.'))
            continue;
        if (n > MOAT_MAX_PATH_LEN) {
            r = moat_err_set(err, MOAT_E_LIMIT, "%s: line %zu: path too long", where, it.lineno);
            goto out;
        }
        if ((r = cat_strv_add_path(&files, where, NULL, 0, line, n, err)) < 0)
            goto out;
    }
    for (size_t i = 0; i < p->n_files; i++)
        free(p->files[i]);
    free(p->files);
    p->files = NULL;
    p->n_files = 0;
    cat_strv_to_pkg(&files, p);
out:
    cat_strv_free(&files);
    return r;
}

int moat_dpkg_parse_list(const char *where, const unsigned char *data, size_t len,
                         struct moat_pkg *p, struct moat_err *err)
{
    return parse_paths(where, data, len, 0, p, err);
}

int moat_dpkg_parse_md5sums(const char *where, const unsigned char *data, size_t len,
                            struct moat_pkg *p, struct moat_err *err)
{
    return parse_paths(where, data, len, 1, p, err);
}

/* Is w[0..n) already one of the " AND "-joined names in b (maybe in parentheses)? */
static int have_license(const struct moat_buf *b, const unsigned char *w, size_t n)
{
    const char *s = b->data, *end;

    if (s == NULL)
        return 0;
    end = s + b->len;
    while (s != NULL && s < end) {
        const char *sep = strstr(s, " AND ");
        size_t sn = sep != NULL ? (size_t)(sep - s) : (size_t)(end - s);

        if (sn == n && memcmp(s, w, n) == 0)
            return 1;
        if (sn == n + 2 && s[0] == '(' && memcmp(s + 1, w, n) == 0)
            return 1;
        s = sep != NULL ? sep + 5 : NULL;
    }
    return 0;
}

/* Append one licence; a compound one ("GPL-2+ or Artistic") goes in parentheses. */
static int add_license(struct moat_buf *b, int first, const unsigned char *v, size_t vn)
{
    int paren = memchr(v, ' ', vn) != NULL, r = 0;

    if (!first)
        r = moat_buf_append(b, " AND ", 5);
    if (r == 0 && paren)
        r = moat_buf_append(b, "(", 1);
    if (r == 0)
        r = moat_buf_append(b, v, vn);
    if (r == 0 && paren)
        r = moat_buf_append(b, ")", 1);
    return r;
}

int moat_dpkg_parse_copyright(const char *where, const unsigned char *data, size_t len,
                              char **license, struct moat_err *err)
{
    struct moat_buf b = MOAT_BUF_INIT;
    struct cat_lines it;
    const unsigned char *line;
    size_t n, count = 0;
    int r = 0;

    *license = NULL;
    b.max = MOAT_MAX_FIELD_LEN;
    cat_lines_init(&it, data, len);
    while (cat_lines_next(&it, &line, &n)) {
        const unsigned char *v;
        size_t vn;

        if (n < 8 || memcmp(line, "License:", 8) != 0)
            continue;
        v = line + 8;
        vn = n - 8;
        cat_trim(&v, &vn);
        if (vn == 0 || memchr(v, '\0', vn) != NULL || have_license(&b, v, vn))
            continue;
        if ((r = add_license(&b, count == 0, v, vn)) < 0) {
            r = moat_err_set(err, -r, "%s: line %zu: %s", where, it.lineno,
                             r == -MOAT_E_LIMIT ? "licenses too long" : "out of memory");
            goto out;
        }
        count++;
    }
    if (count > 0)
        *license = moat_buf_steal(&b, NULL);
out:
    moat_buf_free(&b);
    return r;
}
