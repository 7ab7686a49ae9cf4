/*
 * pkg.c - the package inventory: append (bounded by MOAT_MAX_PACKAGES),
 * sort, and free. Every string of a moat_pkg and every files[i] is owned
 * by the package and freed by moat_pkg_free().
 */
#include "moat/catalog/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"

void moat_pkg_free(struct moat_pkg *p)
{
    if (p == NULL)
        return;
    free(p->name);
    free(p->version);
    free(p->arch);
    free(p->src_name);
    free(p->src_version);
    free(p->license);
    free(p->maintainer);
    free(p->description);
    free(p->db_path);
    for (size_t i = 0; i < p->n_files; i++)
        free(p->files[i]);
    free(p->files);
    memset(p, 0, sizeof(*p));
    p->layer = -1;
}

int moat_inventory_add(struct moat_inventory *inv, struct moat_pkg *p, struct moat_err *err)
{
    if (inv->n_pkgs >= MOAT_MAX_PACKAGES)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u packages",
                            p->db_path != NULL ? p->db_path : "inventory", MOAT_MAX_PACKAGES);
    /* No stored capacity: 16 slots first, then double whenever n reaches a power of two. */
    if (inv->n_pkgs == 0 || (inv->n_pkgs >= 16 && (inv->n_pkgs & (inv->n_pkgs - 1)) == 0)) {
        size_t cap = inv->n_pkgs ? inv->n_pkgs * 2 : 16;
        struct moat_pkg *np = realloc(inv->pkgs, cap * sizeof(*np));

        if (np == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "inventory: out of memory");
        inv->pkgs = np;
    }
    inv->pkgs[inv->n_pkgs++] = *p;
    memset(p, 0, sizeof(*p));
    p->layer = -1;
    return 0;
}

static int cmp_opt(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_pkg(const void *x, const void *y)
{
    const struct moat_pkg *a = x, *b = y;
    int c;

    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if ((c = cmp_opt(a->name, b->name)) != 0)
        return c;
    if ((c = cmp_opt(a->version, b->version)) != 0)
        return c;
    return cmp_opt(a->arch, b->arch);
}

void moat_inventory_sort(struct moat_inventory *inv)
{
    if (inv->n_pkgs > 1)
        qsort(inv->pkgs, inv->n_pkgs, sizeof(*inv->pkgs), cmp_pkg);
}

void moat_inventory_free(struct moat_inventory *inv)
{
    if (inv == NULL)
        return;
    for (size_t i = 0; i < inv->n_pkgs; i++)
        moat_pkg_free(&inv->pkgs[i]);
    free(inv->pkgs);
    moat_os_free(&inv->os);
    memset(inv, 0, sizeof(*inv));
}
