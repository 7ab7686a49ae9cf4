/*
 * lint.h - Dockerfile rules (the build stage, before any image exists), in
 * the spirit of hadolint. Each rule has a moat id (MDL001...), the hadolint
 * id when one matches (kept in the finding's aliases and linked as its
 * primary URL), a severity, a title, a rationale and a remediation; see
 * docs/lint-rules.md. Rules read a parsed struct moat_dockerfile and append
 * MOAT_FINDING_MISCONFIG findings; they never print or pick exit codes.
 *
 * Suppressions: "# moat ignore=ID[,ID]" or "# hadolint ignore=DLxxxx" on
 * the line(s) just before an instruction, or opts->ignore for the whole run;
 * both accept the moat id or the hadolint id.
 */
#ifndef MOAT_CHECK_LINT_H
#define MOAT_CHECK_LINT_H

#include <stddef.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"
#include "moat/check/dockerfile.h"

struct moat_lint_rule {
    const char *id;       /* "MDL001" */
    const char *hadolint; /* "DL3006" or NULL */
    enum moat_severity severity;
    const char *title;
    const char *rationale;
    const char *remediation;
};

/* The rule table (static, never freed), *n set to its length. */
const struct moat_lint_rule *moat_lint_rules(size_t *n);
/* The rule with this moat or hadolint id (case-insensitive), or NULL. */
const struct moat_lint_rule *moat_lint_rule_find(const char *id);

struct moat_lint_opts {
    const char *const *ignore; /* rule ids (moat or hadolint) to skip everywhere */
    size_t n_ignore;
    const char *const *trusted; /* registries/prefixes ("docker.io", "ghcr.io/org"); */
    size_t n_trusted;           /* none = the allow-list rule is off */
};

/*
 * Run every rule over df (parsed from `path`, which findings name) and
 * append findings to out. 0 or -MOAT_E_NOMEM.
 */
int moat_lint_dockerfile(const struct moat_dockerfile *df, const char *path,
                         const struct moat_lint_opts *opts, struct moat_findings *out,
                         struct moat_err *err);

#endif
