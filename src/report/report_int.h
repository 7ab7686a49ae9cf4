/*
 * report_int.h - helpers the report/ writers share (not part of report.h;
 * tests may include it). Every char * returned is malloc'd and owned by the
 * caller; every json_t * is a new reference owned by the caller.
 */
#ifndef MOAT_REPORT_REPORT_INT_H
#define MOAT_REPORT_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "moat/base/buf.h"
#include "moat/base/json.h"
#include "moat/base/text.h"
#include "moat/report/report.h"

/* SARIF tool.driver.informationUri: README.md names no project URL, so the GitHub name. */
#define REPORT_INFO_URI "https://github.com/moat-security/moat"

static inline const char *report_rule_id(const struct moat_finding *f)
{
    return f->rule_id != NULL && f->rule_id[0] != '\0' ? f->rule_id : "unknown";
}

/* A write's resolved context: defaults filled in. */
struct report_run {
    const struct moat_report_ctx *ctx;
    const char *tool_version; /* never NULL */
    const char *target;       /* never NULL */
    char timestamp[32];       /* RFC 3339 UTC */
    char uuid[37];            /* lowercase 8-4-4-4-12 */
};

int report_run_init(struct report_run *run, const struct moat_report_ctx *ctx,
                    struct moat_err *err);

/* Dump v (stolen) to f with two-space indentation and a final newline. */
int report_dump(FILE *f, json_t *v, const char *what, struct moat_err *err);

/* "vulnerability", "secret", "misconfiguration", "policy". */
const char *report_kind_name(enum moat_finding_kind k);
/* "Vulnerabilities", "Secrets", "Misconfigurations", "Policy violations". */
const char *report_kind_title(enum moat_finding_kind k);
/* "fixed", "affected", "will_not_fix" or NULL when not a vulnerability. */
const char *report_fix_name(enum moat_fix_status s);
/* Human status: "fixed in X", "affected, no fix", "won't fix" or "". Caller frees. */
char *report_fix_text(const struct moat_finding *f);
/* 1 when a VEX statement said not_affected or fixed. */
bool report_suppressed(const struct moat_finding *f);
/* The package database the finding's package came from, or NULL. */
const char *report_pkg_db_path(const struct moat_inventory *inv, const struct moat_finding *f);
/* One line describing the finding: "openssl 3.0.11-1: CVE-2024-1 (fixed in 3.0.13-1)". Caller
 * frees. */
char *report_message(const struct moat_finding *f);
/* "Upgrade openssl to 3.0.13-1" / the remediation text / NULL. Caller frees. */
char *report_recommendation(const struct moat_finding *f);

int report_write_table(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                       struct moat_err *err);
int report_write_json(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                      struct moat_err *err);
int report_write_sarif(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                       struct moat_err *err);
int report_write_junit(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                       struct moat_err *err);
int report_write_cyclonedx(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                           struct moat_err *err);

#endif
