/*
 * misconfig.h - image and content checks (`moat scan --scanners misconfig`):
 * the image config (USER, exposed ports, HEALTHCHECK, Env, history, age)
 * and the merged filesystem (setuid/setgid, world-writable, private keys
 * baked in, remote-access and debugging tools, sudo, package caches). The
 * catalogers' file lists tell package files from what the build added.
 * Each check has a stable id (MIC001...), a severity, a title, a description
 * (what it detects and why that matters), a remediation and the CIS Docker
 * Benchmark section where one applies; docs/misconfig-checks.md lists them.
 *
 * Content: the merged view keeps no file bytes, so a small fs visitor (the
 * sniffer) reads, during the one build pass, the files these checks must
 * look into: files named like key material (*.pem, *.key, id_*, ...), up
 * to MOAT_MISCONFIG_SNIFF_MAX bytes each, to tell a private key from a
 * certificate, and etc/passwd, to resolve a USER name to its uid. It keeps
 * only verdicts and etc/passwd, bounded.
 *
 * Must not: decide exit codes or print.
 */
#ifndef MOAT_CHECK_MISCONFIG_H
#define MOAT_CHECK_MISCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"
#include "moat/catalog/catalog.h"
#include "moat/fs/fs.h"
#include "moat/source/image.h"

#define MOAT_MISCONFIG_DEFAULT_MAX_AGE_DAYS 365u
#define MOAT_MISCONFIG_SNIFF_MAX (1u << 20)  /* key candidates larger than this are not read */
#define MOAT_MISCONFIG_SNIFF_HITS 4096u      /* private keys remembered per image */
#define MOAT_MISCONFIG_PASSWD_MAX (1u << 20) /* bytes of etc/passwd kept */
#define MOAT_MISCONFIG_MAX_PER_RULE 100u     /* findings per rule; the rest are summed up */

struct moat_misconfig_rule {
    const char *id; /* "MIC001" */
    enum moat_severity severity;
    const char *title;
    const char *description; /* what the rule detects and why it matters (SARIF rule text) */
    const char *remediation;
    const char *cis; /* "4.1", or NULL */
};

/* The rule table (static storage). */
size_t moat_misconfig_rules(const struct moat_misconfig_rule **out);
/* The rule with this id (case-insensitive), or NULL. */
const struct moat_misconfig_rule *moat_misconfig_rule_find(const char *id);

/* The content sniffer (see the top of this file). */
struct moat_misconfig_sniffer;

int moat_misconfig_sniffer_new(struct moat_misconfig_sniffer **out, struct moat_err *err);
void moat_misconfig_sniffer_free(struct moat_misconfig_sniffer *s);
/* A visitor for moat_fs_opts.visitors; s must outlive the moat_fs_build() pass. */
struct moat_fs_visitor moat_misconfig_sniffer_visitor(struct moat_misconfig_sniffer *s);
/* True when the file written at path by layer held a private key (PEM, OpenSSH, PuTTY). */
bool moat_misconfig_sniffed_key(const struct moat_misconfig_sniffer *s, uint32_t layer,
                                const char *path);
/* The etc/passwd bytes layer wrote, or NULL (when that version was not seen). */
const char *moat_misconfig_sniffed_passwd(const struct moat_misconfig_sniffer *s, uint32_t layer,
                                          size_t *len);

struct moat_misconfig_opts {
    int64_t now;                     /* unix seconds for the age check; 0 = time(NULL) */
    uint32_t max_age_days;           /* 0 = MOAT_MISCONFIG_DEFAULT_MAX_AGE_DAYS */
    const char *const *setuid_allow; /* extra known-good setuid/setgid paths ("/" prefix ok) */
    size_t n_setuid_allow;
    /* What the sniffer saw during the build, or NULL: then key files are judged by
     * path only (ssh host keys, .ssh/id_*) and USER names other than root are not resolved. */
    const struct moat_misconfig_sniffer *sniffer;
};

/*
 * Run every check. meta may be NULL (no config checks); fs may be NULL
 * (config checks only); inv may be NULL (then no file is known to belong to
 * a package, and tools are found by path only). opts may be NULL. Findings
 * are appended (kind MOAT_FINDING_MISCONFIG, data_source "moat-misconfig").
 */
int moat_misconfig_run(const struct moat_image_meta *meta, const struct moat_fs *fs,
                       const struct moat_inventory *inv, const struct moat_misconfig_opts *opts,
                       struct moat_findings *out, struct moat_err *err);

#endif
