/*
 * catalog_test.h - helpers shared by the catalog unit tests: read a file,
 * capture a command's output, and render an inventory as sorted TSV so it
 * can be compared with what an independent tool (dpkg-query, rpm, awk)
 * prints at test time.
 */
#ifndef MOAT_TESTS_CATALOG_TEST_H
#define MOAT_TESTS_CATALOG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/buf.h"
#include "moat/catalog/catalog.h"

static inline unsigned char *ct_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct moat_buf b = MOAT_BUF_INIT;
    char chunk[65536];
    size_t n;

    if (f == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (moat_buf_append(&b, chunk, n) < 0) {
            fclose(f);
            moat_buf_free(&b);
            return NULL;
        }
    }
    fclose(f);
    return (unsigned char *)moat_buf_steal(&b, len);
}

/* stdout of a shell command, or NULL when it fails. */
static inline char *ct_capture(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    struct moat_buf b = MOAT_BUF_INIT;
    char chunk[65536];
    size_t n;

    if (p == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        moat_buf_append(&b, chunk, n);
    if (pclose(p) != 0) {
        moat_buf_free(&b);
        return NULL;
    }
    return moat_buf_steal(&b, NULL);
}

static inline int ct_cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the lines of s in place (returned as a new string). */
static inline char *ct_sort_lines(const char *s)
{
    char *copy = strdup(s), **lines = NULL, *p;
    size_t n = 0, cap = 0;
    struct moat_buf b = MOAT_BUF_INIT;

    for (p = copy; *p != '\0';) {
        char *nl = strchr(p, '\n');

        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            lines = realloc(lines, cap * sizeof(*lines));
        }
        lines[n++] = p;
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    qsort(lines, n, sizeof(*lines), ct_cmp_line);
    for (size_t i = 0; i < n; i++)
        moat_buf_appendf(&b, "%s\n", lines[i]);
    free(lines);
    free(copy);
    return moat_buf_steal(&b, NULL);
}

/* "name\tversion\tarch\n" per package, sorted. */
static inline char *ct_inventory_tsv(const struct moat_inventory *inv)
{
    struct moat_buf b = MOAT_BUF_INIT;
    char *s, *sorted;

    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const struct moat_pkg *p = &inv->pkgs[i];

        moat_buf_appendf(&b, "%s\t%s\t%s\n", p->name, p->version, p->arch ? p->arch : "");
    }
    s = moat_buf_steal(&b, NULL);
    sorted = ct_sort_lines(s);
    free(s);
    return sorted;
}

static inline const struct moat_pkg *ct_find(const struct moat_inventory *inv, const char *name)
{
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        if (strcmp(inv->pkgs[i].name, name) == 0)
            return &inv->pkgs[i];
    }
    return NULL;
}

#endif
