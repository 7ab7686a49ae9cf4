/*
 * finding.h - the one struct every scanner produces and every report writes:
 * a vulnerability, secret, misconfiguration or policy violation, with a rule
 * id, severity, location and message. Findings are the only results that
 * cross rooms (ARCHITECTURE.md); scanners fill them, report/ formats them,
 * policy/ and cli/ decide what they mean for the exit code.
 */
#ifndef MOAT_BASE_FINDING_H
#define MOAT_BASE_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"

enum moat_finding_kind {
    MOAT_FINDING_VULN = 1,
    MOAT_FINDING_SECRET,
    MOAT_FINDING_MISCONFIG,
    MOAT_FINDING_POLICY,
};

/* The scanners that produce findings, as bits: which to run, and which ran. */
#define MOAT_SCANNER_VULN 1u
#define MOAT_SCANNER_SECRET 2u
#define MOAT_SCANNER_MISCONFIG 4u

/* Ordered: a comparison means "at least as severe". */
enum moat_severity {
    MOAT_SEV_UNKNOWN = 0,
    MOAT_SEV_LOW,
    MOAT_SEV_MEDIUM,
    MOAT_SEV_HIGH,
    MOAT_SEV_CRITICAL,
};

/* What is known about fixing a vulnerability in the installed package. */
enum moat_fix_status {
    MOAT_FIX_NONE = 0,  /* not a vulnerability finding */
    MOAT_FIX_AVAILABLE, /* fixed_version holds the first fixed version */
    MOAT_FIX_NOT_FIXED, /* "affected, no fix" */
    MOAT_FIX_WONT_FIX,  /* the distribution decided not to fix (e.g. Debian <no-dsa>/<ignored>) */
};

/* VEX verdict applied to the finding (input --vex), as in OpenVEX / CycloneDX analysis. */
enum moat_vex_status {
    MOAT_VEX_NONE = 0,
    MOAT_VEX_NOT_AFFECTED,
    MOAT_VEX_AFFECTED,
    MOAT_VEX_FIXED,
    MOAT_VEX_UNDER_INVESTIGATION,
};

struct moat_finding {
    enum moat_finding_kind kind;
    char *rule_id;  /* CVE-2024-1234 / GHSA-... / secret or check id; never NULL */
    char **aliases; /* other ids of the same issue (DSA-, DLA-, GHSA-), sorted, unique */
    size_t n_aliases;
    enum moat_severity severity;
    double cvss_score;     /* base score 0.0-10.0, or -1 when none */
    char *cvss_vector;     /* "CVSS:3.1/AV:N/..." or NULL */
    char *cvss_source;     /* who gave cvss_vector: as severity_source, or NULL */
    char *severity_source; /* who rated: "debian", "alpine", "ghsa", "osv", "nvd",
                              "nvd:<CNA>" (NVD's Secondary), ... or NULL (UNKNOWN) */
    char *severity_vector; /* the CVSS vector the severity was computed from, NULL for a
                              rating word (Debian's urgency) or none */
    char *title;           /* one line; NULL if none */
    char *description;     /* longer text; NULL if none */
    char *primary_url;     /* NULL if none */
    char **references;
    size_t n_references;
    char *data_source;          /* "osv:Debian", "debian-security-tracker", "alpine-secdb", ... */
    char *published, *modified; /* RFC 3339 or NULL */

    /* vulnerability: the package it is in */
    char *pkg_type; /* "deb", "apk", "rpm", "npm", ... */
    char *pkg_name;
    char *pkg_version;
    char *pkg_purl;
    char *src_name; /* source package the advisory named, NULL = pkg_name */
    enum moat_fix_status fix;
    char *fixed_version; /* NULL unless fix == MOAT_FIX_AVAILABLE */

    /* secret / misconfiguration: where in the image */
    char *path;    /* normalised path inside the image, "Dockerfile", "config:Env", ... */
    uint32_t line; /* 1-based, 0 when not applicable */
    int32_t layer; /* layer index, -1 when not applicable */
    char *match;   /* redacted evidence; never the secret itself */
    char *remediation;
    char *cis; /* CIS Docker Benchmark section, e.g. "4.1", or NULL */

    enum moat_vex_status vex;
    char *vex_justification; /* e.g. "vulnerable_code_not_in_execute_path" */
};

struct moat_findings {
    struct moat_finding *v;
    size_t n, cap;
};

const char *moat_severity_name(enum moat_severity s); /* "UNKNOWN", "LOW", ... "CRITICAL" */
/* Case-insensitive "low", "moderate"/"medium", "important"/"high", "critical", "unknown"/"none",
 * and Debian's urgencies "unimportant" (LOW) and "not yet assigned" (UNKNOWN)
 * -> 0 and *out; -MOAT_E_ARG otherwise. */
int moat_severity_parse(const char *s, enum moat_severity *out);
/* CVSS base score to qualitative severity (CVSS v3.1/v4 table; 0.0 -> UNKNOWN). */
enum moat_severity moat_severity_from_score(double score);

void moat_finding_free(struct moat_finding *f);
/* Append (moved: *f is zeroed on success). */
int moat_findings_add(struct moat_findings *fs, struct moat_finding *f, struct moat_err *err);
/* Stable order: severity descending, then rule_id, pkg_name, pkg_version, path, line. */
void moat_findings_sort(struct moat_findings *fs);
void moat_findings_free(struct moat_findings *fs);

/* What moat_findings_filter() left out. */
struct moat_filter_counts {
    size_t vex_suppressed;   /* a VEX statement settled them (not_affected, fixed) */
    size_t filtered;         /* their severity was not asked for */
    size_t filtered_unknown; /* ... of which had no known severity */
};

/*
 * Drop findings a VEX statement settled and, with a non-zero severity_mask
 * (bits 1 << MOAT_SEV_*), those whose severity is not in it. counts (may be
 * NULL) are added to.
 */
void moat_findings_filter(struct moat_findings *fs, int severity_mask,
                          struct moat_filter_counts *counts);

#endif
