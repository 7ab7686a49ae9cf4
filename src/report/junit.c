/*
 * junit.c - JUnit XML for CI servers (Jenkins, GitLab, ...): one testsuite
 * per vulnerable package (type:name@version) and one per other finding kind,
 * one testcase per finding with a <failure> (or <skipped> when a VEX
 * statement suppressed it).
 *
 * Everything is escaped for XML 1.0: markup characters become entities, and
 * characters XML 1.0 cannot hold at all (C0 controls other than tab, LF, CR;
 * U+FFFE/U+FFFF) are written as visible "\xNN" text, since no entity can
 * carry them. Invalid UTF-8 becomes U+FFFD. In attributes tab/LF/CR are
 * character references so parsers do not normalise them to spaces.
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

static int put_esc(FILE *f, const char *s, int attr)
{
    char *u = moat_utf8_repair(s != NULL ? s : "");
    const unsigned char *p;
    int r = 0;

    if (u == NULL)
        return -1;
    for (p = (const unsigned char *)u; *p != '\0' && r >= 0; p++) {
        unsigned c = *p;

        if (c == '&')
            r = fputs("&amp;", f);
        else if (c == '<')
            r = fputs("&lt;", f);
        else if (c == '>')
            r = fputs("&gt;", f);
        else if (c == '"' && attr)
            r = fputs("&quot;", f);
        else if (c == '\'' && attr)
            r = fputs("&apos;", f);
        else if ((c == '\t' || c == '\n' || c == '\r') && attr)
            r = fprintf(f, "&#%u;", c);
        else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            r = fprintf(f, "\\x%02x", c);
        else if (c == 0x7f)
            r = fputs("\\x7f", f);
        else if (c == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
            r = fprintf(f, "\\u%s", p[2] == 0xbe ? "fffe" : "ffff");
            p += 2;
        } else
            r = fputc((int)c, f) == EOF ? -1 : 0;
    }
    free(u);
    return r < 0 ? -1 : 0;
}

/* The group a finding reports under; caller frees. */
static char *group_of(const struct moat_finding *f)
{
    char *s = NULL;

    if (f->kind == MOAT_FINDING_VULN) {
        if (asprintf(&s, "%s:%s@%s", f->pkg_type != NULL ? f->pkg_type : "pkg",
                     f->pkg_name != NULL ? f->pkg_name : "unknown",
                     f->pkg_version != NULL ? f->pkg_version : "") < 0)
            return NULL;
        return s;
    }
    return strdup(report_kind_title(f->kind));
}

static int testcase(FILE *f, const struct moat_finding *fd, const char *group)
{
    char *msg = report_message(fd), *rec = report_recommendation(fd);
    int r = msg == NULL ? -1 : 0;

    r |= fputs("    <testcase classname=\"", f) == EOF ? -1 : 0;
    r |= put_esc(f, group, 1);
    r |= fputs("\" name=\"[", f) == EOF ? -1 : 0;
    r |= put_esc(f, moat_severity_name(fd->severity), 1);
    r |= fputs("] ", f) == EOF ? -1 : 0;
    r |= put_esc(f, report_rule_id(fd), 1);
    r |= fputs("\" time=\"0\">\n", f) == EOF ? -1 : 0;
    if (report_suppressed(fd)) {
        r |= fputs("      <skipped message=\"VEX ", f) == EOF ? -1 : 0;
        r |= put_esc(f, moat_vex_status_name(fd->vex), 1);
        if (fd->vex_justification != NULL) {
            r |= fputs(": ", f) == EOF ? -1 : 0;
            r |= put_esc(f, fd->vex_justification, 1);
        }
        r |= fputs("\"/>\n", f) == EOF ? -1 : 0;
    } else {
        r |= fputs("      <failure message=\"", f) == EOF ? -1 : 0;
        r |= put_esc(f, msg, 1);
        r |= fputs("\" type=\"", f) == EOF ? -1 : 0;
        r |= put_esc(f, moat_severity_name(fd->severity), 1);
        r |= fputs("\">", f) == EOF ? -1 : 0;
        r |= put_esc(f, msg, 0);
        if (fd->description != NULL) {
            r |= fputs("\n\n", f) == EOF ? -1 : 0;
            r |= put_esc(f, fd->description, 0);
        }
        if (rec != NULL) {
            r |= fputs("\n\nRemediation: ", f) == EOF ? -1 : 0;
            r |= put_esc(f, rec, 0);
        }
        if (fd->primary_url != NULL) {
            r |= fputs("\n", f) == EOF ? -1 : 0;
            r |= put_esc(f, fd->primary_url, 0);
        }
        r |= fputs("</failure>\n", f) == EOF ? -1 : 0;
    }
    r |= fputs("    </testcase>\n", f) == EOF ? -1 : 0;
    free(msg);
    free(rec);
    return r;
}

struct grp {
    char *name;
    size_t tests, skipped;
};

int report_write_junit(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                       struct moat_err *err)
{
    char **gname = NULL;
    struct grp *g = NULL;
    size_t ng = 0, skipped = 0;
    int r = 0;

    if (fs->n > 0) {
        gname = calloc(fs->n, sizeof(*gname));
        g = calloc(fs->n, sizeof(*g));
        if (gname == NULL || g == NULL)
            r = -1;
    }
    /* Groups in first-seen order (findings arrive sorted by severity). */
    for (size_t i = 0; r == 0 && i < fs->n; i++) {
        size_t k;

        gname[i] = group_of(&fs->v[i]);
        if (gname[i] == NULL) {
            r = -1;
            break;
        }
        for (k = 0; k < ng && strcmp(g[k].name, gname[i]) != 0; k++)
            ;
        if (k == ng)
            g[ng++].name = gname[i];
        g[k].tests++;
        g[k].skipped += report_suppressed(&fs->v[i]);
        skipped += report_suppressed(&fs->v[i]);
    }
    if (r == 0) {
        r |=
            fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"moat: ", f) == EOF
                ? -1
                : 0;
        r |= put_esc(f, run->target, 1);
        r |= fprintf(f,
                     "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\">\n",
                     fs->n, fs->n - skipped, skipped) < 0
                 ? -1
                 : 0;
    }
    for (size_t k = 0; r == 0 && k < ng; k++) {
        r |= fputs("  <testsuite name=\"", f) == EOF ? -1 : 0;
        r |= put_esc(f, g[k].name, 1);
        r |= fprintf(f,
                     "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\" "
                     "timestamp=\"",
                     g[k].tests, g[k].tests - g[k].skipped, g[k].skipped) < 0
                 ? -1
                 : 0;
        /* JUnit timestamps carry no zone: drop the trailing Z of our UTC time. */
        r |= fprintf(f, "%.19s\" hostname=\"moat\">\n", run->timestamp) < 0 ? -1 : 0;
        for (size_t i = 0; r == 0 && i < fs->n; i++)
            if (strcmp(gname[i], g[k].name) == 0)
                r |= testcase(f, &fs->v[i], g[k].name);
        r |= fputs("  </testsuite>\n", f) == EOF ? -1 : 0;
    }
    if (r == 0)
        r |= fputs("</testsuites>\n", f) == EOF ? -1 : 0;
    for (size_t i = 0; gname != NULL && i < fs->n; i++)
        free(gname[i]);
    free(gname);
    free(g);
    if (r != 0 || fflush(f) == EOF || ferror(f))
        return moat_err_set(err, ferror(f) ? MOAT_E_IO : MOAT_E_NOMEM, "junit: %s",
                            ferror(f) ? "write failed" : "out of memory");
    return 0;
}
