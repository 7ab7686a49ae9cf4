/*
 * sbom_int.h - helpers shared by the sbom/ writers (not part of the public
 * contract in sbom.h; tests include it to reach the pieces directly).
 *
 * Ownership: every char * returned here is malloc'd and owned by the caller;
 * every json_t * returned is a new reference owned by the caller.
 */
#ifndef MOAT_SBOM_SBOM_INT_H
#define MOAT_SBOM_SBOM_INT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "sbom.h"

/* ---- purl.c ---------------------------------------------------------- */

struct moat_purl_qual {
    const char *key;   /* lowercase ASCII, [a-z0-9._-], starts with a letter */
    const char *value; /* NULL or "" = qualifier omitted */
};

/*
 * Build a canonical purl: type lowercased, each namespace segment, the name
 * and the version percent-encoded, qualifiers sorted by key with empty values
 * dropped. ns and version may be NULL. NULL on allocation failure or when
 * type/name are missing or a key is invalid.
 */
char *moat_purl_build(const char *type, const char *ns, const char *name, const char *version,
                      const struct moat_purl_qual *quals, size_t n_quals);

/*
 * The image as an oci purl ("pkg:oci/debian@sha256:...?arch=..&repository_url=..&tag=.."),
 * or NULL when the image has no digest (or on allocation failure).
 */
char *moat_purl_image(const struct moat_image_meta *meta);

/* ---- license.c ------------------------------------------------------- */

enum sbom_lic_kind {
    SBOM_LIC_NONE = 0, /* nothing recorded */
    SBOM_LIC_ID,       /* exactly one SPDX license-list identifier */
    SBOM_LIC_EXPR,     /* a valid expression of listed identifiers only */
    SBOM_LIC_REF,      /* a valid expression that needed LicenseRef-* for some text */
};

struct sbom_licref {
    char *id;   /* "LicenseRef-..." */
    char *text; /* the recorded text it stands for */
};

struct sbom_license {
    enum sbom_lic_kind kind;
    char *expr; /* a syntactically valid SPDX expression; NULL for SBOM_LIC_NONE */
    struct sbom_licref *refs;
    size_t n_refs;
};

/*
 * Turn a license as a package database records it ("GPL-2.0+ and BSD",
 * "MIT", "GPLv2+") into a valid SPDX expression: operators are uppercased,
 * identifiers take their canonical case, anything not on the SPDX list
 * becomes LicenseRef-<sanitised>. When the text cannot be parsed as an
 * expression at all, the whole text becomes one LicenseRef. 0 or -MOAT_E_NOMEM.
 */
int sbom_license_parse(const char *raw, struct sbom_license *out);
void sbom_license_free(struct sbom_license *l);

/* spdx_ids.c: the SPDX license list, sorted case-insensitively. */
const char *const *sbom_spdx_license_ids(size_t *n);
const char *const *sbom_spdx_exception_ids(size_t *n);
/* Canonical spelling of a listed license (or exception) id, or NULL. */
const char *sbom_spdx_license_lookup(const char *id, size_t len);
const char *sbom_spdx_exception_lookup(const char *id, size_t len);

/* ---- sbom_util.c ----------------------------------------------------- */

/* Per-write context the writers share. */
struct sbom_ctx {
    const char *tool_version;
    char timestamp[32]; /* RFC 3339 UTC, "2024-01-02T03:04:05Z" */
    char uuid[37];      /* lowercase 8-4-4-4-12 */
    int with_files;
};

/* Resolve opts (NULL allowed) into ctx: defaults, now, a random v4 uuid. */
int sbom_ctx_init(struct sbom_ctx *ctx, const struct moat_sbom_opts *opts, struct moat_err *err);

/* A JSON string for s (invalid UTF-8 replaced by U+FFFD); json null when s is NULL. */
json_t *sbom_jstr(const char *s);
/* json_object_set_new(o, k, sbom_jstr(s)); 0 or -1. */
int sbom_set_str(json_t *o, const char *key, const char *s);
/* Set only when s is non-NULL and non-empty. */
int sbom_set_str_opt(json_t *o, const char *key, const char *s);
/* A JSON array of the n strings. */
json_t *sbom_jstr_array(char *const *v, size_t n);

/* Dump root to f (2-space indent, UTF-8, trailing newline). 0 or -MOAT_E_IO. */
int sbom_dump(json_t *root, FILE *f, struct moat_err *err);

/* The diff_id of the layer that introduced p, or NULL when unknown. */
const char *sbom_layer_diff_id(const struct moat_image_meta *meta, const struct moat_pkg *p);

/* "deb", "apk", "rpm" or "unknown". */
const char *sbom_pkg_type_name(enum moat_pkg_type t);

/*
 * Split a maintainer "Name <mail@x>" into name and email (either may be
 * NULL on return). Returns 0 or -1 on allocation failure.
 */
int sbom_split_maintainer(const char *m, char **name, char **email);

/* Return key if unused in the set (and add it), else key + sep + N for the first free N. */
char *sbom_unique(json_t *set, const char *key, const char *sep);

/* ---- the writers ----------------------------------------------------- */

int sbom_write_cyclonedx(FILE *f, const struct moat_image_meta *meta,
                         const struct moat_inventory *inv, const struct sbom_ctx *ctx,
                         struct moat_err *err);
int sbom_write_spdx(FILE *f, const struct moat_image_meta *meta, const struct moat_inventory *inv,
                    const struct sbom_ctx *ctx, struct moat_err *err);
int sbom_write_json(FILE *f, const struct moat_image_meta *meta, const struct moat_inventory *inv,
                    const struct sbom_ctx *ctx, struct moat_err *err);
int sbom_write_table(FILE *f, const struct moat_image_meta *meta, const struct moat_inventory *inv,
                     struct moat_err *err);

#endif
