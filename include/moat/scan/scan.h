/*
 * scan.h - the one scan pipeline every front end calls: source -> merged
 * view (fs/) -> catalog/ -> vuln/ + secret/ + check/ -> VEX -> filter ->
 * findings and warnings. `moat scan`, `moat sbom`, `moat admit` (fresh
 * scans) and the coming registry sources, platform audit and agent run
 * the same code, so they cannot drift apart.
 *
 * One pass reads every layer once, whatever scanners run: the catalogers'
 * files are captured, the secret scanner and the misconfig sniffer are fs
 * visitors. A target that is a stored SBOM (CycloneDX, SPDX, moat JSON)
 * gives the inventory directly; it has no files or config, so only the
 * vulnerability scanner can run on it.
 *
 * Everything that limits the answer (no OS detected, no advisories for the
 * image's release, a stale database, no packages, files a scanner could
 * not read, no image config) is a warning in the result, never silence.
 *
 * Must not: parse options, print, or decide exit codes.
 */
#ifndef MOAT_SCAN_SCAN_H
#define MOAT_SCAN_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"
#include "moat/base/warning.h"
#include "moat/catalog/catalog.h"
#include "moat/check/misconfig.h"
#include "moat/report/report.h"
#include "moat/secret/scanner.h"
#include "moat/source/image.h"
#include "moat/vuln/match.h"

#define MOAT_SCAN_MAX_VEX 64u /* VEX documents applied to one scan */

struct moat_scan_opts {
    const char *ref;          /* image reference or SBOM file, as the user named it */
    struct moat_image *image; /* an image the caller already opened (borrowed), or NULL: open ref */
    unsigned scanners;        /* MOAT_SCANNER_* bits; 0 = inventory only (an SBOM) */
    bool allow_sbom;          /* a ref naming a stored SBOM file is read as the inventory */
    const char *db_path;      /* vulnerability database; NULL = moat_vulndb_default_path_buf() */
    struct moat_open_opts open;
    struct moat_match_opts match;
    struct moat_secret_scanner_opts secret;
    struct moat_misconfig_opts misconfig;
    const char *const *vex; /* OpenVEX / CycloneDX VEX files applied to the findings */
    size_t n_vex;
    /* Findings in these image files, or under these directories, are dropped (patterns of
     * base/glob.h, Trivy's --skip-files / --skip-dirs). */
    const char *const *skip_files;
    size_t n_skip_files;
    const char *const *skip_dirs;
    size_t n_skip_dirs;
    /* Accepted findings (scan/ignore.h); NULL = none. With ignorefile_optional, a file
     * that does not exist is no error (the default .moatignore). */
    const char *ignorefile;
    bool ignorefile_optional;
    int severity_mask; /* keep only severities 1 << MOAT_SEV_*; 0 = all */
    int64_t now;       /* unix seconds (database age); 0 = time(NULL) */
    /* Progress after each layer; may be NULL. */
    void (*progress)(void *ctx, size_t layer, size_t n_layers, uint64_t bytes);
    void *progress_ctx;
};

struct moat_scan_result {
    struct moat_image *image;           /* opened here (owned), or NULL */
    const struct moat_image_meta *meta; /* the image scanned; NULL for an SBOM target */
    bool sbom_input;                    /* the target was a stored SBOM */
    struct moat_inventory inv;
    struct moat_findings findings; /* after VEX and the severity filter, sorted */
    unsigned scanners;             /* MOAT_SCANNER_* that ran */
    const char *scanner_names[3];  /* "vuln", "secret", "misconfig" that ran (static) */
    size_t n_scanner_names;
    struct moat_warnings warnings;
    struct moat_filter_counts dropped; /* what VEX and the severity filter left out */
    size_t skipped;                    /* findings in files --skip-files / --skip-dirs name */
    size_t ignored;                    /* findings the ignore file accepted */
    char *db_path;                     /* the vulnerability database used, or NULL */
};

/*
 * Run the pipeline. On success r holds the findings, inventory and
 * warnings; free it with moat_scan_result_free() (also after a failure).
 * Errors (an image that does not verify, an unreadable database or VEX
 * file) name the input and return -MOAT_E_*; no partial result is given.
 */
int moat_scan_run(const struct moat_scan_opts *o, struct moat_scan_result *r, struct moat_err *err);
void moat_scan_result_free(struct moat_scan_result *r);

/*
 * Fill ctx (zeroed first) for report/ from r: target, image, inventory,
 * scanners, warnings and the rule-level text of the scanners' rules.
 * ctx points into r, which must outlive it.
 */
void moat_scan_report_ctx(const struct moat_scan_result *r, const char *target,
                          struct moat_report_ctx *ctx);

/* Rule-level text of misconfig and secret rules (moat_report_rule_fn; report/ knows neither). */
bool moat_scan_rule_info(void *arg, const struct moat_finding *f, struct moat_report_rule *out);

/* "vuln,secret,misconfig" -> MOAT_SCANNER_* bits; -MOAT_E_ARG on an unknown name or none. */
int moat_scan_scanners_parse(const char *list, unsigned *out);

#endif
