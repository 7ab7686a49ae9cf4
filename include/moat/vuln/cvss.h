/*
 * cvss.h - parse a CVSS vector string and compute its score (v2.0, v3.0,
 * v3.1, v4.0), so a finding's severity can come from the vector itself
 * rather than from whatever number a feed printed next to it.
 *
 * Pure computation: no allocation, no global state, no I/O.
 */
#ifndef MOAT_VULN_CVSS_H
#define MOAT_VULN_CVSS_H

#include <stddef.h>

#include "moat/base/error.h"

enum moat_cvss_version {
    MOAT_CVSS_V2 = 2,
    MOAT_CVSS_V30 = 30,
    MOAT_CVSS_V31 = 31,
    MOAT_CVSS_V40 = 40,
};

/* Longest vector accepted; a complete v4.0 vector with every optional metric is ~180 bytes. */
#define MOAT_CVSS_MAX_LEN 256

/*
 * Parse the vector (len bytes, need not be NUL-terminated; a NUL inside it is
 * a format error) and compute its score into *score (0.0-10.0, one decimal).
 *
 *  - "CVSS:3.0/..." and "CVSS:3.1/...": the base score per the FIRST v3.0 /
 *    v3.1 specification (v3.1 uses the Roundup of Appendix A, v3.0 the
 *    original ceiling). Metrics may come in any order. Temporal and
 *    environmental metrics are validated but do not change the result: it
 *    is always the Base Score.
 *  - "CVSS:4.0/...": the CVSS v4.0 score (macrovector lookup plus severity
 *    distances, as FIRST's reference calculator). Threat, environmental and
 *    supplemental metrics are accepted and applied as the specification
 *    says, so with only base metrics this is CVSS-B, otherwise CVSS-BT/BE/BTE.
 *    Metrics must appear in the specification's order.
 *  - "AV:N/AC:L/Au:N/C:P/I:P/A:P" (optionally prefixed "CVSS:2.0/"): the v2
 *    base score; temporal/environmental metrics are validated, not applied.
 *
 * An unknown metric or value, a missing mandatory metric, a duplicate, an
 * empty component or (v4.0) a metric out of order -> -MOAT_E_FORMAT; longer
 * than MOAT_CVSS_MAX_LEN -> -MOAT_E_LIMIT; NULL arguments -> -MOAT_E_ARG.
 * version may be NULL; *version and *score are written only on success.
 */
int moat_cvss_score(const char *vector, size_t len, enum moat_cvss_version *version, double *score,
                    struct moat_err *err);

#endif
