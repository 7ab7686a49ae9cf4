/*
 * sbom.h - SBOM writers: CycloneDX 1.5 JSON, SPDX 2.3 JSON, moat's own JSON
 * and a human table. They only format what the catalog found.
 */
#ifndef MOAT_SBOM_SBOM_H
#define MOAT_SBOM_SBOM_H

#include <stdio.h>

#include "moat/base/error.h"
#include "moat/catalog/catalog.h"
#include "moat/source/image.h"

enum moat_sbom_format {
    MOAT_SBOM_TABLE = 1,
    MOAT_SBOM_JSON,
    MOAT_SBOM_CYCLONEDX,
    MOAT_SBOM_SPDX,
};

struct moat_sbom_opts {
    const char *tool_version; /* moat's version, for tool metadata */
    const char *timestamp;    /* RFC 3339 UTC; NULL = now. Fixed in tests for reproducible output */
    const char *uuid;         /* serial / document namespace seed; NULL = random */
    int with_files;           /* list installed files (json, spdx) */
};

/* Parse "cyclonedx", "spdx", "spdx-json", "json", "table"; -MOAT_E_ARG otherwise. */
int moat_sbom_format_parse(const char *s, enum moat_sbom_format *out);

/* Write the SBOM of one image to f. */
int moat_sbom_write(FILE *f, enum moat_sbom_format fmt, const struct moat_image_meta *meta,
                    const struct moat_inventory *inv, const struct moat_sbom_opts *opts,
                    struct moat_err *err);

/*
 * Package URL per the purl spec for p on os, e.g.
 * "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12". Caller frees.
 */
char *moat_purl(const struct moat_pkg *p, const struct moat_os *os);

#endif
