/*
 * misconfig.h - image and content checks (`moat scan --scanners misconfig`):
 * the image config (USER, exposed ports, HEALTHCHECK, Env, history, age)
 * and the merged filesystem (setuid/setgid, world-writable, private keys
 * baked in, remote-access and debugging tools, sudo, package caches). The
 * catalogers' file lists tell package files from what the build added.
 * Each check has a stable id (MIC001...), a severity, a title, a remediation
 * and the CIS Docker Benchmark section where one applies; docs/misconfig-checks.md
 * lists them.
 *
 * Must not: decide exit codes or print.
 */
#ifndef MOAT_CHECK_MISCONFIG_H
#define MOAT_CHECK_MISCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "../base/error.h"
#include "../base/finding.h"
#include "../catalog/catalog.h"
#include "../fs/fs.h"
#include "../source/image.h"

#define MOAT_MISCONFIG_DEFAULT_MAX_AGE_DAYS 365u

struct moat_misconfig_rule {
    const char *id; /* "MIC001" */
    enum moat_severity severity;
    const char *title;
    const char *remediation;
    const char *cis; /* "4.1", or NULL */
};

/* The rule table (static storage). */
size_t moat_misconfig_rules(const struct moat_misconfig_rule **out);

struct moat_misconfig_opts {
    int64_t now;           /* unix seconds for the age check; 0 = time(NULL) */
    uint32_t max_age_days; /* 0 = MOAT_MISCONFIG_DEFAULT_MAX_AGE_DAYS */
    const char *const *setuid_allow; /* extra known-good setuid/setgid paths (normalised) */
    size_t n_setuid_allow;
};

/*
 * Run every check. fs may be NULL (config checks only); inv may be NULL
 * (then no file is known to belong to a package). Findings are appended.
 */
int moat_misconfig_run(const struct moat_image_meta *meta, const struct moat_fs *fs,
                       const struct moat_inventory *inv, const struct moat_misconfig_opts *opts,
                       struct moat_findings *out, struct moat_err *err);

#endif
