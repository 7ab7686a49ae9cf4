/*
 * table.c - the human table. A header naming the image (name, digest, OS,
 * packages); one section per finding kind; one total line at the end.
 *
 * Vulnerabilities are listed by severity, then package, then id, with
 * where the severity came from. Misconfigurations that point into files
 * (Dockerfile lint) are grouped by file and keep their whole FILE:LINE,
 * with hadolint's DL id beside moat's rule where one applies.
 *
 * Columns are sized from the data; with a width (a terminal's), the long
 * text columns give way first (title, then package, version and location)
 * so a row fits on one line. With colour, the severity cell is coloured;
 * escapes are never counted in widths.
 *
 * Image text reaches a terminal here, so every cell is made safe first:
 * invalid UTF-8 becomes U+FFFD and C0/C1 control characters become '?', so
 * a hostile package description cannot move the cursor or change colours.
 * Widths count code points (East Asian wide characters count as one).
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#define NCOL_MAX 9
#define TABLE_MIN_COL 8 /* a column is never cut below this (or its heading) */

struct column {
    const char *head;
    size_t max;      /* display cap without a width limit; 0 = none */
    unsigned shrink; /* order in which it gives way to a width limit: 1 first, 0 never */
};

/* One section being laid out: its cells, their widths, the columns' widths. */
struct grid {
    struct column cols[NCOL_MAX];
    size_t ncol, nrow;
    char **cell;
    size_t *cw, width[NCOL_MAX];
};

static const char *const SEV_COLOR[] = {
    [MOAT_SEV_UNKNOWN] = "\033[2m",     [MOAT_SEV_LOW] = "\033[34m",
    [MOAT_SEV_MEDIUM] = "\033[33m",     [MOAT_SEV_HIGH] = "\033[31m",
    [MOAT_SEV_CRITICAL] = "\033[1;31m",
};

static enum moat_severity sev_of(const struct moat_finding *f)
{
    return f->severity <= MOAT_SEV_CRITICAL ? f->severity : MOAT_SEV_UNKNOWN;
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

static char *vex_text(const struct moat_finding *fd)
{
    const char *st = moat_vex_status_name(fd->vex);
    char *s = NULL;

    if (st == NULL)
        return strdup("");
    if (fd->vex_justification != NULL && fd->vex_justification[0] != '\0')
        return asprintf(&s, "%s (%s)", st, fd->vex_justification) < 0 ? NULL : s;
    return strdup(st);
}

/* hadolint's id among a lint finding's aliases ("DL3008"), or "". */
static const char *dl_id(const struct moat_finding *fd)
{
    for (size_t i = 0; i < fd->n_aliases; i++)
        if (strncmp(fd->aliases[i], "DL", 2) == 0)
            return fd->aliases[i];
    return "";
}

/* What the section shows besides the fixed columns. */
struct extras {
    bool vex, dl, cis;
};

static size_t columns(enum moat_finding_kind kind, const struct extras *x, struct column *cols)
{
    size_t n = 0;

#define COL(h, m, s) (cols[n++] = (struct column){h, m, s})
    if (kind == MOAT_FINDING_VULN) {
        COL("PACKAGE", 32, 3);
        COL("INSTALLED", 28, 4);
        COL("VULNERABILITY", 24, 0);
        COL("SEVERITY", 8, 0);
        COL("SOURCE", 16, 5);
        COL("FIXED IN", 28, 6);
        COL("TITLE", 60, 1);
    } else if (kind == MOAT_FINDING_SECRET) {
        COL("RULE", 32, 5);
        COL("SEVERITY", 8, 0);
        COL("PATH", 0, 3);
        COL("LAYER", 5, 0);
        COL("MATCH", 32, 4);
        COL("TITLE", 60, 1);
    } else {
        COL("RULE", 32, 0);
        if (x->dl)
            COL("DL", 8, 0);
        COL("SEVERITY", 8, 0);
        COL("LOCATION", 0, 0); /* the whole FILE:LINE, never cut: it is what a user opens */
        if (x->cis)
            COL("CIS", 6, 0);
        COL("TITLE", 70, 1);
    }
    if (x->vex)
        COL("VEX", 48, 2);
#undef COL
    return n;
}

/* The raw (unsanitised) text of column `head` for finding fd. Caller frees. */
static char *cell_raw(const char *head, const struct moat_finding *fd)
{
    char *s = NULL;

    if (strcmp(head, "PACKAGE") == 0)
        return strdup(fd->pkg_name != NULL ? fd->pkg_name : "");
    if (strcmp(head, "INSTALLED") == 0)
        return strdup(fd->pkg_version != NULL ? fd->pkg_version : "");
    if (strcmp(head, "VULNERABILITY") == 0 || strcmp(head, "RULE") == 0)
        return strdup(report_rule_id(fd));
    if (strcmp(head, "SEVERITY") == 0)
        return strdup(moat_severity_name(sev_of(fd)));
    if (strcmp(head, "SOURCE") == 0)
        return strdup(fd->severity_source != NULL ? fd->severity_source : "");
    if (strcmp(head, "FIXED IN") == 0)
        return strdup(fd->fix == MOAT_FIX_AVAILABLE && fd->fixed_version != NULL ? fd->fixed_version
                      : fd->fix == MOAT_FIX_WONT_FIX                             ? "(won't fix)"
                                                                                 : "(no fix yet)");
    if (strcmp(head, "TITLE") == 0)
        return strdup(fd->title != NULL ? fd->title : "");
    if (strcmp(head, "PATH") == 0 || strcmp(head, "LOCATION") == 0)
        return location(fd);
    if (strcmp(head, "LAYER") == 0)
        return fd->layer < 0 ? strdup("") : (asprintf(&s, "%ld", (long)fd->layer) < 0 ? NULL : s);
    if (strcmp(head, "MATCH") == 0)
        return strdup(fd->match != NULL ? fd->match : "");
    if (strcmp(head, "DL") == 0)
        return strdup(dl_id(fd));
    if (strcmp(head, "CIS") == 0)
        return strdup(fd->cis != NULL ? fd->cis : "");
    if (strcmp(head, "VEX") == 0)
        return vex_text(fd);
    return strdup("");
}

/* Listing order inside a section: severity, then package (vulnerabilities) or file, then id. */
static int row_cmp(const void *a, const void *b)
{
    const struct moat_finding *x = *(const struct moat_finding *const *)a;
    const struct moat_finding *y = *(const struct moat_finding *const *)b;
    int c;

    if (x->kind == MOAT_FINDING_MISCONFIG && x->path != NULL && y->path != NULL &&
        (c = strcmp(x->path, y->path)) != 0)
        return c; /* grouped by file */
    if (sev_of(x) != sev_of(y))
        return sev_of(x) > sev_of(y) ? -1 : 1;
    if (x->pkg_name != NULL && y->pkg_name != NULL && (c = strcmp(x->pkg_name, y->pkg_name)) != 0)
        return c;
    if ((c = strcmp(report_rule_id(x), report_rule_id(y))) != 0)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Cut columns (highest shrink order first) until a row fits in max_width. */
static void fit(struct grid *g, size_t max_width)
{
    size_t total = 0;

    for (size_t c = 0; c < g->ncol; c++)
        total += g->width[c] + (c + 1 < g->ncol ? 2 : 0);
    for (unsigned order = 1; order <= 6 && total > max_width; order++)
        for (size_t c = 0; c < g->ncol && total > max_width; c++) {
            size_t floor = strlen(g->cols[c].head), give;

            if (g->cols[c].shrink != order)
                continue;
            floor = floor > TABLE_MIN_COL ? floor : TABLE_MIN_COL;
            if (g->width[c] <= floor)
                continue;
            give =
                g->width[c] - floor < total - max_width ? g->width[c] - floor : total - max_width;
            g->width[c] -= give;
            total -= give;
        }
}

/* Pad with spaces from w to width + 2 (the gap), unless last. */
static int pad(FILE *f, size_t w, size_t width, bool last)
{
    for (size_t i = w; !last && i < width + 2; i++)
        if (fputc(' ', f) == EOF)
            return -1;
    return 0;
}

static int put_row(FILE *f, const struct grid *g, size_t row, const struct moat_finding *fd,
                   bool color)
{
    size_t last = g->ncol; /* no padding after the last non-empty cell */

    while (last > 1 && g->cell[row * g->ncol + last - 1][0] == '\0')
        last--;
    for (size_t c = 0; c < last; c++) {
        size_t k = row * g->ncol + c, w = g->cw[k];
        char *cut = NULL;
        const char *text = g->cell[k];
        bool sev = color && strcmp(g->cols[c].head, "SEVERITY") == 0;
        int r;

        if (w > g->width[c]) { /* cut to the fitted width */
            if ((cut = moat_text_cell(text, g->width[c], &w)) == NULL)
                return -1;
            text = cut;
        }
        r = (sev && fputs(SEV_COLOR[sev_of(fd)], f) == EOF) || fputs(text, f) == EOF ||
                    (sev && fputs("\033[0m", f) == EOF) || pad(f, w, g->width[c], c + 1 == last) < 0
                ? -1
                : 0;
        free(cut);
        if (r < 0)
            return -1;
    }
    return fputc('\n', f) == EOF ? -1 : 0;
}

static int put_head(FILE *f, const struct grid *g)
{
    for (size_t c = 0; c < g->ncol; c++)
        if (fputs(g->cols[c].head, f) == EOF ||
            pad(f, strlen(g->cols[c].head), g->width[c], c + 1 == g->ncol) < 0)
            return -1;
    if (fputc('\n', f) == EOF)
        return -1;
    for (size_t c = 0; c < g->ncol; c++) {
        for (size_t i = 0; i < g->width[c]; i++)
            if (fputc('-', f) == EOF)
                return -1;
        if (c + 1 < g->ncol && fputs("  ", f) == EOF)
            return -1;
    }
    return fputc('\n', f) == EOF ? -1 : 0;
}

static int section(FILE *f, const struct moat_report_ctx *ctx, enum moat_finding_kind kind,
                   const struct moat_findings *fs)
{
    const struct moat_finding **rows = NULL;
    struct extras x = {false, false, false};
    struct grid g = {0};
    bool groups = false;
    int r = -1;

    for (size_t i = 0; i < fs->n; i++)
        if (fs->v[i].kind == kind)
            g.nrow++;
    if (g.nrow == 0)
        return 0;
    if ((rows = calloc(g.nrow, sizeof(*rows))) == NULL)
        return -1;
    for (size_t i = 0, k = 0; i < fs->n; i++) {
        const struct moat_finding *fd = &fs->v[i];

        if (fd->kind != kind)
            continue;
        rows[k++] = fd;
        x.vex |= fd->vex != MOAT_VEX_NONE;
        x.dl |= dl_id(fd)[0] != '\0';
        x.cis |= fd->cis != NULL;
        /* lint findings point into files (layer -1, a line): one group per file */
        groups |= kind == MOAT_FINDING_MISCONFIG && fd->layer < 0 && fd->line > 0;
    }
    qsort(rows, g.nrow, sizeof(*rows), row_cmp);
    g.ncol = columns(kind, &x, g.cols);
    if (g.nrow > SIZE_MAX / sizeof(char *) / NCOL_MAX)
        goto out;
    g.cell = calloc(g.nrow * g.ncol, sizeof(*g.cell));
    g.cw = calloc(g.nrow * g.ncol, sizeof(*g.cw));
    if (g.cell == NULL || g.cw == NULL)
        goto out;
    for (size_t c = 0; c < g.ncol; c++)
        g.width[c] = strlen(g.cols[c].head);
    for (size_t i = 0; i < g.nrow; i++)
        for (size_t c = 0; c < g.ncol; c++) {
            char *raw = cell_raw(g.cols[c].head, rows[i]);
            size_t k = i * g.ncol + c;

            if (raw == NULL)
                goto out;
            g.cell[k] = moat_text_cell(raw, g.cols[c].max ? g.cols[c].max : 4096, &g.cw[k]);
            free(raw);
            if (g.cell[k] == NULL)
                goto out;
            if (g.cw[k] > g.width[c])
                g.width[c] = g.cw[k];
        }
    if (ctx->width > 0)
        fit(&g, (size_t)ctx->width);
    if (fprintf(f, "\n%s (%zu)\n", report_kind_title(kind), g.nrow) < 0)
        goto out;
    for (size_t i = 0; i < g.nrow; i++) {
        if (groups && (i == 0 || strcmp(rows[i]->path, rows[i - 1]->path) != 0)) {
            size_t w;
            char *name = moat_text_cell(rows[i]->path, 4096, &w);

            if (name == NULL || fprintf(f, "%s%s\n", i == 0 ? "" : "\n", name) < 0 ||
                put_head(f, &g) < 0) {
                free(name);
                goto out;
            }
            free(name);
        } else if (!groups && i == 0 && put_head(f, &g) < 0) {
            goto out;
        }
        if (put_row(f, &g, i, rows[i], ctx->color) < 0)
            goto out;
    }
    r = 0;
out:
    if (g.cell != NULL)
        for (size_t i = 0; i < g.nrow * g.ncol; i++)
            free(g.cell[i]);
    free(g.cell);
    free(g.cw);
    free(rows);
    return r;
}

/* "Total: 12 (CRITICAL: 1, HIGH: 3, ...)", coloured like the cells. */
static int total(FILE *f, const struct moat_findings *fs, bool color)
{
    size_t counts[5] = {0};

    for (size_t i = 0; i < fs->n; i++)
        counts[sev_of(&fs->v[i])]++;
    if (fprintf(f, "\nTotal: %zu (", fs->n) < 0)
        return -1;
    for (int s = MOAT_SEV_CRITICAL; s >= MOAT_SEV_UNKNOWN; s--)
        if (fprintf(f, "%s%s%s: %zu%s", color ? SEV_COLOR[s] : "",
                    moat_severity_name((enum moat_severity)s), color ? "\033[0m" : "", counts[s],
                    s > MOAT_SEV_UNKNOWN ? ", " : "") < 0)
            return -1;
    return fputs(")\n", f) == EOF ? -1 : 0;
}

/* "Target: NAME (sha256:abcdef012345) debian 12, 140 packages" and the database note. */
static int header(FILE *f, const struct report_run *run)
{
    const struct moat_report_ctx *ctx = run->ctx;
    const struct moat_image_meta *m = ctx->meta;
    const char *digest = m == NULL                    ? NULL
                         : m->manifest_digest != NULL ? m->manifest_digest
                                                      : m->config_digest;
    const char *name = m != NULL && m->name != NULL ? m->name : run->target;
    char *raw = NULL, *line;
    size_t w;
    int r;

    if (asprintf(&raw, "Target: %s%s%.19s%s", name, digest != NULL ? " (" : "",
                 digest != NULL ? digest : "", digest != NULL ? ")" : "") < 0)
        return -1;
    line = moat_text_cell(raw, 300, &w);
    free(raw);
    r = line == NULL || fputs(line, f) == EOF ? -1 : 0;
    free(line);
    if (r == 0 && ctx->inv != NULL && ctx->inv->os.id != NULL) {
        if (asprintf(&raw, " %s %s", ctx->inv->os.id,
                     ctx->inv->os.version_id != NULL ? ctx->inv->os.version_id : "") < 0)
            return -1;
        line = moat_text_cell(raw, 80, &w);
        free(raw);
        r = line == NULL || fputs(line, f) == EOF ? -1 : 0;
        free(line);
    }
    if (r == 0 && ctx->inv != NULL)
        r = fprintf(f, "%s%zu packages", ctx->inv->os.id != NULL ? ", " : " ", ctx->inv->n_pkgs) < 0
                ? -1
                : 0;
    if (r == 0)
        r = fputc('\n', f) == EOF ? -1 : 0;
    for (size_t i = 0; r == 0 && i < ctx->n_scanners; i++) /* what "no secrets" means */
        r = fprintf(f, "%s%s%s", i == 0 ? "Scanned for: " : ", ", ctx->scanners[i],
                    i + 1 == ctx->n_scanners ? "\n" : "") < 0
                ? -1
                : 0;
    if (r == 0 && ctx->db_note != NULL) {
        char *note = moat_text_cell(ctx->db_note, 200, &w);

        r = note == NULL || fprintf(f, "%s\n", note) < 0 ? -1 : 0;
        free(note);
    }
    return r;
}

int report_write_table(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                       struct moat_err *err)
{
    static const enum moat_finding_kind kinds[] = {MOAT_FINDING_VULN, MOAT_FINDING_SECRET,
                                                   MOAT_FINDING_MISCONFIG, MOAT_FINDING_POLICY};
    int r = header(f, run);

    for (size_t k = 0; r == 0 && k < sizeof(kinds) / sizeof(kinds[0]); k++)
        r = section(f, run->ctx, kinds[k], fs);
    if (r == 0)
        r = fs->n == 0 ? (fputs("\nNo findings.\n", f) == EOF ? -1 : 0)
                       : total(f, fs, run->ctx->color);
    if (r < 0 || fflush(f) == EOF || ferror(f))
        return moat_err_set(err, ferror(f) ? MOAT_E_IO : MOAT_E_NOMEM, "table: %s",
                            ferror(f) ? "write failed" : "out of memory");
    return 0;
}
