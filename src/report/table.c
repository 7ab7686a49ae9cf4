/*
 * table.c - the human table: one section per finding kind, columns sized
 * from the data (each capped, longer text cut with "…"), a count per
 * severity under each section and a total at the end. A vulnerability's
 * severity names who rated it ("HIGH (nvd)", "LOW (debian)").
 *
 * Image text reaches a terminal here, so every cell is made safe first:
 * invalid UTF-8 becomes U+FFFD and C0/C1 control characters become '?', so
 * a hostile package description cannot move the cursor or change colours.
 * Widths count code points (East Asian wide characters count as one).
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#define NCOL_MAX 8

struct column {
    const char *head;
    size_t max; /* display cap */
};

static int put_cell(FILE *f, const char *s, size_t w, size_t width, int last)
{
    if (fputs(s, f) == EOF)
        return -1;
    if (last)
        return 0;
    for (size_t i = w; i < width + 2; i++)
        if (fputc(' ', f) == EOF)
            return -1;
    return 0;
}

static const char *sev(const struct moat_finding *f)
{
    return moat_severity_name(f->severity);
}

/* A vulnerability's severity with who rated it: "HIGH (nvd)", "LOW (debian)". */
static char *sev_with_source(const struct moat_finding *f)
{
    char *s = NULL;

    if (f->severity_source == NULL)
        return strdup(sev(f));
    if (asprintf(&s, "%s (%s)", sev(f), f->severity_source) < 0)
        return NULL;
    return s;
}

/* "path:line", or the path alone when there is no line. */
static char *location(const struct moat_finding *fd)
{
    char *s = NULL;

    if (fd->line > 0) {
        if (asprintf(&s, "%s:%lu", fd->path != NULL ? fd->path : "", (unsigned long)fd->line) < 0)
            return NULL;
        return s;
    }
    return strdup(fd->path != NULL ? fd->path : "");
}

/* The raw (unsanitised) text of column c for finding fd; *own is set when it must be freed. */
static char *cell_raw(enum moat_finding_kind kind, int c, const struct moat_finding *fd,
                      int with_vex)
{
    char *s = NULL;

    if (kind == MOAT_FINDING_VULN) {
        switch (c) {
        case 0:
            return strdup(fd->pkg_name != NULL ? fd->pkg_name : "");
        case 1:
            return strdup(fd->pkg_version != NULL ? fd->pkg_version : "");
        case 2:
            return strdup(report_rule_id(fd));
        case 3:
            return sev_with_source(fd);
        case 4:
            return fd->fix == MOAT_FIX_AVAILABLE  ? strdup("fixed")
                   : fd->fix == MOAT_FIX_WONT_FIX ? strdup("won't fix")
                                                  : strdup("affected, no fix");
        case 5:
            return strdup(fd->fix == MOAT_FIX_AVAILABLE && fd->fixed_version != NULL
                              ? fd->fixed_version
                              : "");
        case 6:
            return strdup(fd->title != NULL ? fd->title : "");
        default:
            break;
        }
    } else if (kind == MOAT_FINDING_SECRET) {
        switch (c) {
        case 0:
            return strdup(report_rule_id(fd));
        case 1:
            return strdup(sev(fd));
        case 2:
            return location(fd);
        case 3:
            if (fd->layer < 0)
                return strdup("");
            if (asprintf(&s, "%ld", (long)fd->layer) < 0)
                return NULL;
            return s;
        case 4:
            return strdup(fd->match != NULL ? fd->match : "");
        case 5:
            return strdup(fd->title != NULL ? fd->title : "");
        default:
            break;
        }
    } else {
        switch (c) {
        case 0:
            return strdup(report_rule_id(fd));
        case 1:
            return strdup(sev(fd));
        case 2:
            return location(fd);
        case 3:
            return strdup(fd->cis != NULL ? fd->cis : "");
        case 4:
            return strdup(fd->title != NULL ? fd->title : "");
        default:
            break;
        }
    }
    if (with_vex) {
        const char *st = moat_vex_status_name(fd->vex);

        if (st == NULL)
            return strdup("");
        if (fd->vex_justification != NULL && fd->vex_justification[0] != '\0') {
            if (asprintf(&s, "%s (%s)", st, fd->vex_justification) < 0)
                return NULL;
            return s;
        }
        return strdup(st);
    }
    return strdup("");
}

static size_t columns(enum moat_finding_kind kind, int with_vex, struct column *cols)
{
    static const struct column vuln[] = {{"PACKAGE", 32},  {"INSTALLED", 28}, {"VULNERABILITY", 24},
                                         {"SEVERITY", 24}, {"STATUS", 16},    {"FIXED IN", 28},
                                         {"TITLE", 60}};
    static const struct column secret[] = {{"RULE", 32}, {"SEVERITY", 8}, {"PATH", 48},
                                           {"LAYER", 5}, {"MATCH", 32},   {"TITLE", 60}};
    static const struct column other[] = {
        {"RULE", 32}, {"SEVERITY", 8}, {"LOCATION", 48}, {"CIS", 6}, {"TITLE", 70}};
    const struct column *src;
    size_t n;

    if (kind == MOAT_FINDING_VULN)
        src = vuln, n = sizeof(vuln) / sizeof(vuln[0]);
    else if (kind == MOAT_FINDING_SECRET)
        src = secret, n = sizeof(secret) / sizeof(secret[0]);
    else
        src = other, n = sizeof(other) / sizeof(other[0]);
    memcpy(cols, src, n * sizeof(*cols));
    if (with_vex) {
        cols[n].head = "VEX";
        cols[n].max = 48;
        n++;
    }
    return n;
}

static int summary(FILE *f, const char *label, const size_t *counts, size_t total)
{
    return fprintf(f, "%s: %zu (CRITICAL: %zu, HIGH: %zu, MEDIUM: %zu, LOW: %zu, UNKNOWN: %zu)\n",
                   label, total, counts[MOAT_SEV_CRITICAL], counts[MOAT_SEV_HIGH],
                   counts[MOAT_SEV_MEDIUM], counts[MOAT_SEV_LOW], counts[MOAT_SEV_UNKNOWN]) < 0
               ? -1
               : 0;
}

static int section(FILE *f, enum moat_finding_kind kind, const struct moat_findings *fs,
                   size_t *grand)
{
    struct column cols[NCOL_MAX];
    size_t ncol, n = 0, width[NCOL_MAX] = {0}, counts[5] = {0}, row = 0;
    char **cell = NULL;
    size_t *cw = NULL;
    int with_vex = 0, r = -1;

    for (size_t i = 0; i < fs->n; i++) {
        if (fs->v[i].kind != kind)
            continue;
        n++;
        with_vex |= fs->v[i].vex != MOAT_VEX_NONE;
    }
    if (n == 0)
        return 0;
    ncol = columns(kind, with_vex, cols);
    if (n > SIZE_MAX / sizeof(char *) / NCOL_MAX)
        return -1;
    cell = calloc(n * ncol, sizeof(*cell));
    cw = calloc(n * ncol, sizeof(*cw));
    if (cell == NULL || cw == NULL)
        goto out;
    for (size_t c = 0; c < ncol; c++)
        width[c] = strlen(cols[c].head);
    for (size_t i = 0; i < fs->n; i++) {
        const struct moat_finding *fd = &fs->v[i];

        if (fd->kind != kind)
            continue;
        counts[fd->severity <= MOAT_SEV_CRITICAL ? fd->severity : MOAT_SEV_UNKNOWN]++;
        grand[fd->severity <= MOAT_SEV_CRITICAL ? fd->severity : MOAT_SEV_UNKNOWN]++;
        for (size_t c = 0; c < ncol; c++) {
            char *raw =
                cell_raw(kind, (int)c == (int)ncol - 1 && with_vex ? 99 : (int)c, fd, with_vex);
            size_t k = row * ncol + c;

            if (raw == NULL)
                goto out;
            cell[k] = moat_text_cell(raw, cols[c].max, &cw[k]);
            free(raw);
            if (cell[k] == NULL)
                goto out;
            if (cw[k] > width[c])
                width[c] = cw[k];
        }
        row++;
    }
    if (fprintf(f, "\n%s (%zu)\n", report_kind_title(kind), n) < 0)
        goto out;
    for (size_t c = 0; c < ncol; c++)
        if (put_cell(f, cols[c].head, strlen(cols[c].head), width[c], c + 1 == ncol) < 0)
            goto out;
    if (fputc('\n', f) == EOF)
        goto out;
    for (size_t c = 0; c < ncol; c++) {
        for (size_t i = 0; i < width[c]; i++)
            if (fputc('-', f) == EOF)
                goto out;
        if (c + 1 < ncol && fputs("  ", f) == EOF)
            goto out;
    }
    if (fputc('\n', f) == EOF)
        goto out;
    for (size_t i = 0; i < n; i++) {
        size_t last = ncol; /* no padding after the last non-empty cell */

        while (last > 1 && cell[i * ncol + last - 1][0] == '\0')
            last--;
        for (size_t c = 0; c < last; c++)
            if (put_cell(f, cell[i * ncol + c], cw[i * ncol + c], width[c], c + 1 == last) < 0)
                goto out;
        if (fputc('\n', f) == EOF)
            goto out;
    }
    r = summary(f, "Total", counts, n);
out:
    if (cell != NULL)
        for (size_t i = 0; i < n * ncol; i++)
            free(cell[i]);
    free(cell);
    free(cw);
    return r;
}

int report_write_table(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                       struct moat_err *err)
{
    static const enum moat_finding_kind kinds[] = {MOAT_FINDING_VULN, MOAT_FINDING_SECRET,
                                                   MOAT_FINDING_MISCONFIG, MOAT_FINDING_POLICY};
    const struct moat_report_ctx *ctx = run->ctx;
    size_t grand[5] = {0}, w;
    char *target = moat_text_cell(run->target, 200, &w), *os = NULL;
    int r = 0;

    if (target == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "table: out of memory");
    if (ctx->inv != NULL && ctx->inv->os.id != NULL) {
        char *raw = NULL;

        if (asprintf(&raw, "%s %s", ctx->inv->os.id,
                     ctx->inv->os.version_id != NULL ? ctx->inv->os.version_id : "") >= 0) {
            os = moat_text_cell(raw, 80, &w);
            free(raw);
        }
    }
    if (fprintf(f, "Target: %s", target) < 0 || (os != NULL && fprintf(f, " (%s)", os) < 0) ||
        (ctx->inv != NULL && fprintf(f, ", %zu packages", ctx->inv->n_pkgs) < 0) ||
        fputc('\n', f) == EOF)
        r = -1;
    free(target);
    free(os);
    if (r == 0 && ctx->db_note != NULL) {
        char *note = moat_text_cell(ctx->db_note, 200, &w);

        r = note == NULL || fprintf(f, "%s\n", note) < 0 ? -1 : 0;
        free(note);
    }
    for (size_t k = 0; r == 0 && k < sizeof(kinds) / sizeof(kinds[0]); k++)
        r = section(f, kinds[k], fs, grand);
    if (r == 0)
        r = fs->n == 0 ? (fputs("\nNo findings.\n", f) == EOF ? -1 : 0)
                       : (fputc('\n', f) == EOF ? -1 : summary(f, "All findings", grand, fs->n));
    if (r < 0 || fflush(f) == EOF || ferror(f))
        return moat_err_set(err, ferror(f) ? MOAT_E_IO : MOAT_E_NOMEM, "table: %s",
                            ferror(f) ? "write failed" : "out of memory");
    return 0;
}
