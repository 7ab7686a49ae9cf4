/*
 * report.h - scan report writers (table, moat JSON, SARIF 2.1.0, JUnit XML,
 * CycloneDX 1.5 with vulnerabilities) and VEX input (OpenVEX, CycloneDX VEX).
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

#include "../base/error.h"
#include "../base/finding.h"
#include "../base/warning.h"
#include "../catalog/catalog.h"
#include "../source/image.h"

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

/*
 * VEX input: OpenVEX (https://github.com/openvex/spec, v0.0.1 string forms
 * and v0.2.0 objects) and CycloneDX 1.4-1.6 JSON with
 * vulnerabilities[].analysis. The file is read whole (capped at
 * MOAT_VEX_MAX_BYTES), checked for types, and kept as a list of statements.
 * Errors name the file and the JSON path ("vex.json: statements[2].status:
 * expected a string").
 */
#define MOAT_VEX_MAX_BYTES (64u << 20)
#define MOAT_VEX_MAX_STATEMENTS 1000000u

struct moat_vex;
int moat_vex_load(const char *path, struct moat_vex **out, struct moat_err *err);
/* The same from bytes already in memory; `where` names them in errors. */
int moat_vex_load_mem(const char *where, const void *data, size_t len, struct moat_vex **out,
                      struct moat_err *err);
void moat_vex_free(struct moat_vex *v);
/* Number of statements loaded (for messages and tests). */
size_t moat_vex_count(const struct moat_vex *v);

/*
 * Mark the findings a VEX statement covers: set f->vex and
 * f->vex_justification (the justification label, else the free-text impact
 * statement / CycloneDX detail). A statement matches a finding when its
 * vulnerability id or one of its aliases equals the finding's rule_id or one
 * of its aliases (case-insensitive), and its products cover the finding's
 * package:
 *   - a product purl equal to the package purl (type, namespace, name;
 *     version and each qualifier only when the statement gives them);
 *   - an image-level product (a pkg:oci/ or pkg:docker/ purl, or the
 *     CycloneDX metadata.component) covers every package of the scanned
 *     image, or only the listed subcomponents when it has some;
 *   - a statement with no products at all covers every package.
 * When several statements match, the latest (statement timestamp, else the
 * document's; document order breaks ties) wins, as OpenVEX's inheritance
 * says. Non-vulnerability findings are matched on rule id alone.
 * Returns the number of findings marked, or a negative -MOAT_E_*.
 */
int moat_vex_apply(const struct moat_vex *v, struct moat_findings *findings, struct moat_err *err);

/* "not_affected", "affected", "fixed", "under_investigation" or NULL for MOAT_VEX_NONE. */
const char *moat_vex_status_name(enum moat_vex_status s);

#endif
