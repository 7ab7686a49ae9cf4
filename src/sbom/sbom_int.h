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
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "moat/base/buf.h"
#include "moat/base/json.h"
#include "moat/base/text.h"
#include "moat/sbom/sbom.h"

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
char *sbom_purl_build(const char *type, const char *ns, const char *name, const char *version,
                      const struct moat_purl_qual *quals, size_t n_quals);

/*
 * The image as an oci purl ("pkg:oci/debian@sha256:...?arch=..&repository_url=..&tag=.."),
 * or NULL when the image has no digest (or on allocation failure).
 */
char *sbom_purl_image(const struct moat_image_meta *meta);

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
    size_t n_refs, cap_refs;
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

/* The diff_id of the layer that introduced p, or NULL when unknown. */
const char *sbom_layer_diff_id(const struct moat_image_meta *meta, const struct moat_pkg *p);

/* "deb", "apk", "rpm" or "unknown". */
const char *sbom_pkg_type_name(enum moat_pkg_type t);

/*
 * Split a maintainer "Name <mail@x>" into name and email (either may be
 * NULL on return). Returns 0 or -1 on allocation failure.
 */
int sbom_split_maintainer(const char *m, char **name, char **email);

/* ---- stream.c -------------------------------------------------------- */

#define SBOM_OUT_DEPTH 16

/*
 * A JSON document written as it is produced, laid out as json_dumpf() with
 * JSON_INDENT(2) would lay out the whole tree (UTF-8, trailing newline). The
 * first error sticks in r and every later call returns it. f stays locked
 * (flockfile) from sbom_out_init() to sbom_out_end(), which must be called.
 */
struct sbom_out {
    FILE *f;
    size_t depth;                       /* open objects and arrays */
    char close[SBOM_OUT_DEPTH];         /* '}' or ']' for each */
    unsigned char used[SBOM_OUT_DEPTH]; /* it has a member already */
    int r;                              /* 0 or the first -MOAT_E_* */
};

void sbom_out_init(struct sbom_out *o, FILE *f);
/*
 * Open an object (kind '{') or array ('[') as the next member of the innermost
 * container; key names it inside an object and is NULL in an array or for the
 * root. Keys are written as given: plain ASCII literals only.
 */
int sbom_out_open(struct sbom_out *o, const char *key, char kind);
int sbom_out_close(struct sbom_out *o);
/* Write v as the next member and release it (v is stolen; NULL = out of memory). */
int sbom_out_put(struct sbom_out *o, const char *key, json_t *v);
/* sbom_out_put(o, key, moat_json_str(s)). */
int sbom_out_str(struct sbom_out *o, const char *key, const char *s);
/*
 * Finish: every container must be closed; writes the final newline, checks
 * the stream and unlocks it. 0, or -MOAT_E_IO / -MOAT_E_NOMEM with the
 * message in err ("what" names the format).
 */
int sbom_out_end(struct sbom_out *o, const char *what, struct moat_err *err);

/* ---- idset.c --------------------------------------------------------- */

/* One id: its hash and the caller's numbers, from which the caller rebuilds its text. */
struct sbom_identry {
    uint64_t hash;
    uint32_t owner; /* what holds the id, in the caller's numbering */
    uint32_t aux;   /* caller's detail: the suffix N (0 = none), an index, ... */
    uint32_t next;  /* first suffix not known to be taken, for ids made from this one */
};

/* Append the text of e to out; 0 or -1. Must give the same text every time. */
typedef int (*sbom_idset_text_fn)(void *arg, const struct sbom_identry *e, struct moat_buf *out);

/*
 * A set of strings that keeps ~32-40 bytes per string instead of the string:
 * lookups that meet an equal hash rebuild the stored text through text() and
 * compare, so the set is exact. Entries stay in insertion order (e[0..n-1]).
 */
struct sbom_idset {
    struct sbom_identry *e;
    size_t n, cap;
    uint32_t *slot; /* entry index + 1, 0 = free; n_slot is a power of two >= 2 * cap */
    size_t n_slot;
    uint64_t key[2]; /* SipHash key, random per set */
    sbom_idset_text_fn text;
    void *arg;
    struct moat_buf tmp; /* the last rebuilt text */
    size_t tmp_for;      /* its entry index + 1, 0 = none */
};

/* hint: how many ids are expected (0 = unknown). 0 or -MOAT_E_NOMEM. */
int sbom_idset_init(struct sbom_idset *s, size_t hint, sbom_idset_text_fn text, void *arg);
void sbom_idset_free(struct sbom_idset *s);
/* 1 and *idx when key is in the set, 0 when not, or -MOAT_E_NOMEM. */
int sbom_idset_find(struct sbom_idset *s, const char *key, size_t *idx);
/* Add key as (owner, aux) unless present: 0 added, 1 already there; *idx is its entry. */
int sbom_idset_add(struct sbom_idset *s, const char *key, uint32_t owner, uint32_t aux,
                   size_t *idx);
/*
 * Give owner key if unused, else key + sep + N for the first free N >= 2; the
 * chosen N (0 for key itself) goes in *n and the new entry's aux, its index in
 * *idx. 0 or -MOAT_E_NOMEM.
 */
int sbom_idset_unique(struct sbom_idset *s, const char *key, const char *sep, uint32_t owner,
                      uint32_t *n, size_t *idx);
/* Append the text of entry idx to out. 0 or -MOAT_E_NOMEM. */
int sbom_idset_text(struct sbom_idset *s, size_t idx, struct moat_buf *out);

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
