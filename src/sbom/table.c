/*
 * table.c - the human view: one header line (image, distro, package count),
 * then NAME VERSION TYPE ARCH LAYER in inventory order (type, name, version,
 * arch). Column widths come from the data, counted in characters (UTF-8
 * aware), capped; a longer value is cut on a character boundary and ends in
 * "…". Invalid UTF-8 is shown as U+FFFD and C0/C1 control characters as '?'
 * (base/text.c), so a package name cannot move the cursor or recolour the
 * terminal.
 */
#include "sbom_int.h"

#include <stdlib.h>
#include <string.h>

#include "moat/base/error.h"
#include "moat/base/text.h"

#define COL_MAX 48 /* characters in one column before truncation */
#define N_COLS 5

/* Characters s takes once made safe, at most max. 0, or -MOAT_E_NOMEM. */
static int text_width(const char *s, size_t max, size_t *w)
{
    char *t = moat_text_cell(s, max, w);

    if (t == NULL)
        return -MOAT_E_NOMEM;
    free(t);
    return 0;
}

/*
 * Print s made safe in exactly width characters: cut with "…" when longer,
 * padded unless last. 0, -MOAT_E_IO or -MOAT_E_NOMEM.
 */
static int put_cell(FILE *f, const char *s, size_t width, int last)
{
    size_t shown;
    char *t = moat_text_cell(s, width, &shown);

    if (t == NULL)
        return -MOAT_E_NOMEM;
    fputs(t, f);
    free(t);
    if (!last) {
        for (; shown < width; shown++)
            fputc(' ', f);
        fputs("  ", f);
    }
    return ferror(f) ? -MOAT_E_IO : 0;
}

static void pkg_cells(const struct moat_pkg *p, char layer[24], const char *cells[N_COLS])
{
    if (p->layer >= 0)
        snprintf(layer, 24, "%d", (int)p->layer);
    else
        snprintf(layer, 24, "-");
    cells[0] = p->name != NULL ? p->name : "";
    cells[1] = p->version != NULL ? p->version : "";
    cells[2] = sbom_pkg_type_name(p->type);
    cells[3] = p->arch != NULL ? p->arch : "-";
    cells[4] = layer;
}

int sbom_write_table(FILE *f, const struct moat_image_meta *meta, const struct moat_inventory *inv,
                     struct moat_err *err)
{
    static const char *const heads[N_COLS] = {"NAME", "VERSION", "TYPE", "ARCH", "LAYER"};
    size_t width[N_COLS], i, c;
    const char *cells[N_COLS];
    char layer[24];
    const char *distro = inv->os.pretty_name;
    int r = 0;

    for (c = 0; c < N_COLS; c++)
        width[c] = strlen(heads[c]);
    for (i = 0; i < inv->n_pkgs && r == 0; i++) {
        pkg_cells(&inv->pkgs[i], layer, cells);
        for (c = 0; c < N_COLS && r == 0; c++) {
            size_t w;

            r = text_width(cells[c], COL_MAX, &w);
            if (r == 0 && w > width[c])
                width[c] = w;
        }
    }
    if (r == 0) {
        fputs("Image: ", f);
        r = put_cell(f, meta->name != NULL ? meta->name : (meta->ref != NULL ? meta->ref : "-"),
                     200, 1);
    }
    if (r == 0) {
        fputs("  Distro: ", f);
        if (distro != NULL && distro[0] != '\0') {
            r = put_cell(f, distro, 200, 1);
        } else if (inv->os.id != NULL) {
            r = put_cell(f, inv->os.id, 64, 1);
            if (r == 0 && inv->os.version_id != NULL) {
                fputc(' ', f);
                r = put_cell(f, inv->os.version_id, 64, 1);
            }
        } else {
            fputs("unknown", f);
        }
    }
    fprintf(f, "  Packages: %zu\n", inv->n_pkgs);
    for (c = 0; c < N_COLS && r == 0; c++)
        r = put_cell(f, heads[c], width[c], c + 1 == N_COLS);
    fputc('\n', f);
    for (i = 0; i < inv->n_pkgs && r == 0; i++) {
        pkg_cells(&inv->pkgs[i], layer, cells);
        for (c = 0; c < N_COLS && r == 0; c++)
            r = put_cell(f, cells[c], width[c], c + 1 == N_COLS);
        if (fputc('\n', f) == EOF)
            r = -MOAT_E_IO;
    }
    if (r == -MOAT_E_NOMEM)
        return moat_err_set(err, MOAT_E_NOMEM, "sbom: out of memory");
    if (r < 0 || fflush(f) == EOF || ferror(f))
        return moat_err_set(err, MOAT_E_IO, "sbom: write failed");
    return 0;
}
