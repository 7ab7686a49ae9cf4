/*
 * vex.h - VEX input: read OpenVEX and CycloneDX VEX documents and mark the
 * findings their statements cover (f->vex, f->vex_justification).
 *
 * A room of its own: report/ writes findings and must not parse, and VEX is
 * hostile input like any SBOM or advisory. Products are matched through
 * moat_purl_parse (sbom/sbom_read.h), the same purl parser the SBOM reader
 * uses. The report writers show the VEX status a finding carries
 * (moat_vex_status_name, report/report.h).
 */
#ifndef MOAT_VEX_VEX_H
#define MOAT_VEX_VEX_H

#include <stddef.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"

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
 *   - a product purl naming the package purl: both parsed by
 *     moat_purl_parse, equal type, namespace and name, and version and each
 *     qualifier only when the statement gives them (a purl the parser
 *     refuses covers nothing but the identical string);
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

#endif
