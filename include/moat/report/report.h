/*
 * report.h - scan report writers (table, moat JSON, SARIF 2.1.0, JUnit XML,
 * CycloneDX 1.5 with vulnerabilities). VEX input is vex/vex.h.
 *
 * This room formats findings other rooms computed; it never computes a
 * finding and never decides an exit code. Every writer takes all four finding
 * kinds (vulnerability, secret, misconfiguration, policy); CycloneDX carries
 * only vulnerabilities, since it has no place for the others.
 */
#ifndef MOAT_REPORT_REPORT_H
#define MOAT_REPORT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"
#include "moat/base/warning.h"
#include "moat/catalog/catalog.h"
#include "moat/source/image.h"

enum moat_report_format {
    MOAT_REPORT_TABLE = 1,
    MOAT_REPORT_JSON,
    MOAT_REPORT_SARIF,
    MOAT_REPORT_JUNIT,
    MOAT_REPORT_CYCLONEDX,
};

/*
 * Rule-level text for a finding's rule (SARIF reportingDescriptor), where
 * the finding itself only carries text about that one finding: a secret's or
 * a misconfiguration's description says which file or variable, not what the
 * rule looks for. Every field may be NULL; the strings must stay valid until
 * moat_report_write returns (rule tables are static).
 */
struct moat_report_rule {
    const char *title;       /* one line; NULL = the finding's title */
    const char *description; /* what the rule detects, the same for every finding */
    const char *remediation; /* NULL = the finding's remediation */
    const char *help_uri;    /* an http(s) page about the rule, or NULL */
    const char *cis;         /* CIS Docker Benchmark section; NULL = the finding's */
};

/* Fill *out (zeroed by the caller) for f's rule and return true, or return false when unknown. */
typedef bool (*moat_report_rule_fn)(void *arg, const struct moat_finding *f,
                                    struct moat_report_rule *out);

struct moat_report_ctx {
    const char *tool_version;
    const char *target; /* what was scanned, as the user named it (image ref or SBOM file) */
    const struct moat_image_meta *meta; /* NULL when the target is an SBOM file */
    const struct moat_inventory
        *inv;                     /* packages scanned (CycloneDX components, counts); may be NULL */
    const char *timestamp, *uuid; /* NULL = now / random; fixed in tests */
    const char *db_note;          /* e.g. "vulnerability db: 2026-11-20, 3 days old" or NULL */
    /* Optional rule-level metadata (cli/ wires the scanners' rule tables; report/ depends on
     * none of them). Without it, a vulnerability's description describes its rule and, for the
     * other kinds, the rule is described by its title, CIS section and remediation. */
    moat_report_rule_fn rule_info;
    void *rule_info_arg;
    /* The scanners that ran ("vuln", "secret", "misconfig"), so a reader can tell "no secrets
     * found" from "secrets not looked for". n_scanners == 0: not said (JSON writes null). */
    const char *const *scanners;
    size_t n_scanners;
    /* What limited the answer (JSON "warnings", SARIF tool notifications); may be NULL. */
    const struct moat_warnings *warnings;
    /* The table only: fit rows into this many columns (0 = no limit), and colour severities
     * with ANSI escapes. cli/ sets them from the terminal, --color and NO_COLOR. */
    int width;
    bool color;
};

/* "table", "json", "sarif", "junit", "cyclonedx" (case-insensitive); -MOAT_E_ARG otherwise. */
int moat_report_format_parse(const char *s, enum moat_report_format *out);

/*
 * Write findings (in the order given; callers sort with moat_findings_sort)
 * to f. Findings whose VEX status is not_affected or fixed are written as
 * suppressed where the format can say so (SARIF suppressions, JUnit skipped,
 * CycloneDX analysis, a VEX column in the table); callers that do not want
 * them drop them first. 0, or -MOAT_E_IO / -MOAT_E_NOMEM with err set.
 */
int moat_report_write(FILE *f, enum moat_report_format fmt, const struct moat_report_ctx *ctx,
                      const struct moat_findings *findings, struct moat_err *err);

/* "not_affected", "affected", "fixed", "under_investigation" or NULL for MOAT_VEX_NONE. */
const char *moat_vex_status_name(enum moat_vex_status s);

#endif
