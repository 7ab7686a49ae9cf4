/*
 * scan_rules.c - what the pipeline hands the report writers (rule-level
 * text of the scanners' rules, the report context) and the names of the
 * scanners.
 */
#include <stdlib.h>
#include <string.h>

#include "moat/scan/scan.h"
#include "moat/secret/secret.h"

bool moat_scan_rule_info(void *arg, const struct moat_finding *f, struct moat_report_rule *out)
{
    const struct moat_misconfig_rule *mr;
    const struct moat_secret_rule *sr;
    size_t n;

    (void)arg;
    if (f->kind == MOAT_FINDING_MISCONFIG && (mr = moat_misconfig_rule_find(f->rule_id)) != NULL) {
        out->title = mr->title;
        out->description = mr->description;
        out->remediation = mr->remediation;
        out->cis = mr->cis;
        return true;
    }
    n = f->kind == MOAT_FINDING_SECRET ? moat_secret_builtin_rules(&sr) : 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(sr[i].id, f->rule_id) == 0) {
            out->title = sr[i].title;
            out->description = sr[i].description;
            out->remediation = sr[i].remediation;
            return true;
        }
    }
    return false;
}

void moat_scan_report_ctx(const struct moat_scan_result *r, const char *target,
                          struct moat_report_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->tool_version = MOAT_VERSION;
    ctx->target = target;
    ctx->meta = r->meta;
    ctx->inv = &r->inv;
    ctx->rule_info = moat_scan_rule_info;
    /* what ran, so "0 secrets" from a vuln-only scan is not read as "no secrets" */
    ctx->scanners = r->scanner_names;
    ctx->n_scanners = r->n_scanner_names;
    ctx->warnings = &r->warnings;
}

int moat_scan_scanners_parse(const char *list, unsigned *out)
{
    const char *p = list;

    *out = 0;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");

        if (n == 4 && strncmp(p, "vuln", 4) == 0)
            *out |= MOAT_SCANNER_VULN;
        else if (n == 6 && strncmp(p, "secret", 6) == 0)
            *out |= MOAT_SCANNER_SECRET;
        else if (n == 9 && strncmp(p, "misconfig", 9) == 0)
            *out |= MOAT_SCANNER_MISCONFIG;
        else
            return -MOAT_E_ARG;
        p += n;
        if (*p == ',' && *++p == '\0')
            return -MOAT_E_ARG; /* a trailing comma names nothing */
    }
    return *out != 0 ? 0 : -MOAT_E_ARG;
}
