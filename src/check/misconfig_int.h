/*
 * misconfig_int.h - what the misconfig checks share: the rule indexes, the
 * run context, emitting a finding (capped per rule), package ownership of
 * a path across usr-merge aliases, and the file-name tests the sniffer and
 * the checks must agree on.
 */
#ifndef MOAT_CHECK_MISCONFIG_INT_H
#define MOAT_CHECK_MISCONFIG_INT_H

#include <stdbool.h>

#include "moat/check/misconfig.h"

/* Indexes into the rule table; the order is the id order (MIC001 = MC_ROOT). */
enum mc_rule {
    MC_ROOT,
    MC_REMOTE,
    MC_DEBUG,
    MC_COMPILER,
    MC_PORT22,
    MC_SUID_NOPKG,
    MC_SUID_PKG,
    MC_WORLD_WRITABLE,
    MC_HOSTKEY,
    MC_PRIVKEY,
    MC_SUDO,
    MC_CACHE,
    MC_ADD_URL,
    MC_CURL_SH,
    MC_ENV_SECRET,
    MC_HEALTHCHECK,
    MC_AGE,
    MC__COUNT
};

#define MC_MAX_ALIASES 16

/* A top-level symlink to a directory, e.g. "bin" -> "usr/bin" (usr-merge). */
struct mc_alias {
    char link[64];
    char target[256];
};

/* One package file, for the ownership index. */
struct mc_owned {
    const char *path;
    const struct moat_pkg *pkg;
};

struct mc_ctx {
    const struct moat_image_meta *meta;
    const struct moat_fs *fs;
    const struct moat_inventory *inv;
    const struct moat_misconfig_opts *opts; /* never NULL */
    struct moat_findings *out;
    struct moat_err *err;
    uint32_t count[MC__COUNT];   /* findings emitted per rule */
    uint32_t dropped[MC__COUNT]; /* findings over MOAT_MISCONFIG_MAX_PER_RULE */
    struct mc_alias aliases[MC_MAX_ALIASES];
    size_t n_aliases;
    struct mc_owned *owned; /* every package file, sorted by path; built on first use */
    size_t n_owned;
    bool owned_tried;
};

/* Where a finding points and what backs it. */
struct mc_where {
    const char *path;           /* normalised image path or "config:..." */
    int32_t layer;              /* -1 unknown */
    uint32_t line;              /* 0 none */
    const char *match;          /* evidence, already redacted; may be NULL */
    const struct moat_pkg *pkg; /* the package behind it, or NULL */
};

/* Append a finding of rule with a printf-style description. 0 or -MOAT_E_NOMEM. */
int mc_emit(struct mc_ctx *c, enum mc_rule rule, const struct mc_where *w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The package whose file list holds path (or an alias of it), or NULL. */
const struct moat_pkg *mc_owner(struct mc_ctx *c, const char *path);
/* Fill c->aliases from the top-level symlinks of c->fs. */
void mc_find_aliases(struct mc_ctx *c);

/* A file name that may hold key material and is worth reading (*.pem, id_rsa, ...). */
bool mc_key_name(const char *base);
/* Last component of a normalised path. */
const char *mc_base(const char *path);

int mc_check_config(struct mc_ctx *c);
int mc_check_fs(struct mc_ctx *c);

#endif
