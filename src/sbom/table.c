/*
 * table.c - the human view: one header line (image, distro, package count),
 * then NAME VERSION TYPE ARCH LAYER in inventory order (type, name, version,
 * arch). Column widths come from the data, counted in characters (UTF-8
 * aware), capped; a longer value is cut on a character boundary and ends in
 * "…". Control characters from the image are shown as '?', so a package name
 * cannot move the cursor or recolour the terminal.
 */
#include "sbom_int.h"

#include <stdint.h>
#include <string.h>

#include "../base/error.h"

#define COL_MAX 48 /* characters in one column before truncation */
#define N_COLS 5

/* Characters in s (UTF-8 continuation bytes do not count). */
static size_t text_width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

/* Print s in exactly width characters: cut with "…" when longer, padded unless last. */
static int put_cell(FILE *f, const char *s, size_t width, int last)
{
    size_t w = text_width(s), shown = 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t limit = w > width ? width - 1 : w;

    while (*p != '\0' && shown < limit) {
        const unsigned char *q = p + 1;

        while ((*q & 0xc0) == 0x80)
            q++;
        if (*p < 0x20 || *p == 0x7f)
            fputc('?', f);
        else
            fwrite(p, 1, (size_t)(q - p), f);
        shown++;
        p = q;
    }
    if (w > width) {
        fputs("\xe2\x80\xa6", f); /* … */
        shown++;
    }
    if (!last) {
        for (; shown < width; shown++)
            fputc(' ', f);
        fputs("  ", f);
    }
    return ferror(f) ? -1 : 0;
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
    for (i = 0; i < inv->n_pkgs; i++) {
        pkg_cells(&inv->pkgs[i], layer, cells);
        for (c = 0; c < N_COLS; c++) {
            size_t w = text_width(cells[c]);
            if (w > width[c])
                width[c] = w > COL_MAX ? COL_MAX : w;
        }
    }
    fputs("Image: ", f);
    put_cell(f, meta->name != NULL ? meta->name : (meta->ref != NULL ? meta->ref : "-"), 200, 1);
    fputs("  Distro: ", f);
    if (distro != NULL && distro[0] != '\0') {
        put_cell(f, distro, 200, 1);
    } else if (inv->os.id != NULL) {
        put_cell(f, inv->os.id, 64, 1);
        if (inv->os.version_id != NULL) {
            fputc(' ', f);
            put_cell(f, inv->os.version_id, 64, 1);
        }
    } else {
        fputs("unknown", f);
    }
    fprintf(f, "  Packages: %zu\n", inv->n_pkgs);
    for (c = 0; c < N_COLS; c++)
        put_cell(f, heads[c], width[c], c + 1 == N_COLS);
    fputc('\n', f);
    for (i = 0; i < inv->n_pkgs && r == 0; i++) {
        pkg_cells(&inv->pkgs[i], layer, cells);
        for (c = 0; c < N_COLS && r == 0; c++)
            r = put_cell(f, cells[c], width[c], c + 1 == N_COLS);
        if (fputc('\n', f) == EOF)
            r = -1;
    }
    if (r < 0 || fflush(f) == EOF || ferror(f))
        return moat_err_set(err, MOAT_E_IO, "sbom: write failed");
    return 0;
}
