/*
 * scan_int.h - shared between the files of the scan room.
 */
#ifndef MOAT_SCAN_SCAN_INT_H
#define MOAT_SCAN_SCAN_INT_H

#include "moat/scan/scan.h"
#include "moat/vuln/vulndb.h"

/*
 * Open the vulnerability database the options name (else the default) for
 * reading; r->db_path gets its path, r->warnings an empty or stale database.
 */
int scan_db_open(const struct moat_scan_opts *o, int64_t now, struct moat_vulndb **db,
                 struct moat_scan_result *r, struct moat_err *err);

/*
 * Match r->inv against db into r->findings, and warn about packages whose
 * ecosystem moat cannot match and ecosystems the database holds nothing for.
 */
int scan_db_match(const struct moat_scan_opts *o, struct moat_vulndb *db,
                  struct moat_scan_result *r, struct moat_err *err);

#endif
