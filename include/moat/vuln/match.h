/*
 * match.h - match an inventory's packages against the vulnerability
 * database and produce one finding per (vulnerability, package).
 *
 * Distribution advisories name source packages, so deb and apk packages are
 * looked up by their source name and version in the ecosystem of the image's
 * release ("Debian:12", "Alpine:v3.20"). Aliases (DSA/DLA/GHSA -> CVE) are
 * merged. This room prints nothing.
 */
#ifndef MOAT_VULN_MATCH_H
#define MOAT_VULN_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"
#include "moat/catalog/catalog.h"
#include "moat/version/version.h"
#include "moat/vuln/vulndb.h"

struct moat_match_opts {
    bool ignore_unfixed; /* drop "affected, no fix" and "won't fix" findings */
};

struct moat_match_stats {
    size_t packages;     /* packages looked up */
    size_t unsupported;  /* packages whose ecosystem moat cannot compare */
    size_t bad_versions; /* advisory ranges skipped for unparsable versions */
    size_t withdrawn;    /* matches dropped because the record is withdrawn */
};

/*
 * Append the findings for inv to out (not sorted). stats may be NULL.
 * Returns 0 or a negative error from the database.
 */
int moat_vuln_match(struct moat_vulndb *db, const struct moat_inventory *inv,
                    const struct moat_match_opts *opts, struct moat_findings *out,
                    struct moat_match_stats *stats, struct moat_err *err);

/*
 * The OSV ecosystem of p on os, e.g. "Debian:12", "Alpine:v3.20", into buf.
 * Returns 0, or -MOAT_E_UNSUPPORTED when moat does not know the distribution.
 */
int moat_vuln_ecosystem(const struct moat_pkg *p, const struct moat_os *os, char *buf, size_t cap);

/*
 * Whether version v (of comparator kind k) is affected by a, per the OSV
 * evaluation rules (sorted events; introduced/fixed/last_affected/limit;
 * explicit versions). On affected, *fixed is the first fixed version above v
 * (pointing into a) or NULL when there is none. Returns 0, or -MOAT_E_FORMAT
 * when no range could be evaluated because of unparsable versions.
 */
int moat_vuln_affects(enum moat_ecosystem_kind k, const struct moat_affected *a, const char *v,
                      bool *affected, const char **fixed);

#endif
