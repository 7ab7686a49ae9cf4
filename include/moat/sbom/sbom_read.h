/*
 * sbom_read.h - read a stored SBOM back into an inventory, so it can be
 * checked against today's vulnerability data without the image. Accepts
 * CycloneDX 1.2-1.6 JSON and SPDX 2.2/2.3 JSON as written by moat, Trivy and
 * Syft, and moat's own JSON ("moat-sbom/1"). Only OS packages (purl types
 * deb, apk, rpm) are kept for now. Documents are streamed: memory follows
 * the largest component, not the document (read.c gives the bounds).
 */
#ifndef MOAT_SBOM_SBOM_READ_H
#define MOAT_SBOM_SBOM_READ_H

#include <stddef.h>

#include "moat/base/error.h"
#include "moat/catalog/catalog.h"

/* A parsed Package URL; all strings owned, percent-decoded. */
struct moat_purl_parts {
    char *type, *namespace_, *name, *version, *subpath;
    struct {
        char *key, *value;
    } * qualifiers;
    size_t n_qualifiers;
};

/* Parse per the purl spec; -MOAT_E_FORMAT on a malformed purl. */
int moat_purl_parse(const char *purl, struct moat_purl_parts *out, struct moat_err *err);
/* The value of qualifier key, or NULL. */
const char *moat_purl_qualifier(const struct moat_purl_parts *p, const char *key);
void moat_purl_parts_free(struct moat_purl_parts *p);

/* True when the JSON file at path looks like a CycloneDX, SPDX or moat JSON SBOM (cheap sniff). */
int moat_sbom_sniff(const char *path);

/*
 * Read the SBOM at path into inv (OS from the operating-system component or
 * the purls' distro qualifier). *name gets the described artifact's name
 * (caller frees; may be NULL).
 */
int moat_sbom_read(const char *path, struct moat_inventory *inv, char **name, struct moat_err *err);

#endif
