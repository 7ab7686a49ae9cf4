/*
 * report.c - format names, the resolved write context, and the small text
 * helpers every writer shares (UTF-8 repair, fix status text, messages).
 */
#include "report_int.h"
#include "moat/base/time.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

int moat_report_format_parse(const char *s, enum moat_report_format *out)
{
    static const struct {
        const char *name;
        enum moat_report_format fmt;
    } map[] = {
        {"table", MOAT_REPORT_TABLE},         {"json", MOAT_REPORT_JSON},
        {"sarif", MOAT_REPORT_SARIF},         {"junit", MOAT_REPORT_JUNIT},
        {"cyclonedx", MOAT_REPORT_CYCLONEDX},
    };

    if (s == NULL)
        return -MOAT_E_ARG;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcasecmp(s, map[i].name) == 0) {
            *out = map[i].fmt;
            return 0;
        }
    }
    return -MOAT_E_ARG;
}

int report_run_init(struct report_run *run, const struct moat_report_ctx *ctx, struct moat_err *err)
{
    memset(run, 0, sizeof(*run));
    run->ctx = ctx;
    run->tool_version = ctx->tool_version != NULL ? ctx->tool_version : MOAT_VERSION;
    run->target = ctx->target != NULL                           ? ctx->target
                  : ctx->meta != NULL && ctx->meta->ref != NULL ? ctx->meta->ref
                                                                : "unknown";
    if (ctx->timestamp != NULL) {
        if (strlen(ctx->timestamp) >= sizeof(run->timestamp))
            return moat_err_set(err, MOAT_E_ARG, "report: timestamp too long: %s", ctx->timestamp);
        memcpy(run->timestamp, ctx->timestamp, strlen(ctx->timestamp) + 1);
    } else {
        if (moat_time_format((int64_t)time(NULL), run->timestamp) < 0)
            return moat_err_set(err, MOAT_E_IO, "report: cannot read the clock");
    }
    if (ctx->uuid != NULL) {
        size_t n = strlen(ctx->uuid);

        if (n != 36)
            return moat_err_set(err, MOAT_E_ARG, "report: not a UUID: %s", ctx->uuid);
        for (size_t i = 0; i < n; i++) {
            char c = ctx->uuid[i];
            run->uuid[i] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
        }
    } else {
        unsigned char r[16];
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;

        if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
            return moat_err_set(err, MOAT_E_IO, "report: no randomness for a UUID");
        r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
        r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
        for (size_t i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                run->uuid[o++] = '-';
            run->uuid[o++] = hex[r[i] >> 4];
            run->uuid[o++] = hex[r[i] & 15];
        }
    }
    return 0;
}

int moat_report_write(FILE *f, enum moat_report_format fmt, const struct moat_report_ctx *ctx,
                      const struct moat_findings *findings, struct moat_err *err)
{
    static const struct moat_findings none = {0};
    struct report_run run;
    int r;

    if (f == NULL || ctx == NULL)
        return moat_err_set(err, MOAT_E_ARG, "report: no output or context");
    if (findings == NULL)
        findings = &none;
    r = report_run_init(&run, ctx, err);
    if (r < 0)
        return r;
    switch (fmt) {
    case MOAT_REPORT_TABLE:
        return report_write_table(f, &run, findings, err);
    case MOAT_REPORT_JSON:
        return report_write_json(f, &run, findings, err);
    case MOAT_REPORT_SARIF:
        return report_write_sarif(f, &run, findings, err);
    case MOAT_REPORT_JUNIT:
        return report_write_junit(f, &run, findings, err);
    case MOAT_REPORT_CYCLONEDX:
        return report_write_cyclonedx(f, &run, findings, err);
    }
    return moat_err_set(err, MOAT_E_ARG, "report: unknown format %d", (int)fmt);
}

int report_dump(FILE *f, json_t *v, const char *what, struct moat_err *err)
{
    int r;

    if (v == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", what);
    r = json_dumpf(v, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(v);
    if (r < 0 || fputc('\n', f) == EOF || fflush(f) == EOF || ferror(f))
        return moat_err_set(err, MOAT_E_IO, "%s: write failed", what);
    return 0;
}

const char *report_kind_name(enum moat_finding_kind k)
{
    switch (k) {
    case MOAT_FINDING_VULN:
        return "vulnerability";
    case MOAT_FINDING_SECRET:
        return "secret";
    case MOAT_FINDING_MISCONFIG:
        return "misconfiguration";
    case MOAT_FINDING_POLICY:
        return "policy";
    }
    return "unknown";
}

const char *report_kind_title(enum moat_finding_kind k)
{
    switch (k) {
    case MOAT_FINDING_VULN:
        return "Vulnerabilities";
    case MOAT_FINDING_SECRET:
        return "Secrets";
    case MOAT_FINDING_MISCONFIG:
        return "Misconfigurations";
    case MOAT_FINDING_POLICY:
        return "Policy violations";
    }
    return "Other findings";
}

const char *report_fix_name(enum moat_fix_status s)
{
    switch (s) {
    case MOAT_FIX_AVAILABLE:
        return "fixed";
    case MOAT_FIX_NOT_FIXED:
        return "affected";
    case MOAT_FIX_WONT_FIX:
        return "will_not_fix";
    case MOAT_FIX_NONE:
        break;
    }
    return NULL;
}

char *report_fix_text(const struct moat_finding *f)
{
    char *s = NULL;

    switch (f->fix) {
    case MOAT_FIX_AVAILABLE:
        if (asprintf(&s, "fixed in %s", f->fixed_version != NULL ? f->fixed_version : "?") < 0)
            return NULL;
        return s;
    case MOAT_FIX_NOT_FIXED:
        return strdup("affected, no fix");
    case MOAT_FIX_WONT_FIX:
        return strdup("won't fix");
    case MOAT_FIX_NONE:
        break;
    }
    return strdup("");
}

bool report_suppressed(const struct moat_finding *f)
{
    return f->vex == MOAT_VEX_NOT_AFFECTED || f->vex == MOAT_VEX_FIXED;
}

const char *moat_vex_status_name(enum moat_vex_status s)
{
    switch (s) {
    case MOAT_VEX_NOT_AFFECTED:
        return "not_affected";
    case MOAT_VEX_AFFECTED:
        return "affected";
    case MOAT_VEX_FIXED:
        return "fixed";
    case MOAT_VEX_UNDER_INVESTIGATION:
        return "under_investigation";
    case MOAT_VEX_NONE:
        break;
    }
    return NULL;
}

static int str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

const char *report_pkg_db_path(const struct moat_inventory *inv, const struct moat_finding *f)
{
    if (inv == NULL || f->pkg_name == NULL)
        return NULL;
    /* inventories are sorted by type, name, version: a linear scan is fine for one report. */
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const struct moat_pkg *p = &inv->pkgs[i];

        if (str_eq(p->name, f->pkg_name) && str_eq(p->version, f->pkg_version) &&
            p->db_path != NULL)
            return p->db_path;
    }
    return NULL;
}

char *report_message(const struct moat_finding *f)
{
    char *s = NULL, *fix;
    const char *title = f->title != NULL && f->title[0] != '\0' ? f->title : NULL;
    int r;

    if (f->kind == MOAT_FINDING_VULN) {
        fix = report_fix_text(f);
        if (fix == NULL)
            return NULL;
        r = asprintf(&s, "%s %s is affected by %s (%s)%s%s",
                     f->pkg_name != NULL ? f->pkg_name : "package",
                     f->pkg_version != NULL ? f->pkg_version : "", report_rule_id(f), fix,
                     title != NULL ? ": " : "", title != NULL ? title : "");
        free(fix);
    } else if (f->path != NULL && f->line > 0) {
        r = asprintf(&s, "%s: %s (%s:%lu)", report_rule_id(f),
                     title != NULL ? title : report_kind_name(f->kind), f->path,
                     (unsigned long)f->line);
    } else if (f->path != NULL) {
        r = asprintf(&s, "%s: %s (%s)", report_rule_id(f),
                     title != NULL ? title : report_kind_name(f->kind), f->path);
    } else {
        r = asprintf(&s, "%s: %s", report_rule_id(f),
                     title != NULL ? title : report_kind_name(f->kind));
    }
    return r < 0 ? NULL : s;
}

char *report_recommendation(const struct moat_finding *f)
{
    char *s = NULL;

    if (f->kind == MOAT_FINDING_VULN && f->fix == MOAT_FIX_AVAILABLE && f->fixed_version != NULL) {
        if (asprintf(&s, "Upgrade %s to %s", f->pkg_name != NULL ? f->pkg_name : "the package",
                     f->fixed_version) < 0)
            return NULL;
        return s;
    }
    if (f->remediation != NULL && f->remediation[0] != '\0')
        return strdup(f->remediation);
    if (f->kind == MOAT_FINDING_VULN && f->fix == MOAT_FIX_WONT_FIX)
        return strdup("The distribution will not fix this; remove the package or accept the risk");
    if (f->kind == MOAT_FINDING_VULN && f->fix == MOAT_FIX_NOT_FIXED)
        return strdup("No fixed version is available yet");
    return NULL;
}
